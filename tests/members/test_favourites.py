"""Favourites: the heart API (idempotent, members only, per member) and the favourites page with
one store's price and stock."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import Favourite
from tests import factories
from tests.orders.helpers import member_client

pytestmark = pytest.mark.django_db


def test_heart_is_idempotent_and_per_member():
    store = factories.make_store()
    offer = factories.make_offer(store=store)
    sku = offer.product.sku
    member, other = factories.make_member(), factories.make_member()
    api = member_client(member)
    for _ in range(2):
        response = api.put(f"/api/v1/favourites/{sku}/")
        assert response.status_code == 200
        assert response.json() == {"sku": sku, "favourite": True}
    assert Favourite.objects.filter(member=member).count() == 1
    # the other member sees none of it and cannot remove it
    other_api = member_client(other)
    assert other_api.get(f"/api/v1/favourites/state/?skus={sku}").json() == {"favourites": []}
    other_api.delete(f"/api/v1/favourites/{sku}/")
    assert Favourite.objects.filter(member=member).count() == 1
    assert api.get(f"/api/v1/favourites/state/?skus={sku},nope").json() == {"favourites": [sku]}
    assert api.delete(f"/api/v1/favourites/{sku}/").status_code == 200
    assert not Favourite.objects.exists()


def test_unknown_product_is_a_clear_404_and_anonymous_is_refused(client):
    member = factories.make_member()
    response = member_client(member).put("/api/v1/favourites/NOPE-1/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "product_not_found"
    assert client.put("/api/v1/favourites/NOPE-1/").status_code in (401, 403)
    assert not Favourite.objects.exists()


def test_favourites_page_shows_this_stores_price_and_stock(client):
    # given two stores, a product on markdown in one, out of stock in the other
    store, other_store = factories.make_store(), factories.make_store()
    product = factories.make_product()
    not_here = factories.make_product()
    factories.make_offer(
        store=store,
        product=product,
        price=500,
        markdown_price=300,
        markdown_starts_at=timezone.now() - datetime.timedelta(hours=1),
    )
    factories.make_offer(store=other_store, product=product, price=520, stock_on_hand=0)
    member = factories.make_member()
    for p in (product, not_here):
        Favourite.objects.create(member=member, product=p)
    client.force_login(member.user)
    html = client.get(reverse("favourites") + f"?store={store.code}").content.decode()
    assert "¥300" in html and "¥500" in html  # the markdown and the struck-through regular price
    assert 'data-stock="not_sold"' in html
    html = client.get(reverse("favourites") + f"?store={other_store.code}").content.decode()
    assert "¥520" in html
    assert 'data-stock="out"' in html
    assert client.get(reverse("favourites") + "?store=nope").status_code == 404


def test_favourites_api_query_count_does_not_grow():
    store = factories.make_store()
    member = factories.make_member()
    api = member_client(member)
    for _ in range(3):
        offer = factories.make_offer(store=store)
        Favourite.objects.create(member=member, product=offer.product)
    with CaptureQueriesContext(connection) as few:
        assert api.get(f"/api/v1/favourites/?store={store.code}").status_code == 200
    for _ in range(10):
        offer = factories.make_offer(store=store)
        Favourite.objects.create(member=member, product=offer.product)
    with CaptureQueriesContext(connection) as many:
        response = api.get(f"/api/v1/favourites/?store={store.code}")
    assert len(response.json()) == 13
    assert len(many) == len(few)


def test_product_page_has_a_heart_for_everyone(client):
    label = factories.make_label()
    html = client.get(f"/s/{label.code}").content.decode()
    if "favourite-heart" not in html:  # the label page redirects to the product page
        html = client.get(f"/s/{label.code}", follow=True).content.decode()
    assert 'id="favourite-heart"' in html
    assert 'aria-pressed="false"' in html
