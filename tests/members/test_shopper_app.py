"""The shopper's app, finished (issue 10 point 8): the home page links to stores, categories and
deals; search shows struck-through regular prices and per-100 g prices; a favicon."""

import datetime

import pytest
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db


def test_home_links_to_deals_categories_and_near_me(client):
    store = factories.make_store(name_ja="テスト店")
    category = factories.make_category(name_en="Fish", name_ja="鮮魚")
    html = client.get("/").content.decode()
    assert f"store={store.code}&amp;deals=1" in html
    assert f"category={category.slug}" in html
    assert 'id="home-nearby"' in html
    assert 'rel="icon"' in html
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "テスト店" in html and "鮮魚" in html


def test_search_deals_show_the_regular_price_struck_through(client):
    store = factories.make_store()
    reduced = factories.make_offer(
        store=store,
        product=factories.make_product(name_en="Reduced tuna", sold_by="weight"),
        price=500,
        markdown_price=350,
        markdown_starts_at=timezone.now() - datetime.timedelta(minutes=1),
        stock_on_hand=5000,
    )
    factories.make_offer(store=store, product=factories.make_product(name_en="Plain tuna"))
    factories.make_offer(
        store=store,
        product=factories.make_product(name_en="Later tuna"),
        price=500,
        markdown_price=100,
        markdown_starts_at=timezone.now() + datetime.timedelta(hours=1),
    )
    html = client.get(f"/search/?store={store.code}&deals=1").content.decode()
    assert "Reduced tuna" in html
    assert "Plain tuna" not in html and "Later tuna" not in html
    assert '<s class="was" data-role="regular-price">¥500</s>' in html
    assert '¥350 <small class="unit">/ 100 g</small>' in html
    assert reduced.product.sku in html
    html = client.get(f"/search/?store={store.code}&q=tuna").content.decode()
    assert html.count('data-role="regular-price"') == 1


def test_a_product_without_a_photo_shows_its_category_placeholder(client):
    category = factories.make_category(name_en="Tofu & Natto")
    label = factories.make_label(
        offer=factories.make_offer(
            store=factories.make_store(), product=factories.make_product(category=category)
        )
    )
    html = client.get(f"/s/{label.code}", follow=True).content.decode()
    assert 'class="product-photo placeholder zone-' in html
    assert "Tofu &amp; Natto" in html


def test_an_uploaded_photo_is_shrunk_to_a_phone_sized_jpeg(settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from catalog.services.photos import shrink_product_photo

    settings.MEDIA_ROOT = tmp_path
    picture = io.BytesIO()
    Image.new("RGBA", (4000, 3000), (200, 30, 30, 128)).save(picture, "PNG")
    product = factories.make_product()
    product.image = SimpleUploadedFile("camera-roll.png", picture.getvalue(), "image/png")
    shrink_product_photo(product=product)
    product.save()
    product.refresh_from_db()
    assert product.image.name.endswith(".jpg")
    with Image.open(product.image.path) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (1200, 900)


def test_search_shows_the_price_per_100_g_of_a_pack_and_the_photo_placeholder(client):
    store = factories.make_store()
    category = factories.make_category(name_en="Rice & Noodles")
    factories.make_offer(
        store=store,
        product=factories.make_product(
            name_en="Koshihikari Rice 5kg", net_content_grams=5000, category=category
        ),
        price=4280,
    )
    factories.make_offer(store=store, product=factories.make_product(name_en="Rice Cooker"))
    html = client.get(f"/search/?store={store.code}&q=rice").content.decode()
    assert '<small class="unit" data-role="unit-price">¥86 per 100 g</small>' in html
    assert html.count('data-role="unit-price"') == 1  # the cooker states no net content
    assert html.count('data-role="photo-placeholder"') == 2
    assert 'class="product-photo placeholder zone-ambient"' in html
    assert "Rice &amp; Noodles" in html


def test_the_unit_price_follows_a_markdown_and_volumes_are_per_100_ml(client):
    store = factories.make_store()
    drinks = factories.make_category(slug="drinks", name_en="Drinks")
    offer = factories.make_offer(
        store=store,
        product=factories.make_product(
            name_en="Green Tea 2L", net_content_grams=2000, net_content_unit="ml", category=drinks
        ),
        price=168,
        markdown_price=99,
        markdown_starts_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    html = client.get(f"/search/?store={store.code}&q=tea").content.decode()
    assert "¥5 per 100 ml" in html  # 99 / 20 = 4.95, rounded half up
    html = client.get(
        f"/stores/{store.code}/products/{offer.product.sku}/", follow=True
    ).content.decode()
    assert 'id="unit-price"' in html and "¥5 per 100 ml" in html
    html = client.get(
        f"/search/?store={store.code}&q=tea", HTTP_ACCEPT_LANGUAGE="ja"
    ).content.decode()
    assert "100 mlあたり ¥5" in html
