"""The register reads every code the pickers' scanner reads: a multipack's barcode counts its
pack size, an in-store weight label sells the grams printed in it, and the basket is still
priced in one query when it holds only products' own barcodes and SKUs."""

import itertools

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog import selectors as catalog_selectors
from catalog.barcodes import ean13_check_digit
from catalog.models import ProductBarcode, StoreOffer
from orders.models import OrderLine
from stores.models import StaffRole
from tests import factories

pytestmark = pytest.mark.django_db

_keys = itertools.count(1)
ITEMS = "/api/v1/staff/register/items/"


def label(prefix: str, grams: int) -> str:
    body = f"{prefix}{grams:05d}"
    return body + str(ean13_check_digit(body))


@pytest.fixture
def client(store):
    client = Client()
    client.force_login(factories.make_staff(store=store, role=StaffRole.Role.EXIT))
    return client


@pytest.fixture
def goods(store):
    water = factories.make_offer(store=store, price=100, stock_on_hand=30)
    six_pack = ProductBarcode.objects.create(
        product=water.product, kind=ProductBarcode.Kind.PACK, code="4901234567894", pack_size=6
    )
    beef = factories.make_offer(
        store=store,
        price=450,  # per 100 g
        stock_on_hand=5000,
        product=factories.make_product(sold_by="weight"),
    )
    ProductBarcode.objects.create(
        product=beef.product, kind=ProductBarcode.Kind.WEIGHT_LABEL, code="2123456"
    )
    return water, six_pack, beef


def sell(client, store, items):
    return client.post(
        "/api/v1/staff/register/sales/",
        {"store": store.code, "items": items, "payment_method": "cash", "cash_tendered": 10_000},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=f"barcodes-{next(_keys)}",
    )


def test_a_multipack_barcode_adds_its_pack_size(store, goods, client):
    water, six_pack, _beef = goods
    one = client.get(ITEMS, {"store": store.code, "code": six_pack.code})
    assert one.status_code == 200, one.json()
    assert one.json()["quantity"] == 6 and one.json()["pack_size"] == 6
    assert one.json()["count"] == 1 and one.json()["total"]["amount"] == 600
    two = client.get(ITEMS, {"store": store.code, "code": six_pack.code, "quantity": 2})
    assert two.json()["quantity"] == 12 and two.json()["total"]["amount"] == 1200

    response = sell(client, store, [{"code": six_pack.code, "quantity": 2}])
    assert response.status_code == 201, response.json()
    assert response.json()["total"]["amount"] == 1200
    assert OrderLine.objects.get().quantity == 12
    assert StoreOffer.objects.get(pk=water.pk).stock_on_hand == 30 - 12


def test_a_weight_label_sells_its_grams_priced_per_100_g(store, goods, client):
    _water, _six_pack, beef = goods
    code = label("2123456", 350)
    item = client.get(ITEMS, {"store": store.code, "code": code})
    assert item.status_code == 200, item.json()
    assert item.json()["quantity"] == 350 and item.json()["grams"] == 350
    assert item.json()["sold_by"] == "weight"
    assert item.json()["total"]["amount"] == 1575  # 3.5 x 450

    response = sell(client, store, [{"code": code, "quantity": 1}])
    assert response.status_code == 201, response.json()
    assert response.json()["total"]["amount"] == 1575
    assert OrderLine.objects.get().quantity == 350
    assert StoreOffer.objects.get(pk=beef.pk).stock_on_hand == 5000 - 350


def test_a_weight_label_is_one_item_and_its_grams_are_not_asked(store, goods, client):
    code = label("2123456", 350)
    with_grams = client.get(ITEMS, {"store": store.code, "code": code, "quantity": 300})
    assert with_grams.status_code == 400
    assert with_grams.json()["error"]["code"] == "invalid_quantity"
    assert sell(client, store, [{"code": code, "quantity": 2}]).status_code == 400
    assert not OrderLine.objects.exists()


@pytest.mark.parametrize(
    "code",
    [
        "4999999999993",  # nobody's barcode
        "2999999003504",  # a weight label of an unknown prefix
        "NO-SUCH-SKU",
    ],
)
def test_an_unknown_code_is_a_clear_4xx(store, goods, client, code):
    item = client.get(ITEMS, {"store": store.code, "code": code})
    assert item.status_code in (400, 404)
    assert item.json()["error"]["details"]["code"] == code
    assert sell(client, store, [{"code": code, "quantity": 1}]).status_code in (400, 404)
    assert not OrderLine.objects.exists()


def test_another_stores_pack_is_unknown_here(store, goods, client):
    _water, six_pack, _beef = goods
    other = factories.make_store()
    assert catalog_selectors.offer_matches(store=other, codes=[six_pack.code]) == {}


def test_a_basket_is_matched_in_one_query_or_three_with_packs_and_labels(store, goods):
    water, six_pack, beef = goods
    own = [water.product.barcode, beef.product.sku]
    with CaptureQueriesContext(connection) as queries:
        matches = catalog_selectors.offer_matches(store=store, codes=own)
    assert len(queries) == 1
    assert {m.offer.pk for m in matches.values()} == {water.pk, beef.pk}
    mixed = [*own, six_pack.code, label("2123456", 120), label("2123456", 80)]
    with CaptureQueriesContext(connection) as queries:
        matches = catalog_selectors.offer_matches(store=store, codes=mixed)
    assert len(queries) == 3
    assert matches[six_pack.code].pack_size == 6
    assert matches[mixed[3]].grams == 120 and matches[mixed[4]].grams == 80
    assert matches[mixed[4]].offer.pk == beef.pk


def test_match_barcode_reads_weight_labels_as_before(goods):
    _water, _six_pack, beef = goods
    match = catalog_selectors.match_barcode(barcode=label("2123456", 1234))
    assert match.product == beef.product and match.grams == 1234
    assert catalog_selectors.weight_label_parts(barcode="4901234567894") is None
