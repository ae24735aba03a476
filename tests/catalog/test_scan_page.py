import datetime
import re
import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog.models import Review, ScanEvent
from tests import factories
from tests.catalog.helpers import flushed_scans, label_path, scan_api_path

pytestmark = pytest.mark.django_db

SEARCH_FORM = '<form method="get" action="/search/" class="search-form" role="search">'


def labelled(store, **offer_fields):
    """An offer of a new product in `store`, with its shelf label."""
    return factories.make_label(offer=factories.make_offer(store=store, **offer_fields))


def page(client, label, **params):
    return client.get(label_path(label.code), params)


def text(response) -> str:
    return response.content.decode()


def reviews_dated(product, ratings_oldest_first):
    """One review per rating, a day apart, the last one the newest."""
    now = timezone.now()
    reviews = []
    for age, rating in enumerate(reversed(ratings_oldest_first)):
        review = factories.make_review(
            product=product, rating=rating, title=f"Review {len(ratings_oldest_first) - age}"
        )
        Review.objects.filter(pk=review.pk).update(created_at=now - datetime.timedelta(days=age))
        reviews.append(review)
    return list(reversed(reviews))


# --- What the page shows --------------------------------------------------------------------------


def test_page_shows_name_price_stock_aisle_and_origin(client, store):
    product = factories.make_product(
        name_en="Shinshu Soba 360g", name_ja="信州そば 360g", origin="Nagano, Japan"
    )
    label = labelled(store, product=product, price=298, stock_on_hand=30, aisle="B3", bay=2)

    response = page(client, label)

    assert response.status_code == 200
    html = text(response)
    assert '<h1 id="product-name">Shinshu Soba 360g</h1>' in html
    assert "<strong>¥298</strong>" in html
    assert "<s " not in html and "Reduced until" not in html  # no markdown, nothing struck
    assert 'data-state="in_stock"' in html and "In stock" in html
    assert '<strong id="aisle">B3</strong>-2' in html
    assert '<span id="origin">Nagano, Japan</span>' in html


def tofu_from_chichibu(**fields):
    return factories.make_product(
        origin="Saitama, Japan",
        origin_ja="埼玉県",
        producer="Chichibu Tofu Works",
        producer_ja="秩父豆腐工房",
        **fields,
    )


def facts(html: str) -> str:
    """The page's facts section (origin, producer, description): where the page says them."""
    return html.split('<section class="facts">', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize("reached_by", ["label", "search"])
def test_origin_and_producer_are_in_the_pages_language(store, reached_by):
    label = labelled(store, product=tofu_from_chichibu())
    product = label.offer.product
    path = (
        label_path(label.code)
        if reached_by == "label"
        else reverse("product-page", args=[store.code, product.sku])
    )

    japanese = facts(text(Client(HTTP_ACCEPT_LANGUAGE="ja").get(path)))
    english = facts(text(Client(HTTP_ACCEPT_LANGUAGE="en").get(path)))

    assert '<span id="origin">埼玉県</span>' in japanese
    assert '<span id="producer">秩父豆腐工房</span>' in japanese
    assert "Saitama" not in japanese and "Chichibu" not in japanese
    assert '<span id="origin">Saitama, Japan</span>' in english
    assert '<span id="producer">Chichibu Tofu Works</span>' in english
    assert "埼玉" not in english and "秩父" not in english


def test_a_japanese_page_says_origin_and_producer_in_english_when_they_have_no_japanese(store):
    product = factories.make_product(origin="Norway", producer="Bergen Pelagic Co.")
    label = labelled(store, product=product)

    japanese = facts(text(Client(HTTP_ACCEPT_LANGUAGE="ja").get(label_path(label.code))))

    assert '<span id="origin">Norway</span>' in japanese
    assert '<span id="producer">Bergen Pelagic Co.</span>' in japanese


def test_a_product_without_origin_or_producer_says_neither(store):
    label = labelled(store)  # the factory's product has neither

    japanese = facts(text(Client(HTTP_ACCEPT_LANGUAGE="ja").get(label_path(label.code))))

    assert 'id="origin"' not in japanese and 'id="producer"' not in japanese


def test_markdown_is_struck_through_and_ends_in_the_store_time_zone(client):
    # given a New York store with a markdown ending at 15:30 UTC in three days
    store = factories.make_store(time_zone="America/New_York")
    ends = (timezone.now() + datetime.timedelta(days=3)).replace(
        hour=15, minute=30, second=0, microsecond=0
    )
    label = labelled(
        store,
        price=1280,
        markdown_price=980,
        markdown_starts_at=timezone.now() - datetime.timedelta(hours=1),
        markdown_ends_at=ends,
    )

    # when a shopper opens the label
    html = text(page(client, label))

    # then the regular price is struck through and the end time is New York's, not Tokyo's
    new_york = ends.astimezone(zoneinfo.ZoneInfo("America/New_York")).strftime("%H:%M")
    tokyo = ends.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo")).strftime("%H:%M")
    assert '<s class="regular" id="regular-price">¥1,280</s>' in html
    assert "<strong>¥980</strong>" in html
    assert f"Reduced until {new_york}" in html
    assert tokyo not in html


def test_markdown_that_has_not_started_is_not_shown(client, store):
    label = labelled(
        store,
        price=1280,
        markdown_price=980,
        markdown_starts_at=timezone.now() + datetime.timedelta(hours=2),
    )

    html = text(page(client, label))

    assert "<strong>¥1,280</strong>" in html
    assert "¥980" not in html and "regular-price" not in html


@pytest.mark.parametrize(
    ("on_hand", "reserved", "state", "words"),
    [
        (20, 0, "in_stock", "In stock"),
        (9, 5, "low", "Only a few left"),
        (4, 4, "out", "Out of stock"),
    ],
)
def test_stock_state_is_shown_in_words(client, store, on_hand, reserved, state, words):
    label = labelled(store, stock_on_hand=on_hand, stock_reserved=reserved)

    html = text(page(client, label))

    assert f'data-state="{state}"' in html
    assert words in html


def test_rating_summary_and_the_five_newest_reviews_with_a_more_link(client, store):
    # given six reviews, the newest last
    label = labelled(store)
    product = label.offer.product
    reviews_dated(product, [5, 4, 4, 3, 5, 2])

    # when the page opens
    html = text(page(client, label))

    # then the summary counts all six, and the five newest are listed newest first
    assert 'data-average="3.8" data-count="6"' in html
    titles = re.findall(r'<strong class="review-title">(Review \d)</strong>', html)
    assert titles == ["Review 6", "Review 5", "Review 4", "Review 3", "Review 2"]
    assert 'id="more-reviews"' in html and "More reviews" in html
    assert f"/stores/{store.code}/products/{product.sku}/reviews/?page=2" in html


def test_no_more_reviews_link_with_five_reviews_or_fewer(client, store):
    label = labelled(store)
    reviews_dated(label.offer.product, [5, 4, 4, 3, 5])

    html = text(page(client, label))

    assert len(re.findall(r'class="review-title"', html)) == 5
    assert "more-reviews" not in html


def test_product_without_reviews_invites_the_first_one(client, store):
    html = text(page(client, labelled(store)))

    assert 'data-count="0"' in html and "No reviews yet" in html


def test_hidden_reviews_are_not_on_the_page(client, store):
    label = labelled(store)
    factories.make_review(product=label.offer.product, title="Shown review", rating=5)
    factories.make_review(
        product=label.offer.product, title="Hidden review", rating=1, status="hidden"
    )

    html = text(page(client, label))

    assert "Shown review" in html and "Hidden review" not in html
    assert 'data-count="1"' in html


def test_review_html_is_escaped_on_the_page(client, store):
    label = labelled(store)
    factories.make_review(
        product=label.offer.product, title="<b>bold</b>", text="<script>alert(1)</script>"
    )

    html = text(page(client, label))

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_recipes_list_other_ingredients_with_their_aisle_in_this_store(client, store):
    # given a recipe using the scanned product, one sold here, one sold only elsewhere, and salt
    elsewhere = factories.make_store()
    label = labelled(store)
    here = factories.make_product(name_en="Silken Tofu")
    factories.make_offer(store=store, product=here, aisle="C4", bay=7)
    not_here = factories.make_product(name_en="Yuzu Kosho")
    factories.make_offer(store=elsewhere, product=not_here, aisle="Z9", bay=9)
    factories.make_recipe(
        title_en="Cold Tofu Bowl",
        ingredients=[label.offer.product, here, not_here, "a pinch of salt"],
    )
    factories.make_recipe(title_en="Unrelated Curry", ingredients=[here])

    # when the scanned product's page opens
    html = text(page(client, label))

    # then the recipe lists each ingredient, with where it stands in this store
    assert "Cold Tofu Bowl" in html and "Unrelated Curry" not in html
    tofu = f'<a href="/stores/{store.code}/products/{here.sku}/">Silken Tofu</a>'
    assert re.search(re.escape(tofu) + r'.*?<span class="where">Aisle C4-7</span>', html, re.S)
    assert re.search(r"Yuzu Kosho\s*<span[^>]*>.*?not sold here", html, re.S)
    assert "Z9" not in html
    assert "a pinch of salt" in html


def test_unpublished_recipes_are_not_shown(client, store):
    label = labelled(store)
    factories.make_recipe(
        title_en="Draft Recipe", is_published=False, ingredients=[label.offer.product]
    )

    assert "Draft Recipe" not in text(page(client, label))


def test_japanese_readers_get_the_japanese_name(client, store):
    product = factories.make_product(name_en="Shinshu Soba 360g", name_ja="信州そば 360g")
    label = labelled(store, product=product)

    html = text(client.get(label_path(label.code), headers={"accept-language": "ja"}))

    assert '<html lang="ja">' in html
    assert '<h1 id="product-name">信州そば 360g</h1>' in html
    assert '<p class="alt-name">Shinshu Soba 360g</p>' in html


# --- Codes that lead nowhere ----------------------------------------------------------------------


def assert_friendly_not_found(response):
    assert response.status_code == 404
    html = text(response)
    assert "We could not find that label" in html
    assert SEARCH_FORM in html


@pytest.mark.parametrize(
    "code",
    ["ZZZZZZZZZZ", "zzzzzzzzzz", "../etc", "A" * 300, "<script>", "ABC DEF", "コード"],
    ids=["unknown", "lowercase-unknown", "dot-dot-slash", "very-long", "script", "space", "kana"],
)
def test_unknown_or_forged_codes_get_the_friendly_404(client, store, code):
    labelled(store)  # a real label exists, so "nothing at all" is not why it is missing

    response = client.get(label_path(code))

    assert_friendly_not_found(response)


def test_a_code_typed_in_lowercase_opens_the_label(client, store):
    # Codes are printed under the QR for typing; the page takes them in any case.
    label = labelled(store)

    response = client.get(label_path(label.code.lower()), {"src": "typed"})

    assert response.status_code == 200
    [scan] = flushed_scans()
    assert (scan.label, scan.source) == (label, ScanEvent.Source.TYPED)


def test_the_code_is_echoed_escaped_and_truncated(client, store):
    html = text(client.get(label_path("<script>")))
    assert "“&lt;script&gt;”" in html

    html = text(client.get(label_path("A" * 300)))
    [message] = re.findall(r"The code “(A+)”", html)
    assert message == "A" * 32


def test_inactive_label_gives_the_friendly_404(client, store):
    label = labelled(store)
    label.is_active = False
    label.save()

    assert_friendly_not_found(page(client, label))


def test_inactive_offer_gives_the_friendly_404(client, store):
    label = labelled(store, is_active=False)

    assert_friendly_not_found(page(client, label))


def test_inactive_store_gives_the_friendly_404(client):
    label = labelled(factories.make_store(is_active=False))

    assert_friendly_not_found(page(client, label))


def test_a_label_of_another_store_gives_the_friendly_404(client, store):
    label = labelled(store)
    other = factories.make_store()

    assert page(client, label, store=store.code).status_code == 200
    assert_friendly_not_found(page(client, label, store=other.code))
    assert_friendly_not_found(page(client, label, store="no-such-store"))


# --- Scans ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "source"),
    [
        ({}, ScanEvent.Source.CAMERA),
        ({"src": "scanner"}, ScanEvent.Source.IN_APP),
        ({"src": "typed"}, ScanEvent.Source.TYPED),
        ({"src": "nonsense"}, ScanEvent.Source.CAMERA),
    ],
)
def test_a_page_view_records_one_scan_with_its_source(client, store, params, source):
    label = labelled(store)

    response = page(client, label, **params)

    assert response.status_code == 200
    [scan] = flushed_scans()
    assert (scan.store, scan.product, scan.label, scan.source) == (
        store,
        label.offer.product,
        label,
        source,
    )


def test_an_anonymous_scan_carries_the_device_cookie_and_keeps_it(client, store):
    label = labelled(store)

    # when an anonymous shopper scans twice with the same browser
    first = page(client, label)
    cookie = first.cookies["omo_device"]
    second = page(client, label)

    # then both scans carry the device id the first response set, and no new one is issued
    assert cookie.value and cookie["httponly"]
    assert "omo_device" not in second.cookies
    scans = flushed_scans()
    assert [s.device_id for s in scans] == [cookie.value, cookie.value]
    assert [s.member for s in scans] == [None, None]


def test_another_browser_gets_another_device_id(client, store):
    label = labelled(store)

    first = page(client, label).cookies["omo_device"].value
    second = page(Client(), label).cookies["omo_device"].value

    assert first != second
    assert {s.device_id for s in flushed_scans()} == {first, second}


def test_a_member_scan_names_the_member(client, store):
    member = factories.make_member()
    client.force_login(member.user)
    label = labelled(store)

    page(client, label, src="scanner")

    [scan] = flushed_scans()
    assert scan.member == member
    assert scan.source == ScanEvent.Source.IN_APP


def test_pages_that_are_not_a_label_record_no_scan(client, store):
    label = labelled(store)

    assert client.get(label_path("ZZZZZZZZZZ")).status_code == 404
    product_page = f"/stores/{store.code}/products/{label.offer.product.sku}/"
    assert client.get(product_page).status_code == 200

    assert flushed_scans() == []


def test_the_scan_api_records_an_in_app_scan_by_default(api_client, store):
    label = labelled(store)

    assert api_client.get(scan_api_path(label.code)).status_code == 200
    assert api_client.get(scan_api_path(label.code), {"source": "typed"}).status_code == 200

    scans = flushed_scans()
    assert [s.source for s in scans] == [ScanEvent.Source.IN_APP, ScanEvent.Source.TYPED]
    assert {s.label for s in scans} == {label}
    assert scans[0].device_id and scans[0].device_id == scans[1].device_id


def test_flushing_twice_writes_each_scan_once(client, store):
    label = labelled(store)
    page(client, label)

    assert len(flushed_scans()) == 1
    assert len(flushed_scans()) == 1
