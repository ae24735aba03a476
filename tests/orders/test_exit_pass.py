import pytest
from django.core import signing
from rest_framework.test import APIClient

from orders.models import Order, OrderStatus
from tests import factories
from tests.orders.helpers import checkout, confirm, member_with_cart

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_in_store(store):
    offer = factories.make_offer(store=store, stock_on_hand=5)
    _member, client = member_with_cart(offer, 2)
    response = checkout(client, store, channel="in_store")
    confirm(client, response)
    return client, Order.objects.get(number=response.json()["number"])


def _staff(store, role="exit") -> APIClient:
    client = APIClient()
    client.force_authenticate(factories.make_staff(store=store, role=role))
    return client


def _verify(staff, store, code):
    return staff.post(
        "/api/v1/staff/exit-passes/verify/", {"store": store.code, "code": code}, format="json"
    )


def test_the_first_scan_completes_the_order_and_the_second_says_used(store, paid_in_store):
    shopper, order = paid_in_store
    code = shopper.get(f"/api/v1/orders/{order.number}/exit-pass/").json()["code"]
    staff = _staff(store)

    first = _verify(staff, store, code)
    assert first.status_code == 200, first.json()
    assert first.json()["number"] == order.number
    assert [line["quantity"] for line in first.json()["lines"]] == [2]
    order.refresh_from_db()
    assert order.status == OrderStatus.EXITED and order.exit_verified_at is not None

    second = _verify(staff, store, code)
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "exit_pass_used"


def test_forged_passes_are_refused(store, paid_in_store):
    shopper, order = paid_in_store
    code = shopper.get(f"/api/v1/orders/{order.number}/exit-pass/").json()["code"]
    staff = _staff(store)
    forged = signing.TimestampSigner(salt="another-salt").sign_object(
        {"n": order.number, "s": store.pk}, compress=True
    )
    for bad in [code[:-2] + "xx", "not-a-pass", forged, ""]:
        response = _verify(staff, store, bad)
        assert response.status_code == 400, bad
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_expired_passes_are_refused(store, paid_in_store, settings):
    shopper, order = paid_in_store
    code = shopper.get(f"/api/v1/orders/{order.number}/exit-pass/").json()["code"]
    settings.EXIT_PASS_MAX_AGE_SECONDS = -1  # every pass is already too old

    response = _verify(_staff(store), store, code)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "exit_pass_expired"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_another_stores_pass_and_staff_are_refused(store, paid_in_store):
    shopper, order = paid_in_store
    code = shopper.get(f"/api/v1/orders/{order.number}/exit-pass/").json()["code"]
    other_store = factories.make_store()

    wrong_store = _verify(_staff(other_store), other_store, code)
    assert wrong_store.status_code == 400
    assert wrong_store.json()["error"]["code"] == "exit_pass_wrong_store"
    assert _verify(_staff(other_store), store, code).status_code == 403
    assert _verify(_staff(store, role="picker"), store, code).status_code == 403
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_no_exit_pass_for_unpaid_or_delivery_orders(store):
    offer = factories.make_offer(store=store)
    _member, client = member_with_cart(offer)
    number = checkout(client, store, channel="in_store").json()["number"]
    assert client.get(f"/api/v1/orders/{number}/exit-pass/").status_code == 400
