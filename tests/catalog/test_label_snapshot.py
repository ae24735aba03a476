"""The scan page's one read (`catalog.selectors.label_snapshot`): plain SQL instead of the ORM,
so it must find exactly what `label_by_code` finds, with the same values the models hold."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog import selectors
from catalog.models import Product, ShelfLabel, StoreOffer
from stores.models import Store
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def label():
    store = factories.make_store()
    product = factories.make_product(
        image="products/tofu.jpg",
        net_content_grams=300,
        net_content_unit="g",
        origin="Saitama, Japan",
        origin_ja="埼玉県",
        producer="Chichibu Tofu Works",
        producer_ja="秩父豆腐工房",
    )
    now = timezone.now()
    offer = factories.make_offer(
        store=store,
        product=product,
        price=398,
        markdown_price=298,
        markdown_starts_at=now - datetime.timedelta(hours=1),
        markdown_ends_at=now + datetime.timedelta(hours=2),
        stock_reserved=6,
    )
    return factories.make_label(offer=offer)


def test_the_raw_read_equals_what_the_models_hold(label):
    with CaptureQueriesContext(connection) as queries:
        snapshot = selectors.label_snapshot(code=label.code.lower())
    assert len(queries) == 1
    from_models = selectors.LabelSnapshot.of(selectors.label_by_code(code=label.code))
    assert snapshot == from_models
    assert snapshot.markdown_ends_at.tzinfo is not None  # aware on SQLite too
    assert snapshot.image == "products/tofu.jpg"
    assert (snapshot.origin_ja, snapshot.producer_ja) == ("埼玉県", "秩父豆腐工房")
    assert snapshot.stock_state == "low"  # 10 on hand, 6 reserved
    assert snapshot.markdown_active()


def test_it_finds_nothing_where_label_by_code_finds_nothing(label):
    other_store = factories.make_store()
    assert selectors.label_snapshot(code=label.code, store_code=label.offer.store.code)
    assert selectors.label_snapshot(code=label.code, store_code=other_store.code) is None
    assert selectors.label_snapshot(code=label.code, store_code="no-such-store") is None
    for bad in ("", "x" * 17, "AB-12", "' OR 1=1 --"):
        assert selectors.label_snapshot(code=bad) is None
    for model, pk in ((ShelfLabel, label.pk), (StoreOffer, label.offer_id)):
        model.objects.filter(pk=pk).update(is_active=False)
        assert selectors.label_snapshot(code=label.code) is None
        assert selectors.label_by_code(code=label.code) is None
        model.objects.filter(pk=pk).update(is_active=True)
    Store.objects.filter(pk=label.offer.store_id).update(is_active=False)
    assert selectors.label_snapshot(code=label.code) is None
    assert selectors.label_by_code(code=label.code) is None


def test_a_markdown_that_ends_is_a_new_page_at_once(label):
    client = Client()
    assert "¥298" in client.get(f"/s/{label.code}").content.decode()
    with time_machine.travel(label.offer.markdown_ends_at + datetime.timedelta(seconds=1)):
        page = client.get(f"/s/{label.code}").content.decode()
    assert "¥398" in page and "¥298" not in page


@pytest.mark.parametrize(
    ("model", "change"),
    [
        (Store, {"name_ja": "日本橋店・改"}),
        (Product, {"net_content_grams": 150}),
        (Product, {"producer_ja": "秩父とうふ工房"}),
        (StoreOffer, {"aisle": "Z9"}),
    ],
)
def test_what_the_page_shows_is_in_its_key(label, model, change):
    """Each of these is shown on the page (the store's Japanese name, the unit price from the
    net content, the producer's Japanese name, the aisle); a change is a new page, not the
    cached one."""
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    before = client.get(f"/s/{label.code}").content
    pk = {Store: label.offer.store_id, Product: label.offer.product_id, StoreOffer: label.offer_id}
    model.objects.filter(pk=pk[model]).update(**change)
    after = client.get(f"/s/{label.code}").content
    assert after != before


def test_a_sale_that_keeps_the_stock_state_keeps_the_cached_page(label):
    client = Client()
    client.get(f"/s/{label.code}")
    StoreOffer.objects.filter(pk=label.offer_id).update(stock_on_hand=9)  # still "low"
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/s/{label.code}")
    assert len(queries) == 1  # the snapshot only: the page came from the cache


def test_the_store_is_named_in_the_pages_language(label):
    Store.objects.filter(pk=label.offer.store_id).update(name="Nihonbashi", name_ja="日本橋")
    japanese = Client(HTTP_ACCEPT_LANGUAGE="ja").get(f"/s/{label.code}").content.decode()
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/s/{label.code}").content.decode()
    assert "日本橋</a>" in japanese and "Nihonbashi</a>" not in japanese
    assert "Nihonbashi</a>" in english


def test_the_scan_api_is_cached_like_the_page_and_as_fresh(label):
    """The JSON answer is cached whole, keyed by the snapshot: a hit is the one read, and a new
    price, the markdown's end or a stock state shows at once."""
    client = Client()
    url = f"/api/v1/scan/{label.code}/"
    first = client.get(url).json()
    assert first["offer"]["price"]["amount"] == 298 and first["markdown"] is not None
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url).json()
    assert len(queries) == 1 and again == first
    StoreOffer.objects.filter(pk=label.offer_id).update(price=450, markdown_price=None)
    fresh = client.get(url).json()
    assert fresh["offer"]["price"]["amount"] == 450 and fresh["markdown"] is None
    StoreOffer.objects.filter(pk=label.offer_id).update(stock_on_hand=6)  # 0 left
    assert client.get(url).json()["offer"]["stock_state"] == "out"
