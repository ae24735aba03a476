"""Near a store: the nearest store to a point, and a member's favourites reduced there."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from members.models import Favourite
from tests import factories
from tests.orders.helpers import member_client

pytestmark = pytest.mark.django_db


def test_nearest_store_and_my_reduced_favourites_there():
    near = factories.make_store(latitude=Decimal("35.6822"), longitude=Decimal("139.7733"))
    factories.make_store(latitude=Decimal("34.7025"), longitude=Decimal("135.4959"))  # Osaka
    reduced = factories.make_offer(
        store=near,
        price=500,
        markdown_price=300,
        markdown_starts_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    full_price = factories.make_offer(store=near, price=200)
    member = factories.make_member()
    for offer in (reduced, full_price):
        Favourite.objects.create(member=member, product=offer.product)
    body = member_client(member).get("/api/v1/nearby/?latitude=35.6830&longitude=139.7740").json()
    assert body["store"]["code"] == near.code
    assert body["store"]["distance_m"] < 200
    assert [d["sku"] for d in body["favourites_on_offer"]] == [reduced.product.sku]
    assert body["favourites_on_offer"][0]["regular_price"]["amount"] == 500
    assert body["favourites_in_stock"] == 2


def test_anonymous_gets_the_store_only_and_bad_points_are_400():
    factories.make_store()
    api = APIClient()
    body = api.get("/api/v1/nearby/?latitude=35.68&longitude=139.77").json()
    assert body["store"] is not None
    assert body["favourites_on_offer"] == []
    assert api.get("/api/v1/nearby/?latitude=95&longitude=139.77").status_code == 400
    assert api.get("/api/v1/nearby/").status_code == 400


def test_nearby_page_says_it_only_looks_while_open(client):
    html = client.get("/nearby/").content.decode()
    assert 'id="nearby-honest"' in html
