"""The delivery contact taken at checkout: a phone the rider calls (required for a delivery) and
optional notes; bad input is a clear 400 and changes nothing; the checkout page pre-fills both
from the member's last delivery order."""

import pytest
from django.test import Client

from orders.models import Order
from tests import factories
from tests.orders.helpers import TOKYO_NEAR, add, checkout, member_client, member_with_cart

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(store):
    return factories.make_offer(store=store, price=300, stock_on_hand=5)


def test_the_phone_and_notes_are_stored_on_the_order(offer):
    _member, client = member_with_cart(offer)
    delivery = {**TOKYO_NEAR, "phone": " +81 90-1234-5678 ", "notes": "Gate code 1234"}
    response = checkout(client, offer.store, channel="delivery", delivery=delivery)
    assert response.status_code == 201, response.json()
    order = Order.objects.get(number=response.json()["number"])
    assert (order.delivery_phone, order.delivery_notes) == ("+81 90-1234-5678", "Gate code 1234")


@pytest.mark.parametrize(
    "phone",
    [None, "", "12345", "1" * 21, "090-1234-ABCD", "090 1234 5678;", "+81(90)12345678", "------"],
)
def test_a_missing_or_malformed_phone_is_a_clear_400_and_changes_nothing(offer, phone):
    _member, client = member_with_cart(offer)
    delivery = {k: v for k, v in TOKYO_NEAR.items() if k != "phone"}
    if phone is not None:
        delivery["phone"] = phone
    response = checkout(client, offer.store, channel="delivery", delivery=delivery)
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("validation_error", "invalid_checkout")
    assert not Order.objects.exists()


def test_notes_longer_than_200_characters_are_refused(offer):
    _member, client = member_with_cart(offer)
    response = checkout(
        client, offer.store, channel="delivery", delivery={**TOKYO_NEAR, "notes": "x" * 201}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert not Order.objects.exists()
    exactly = checkout(
        client, offer.store, channel="delivery", delivery={**TOKYO_NEAR, "notes": "x" * 200}
    )
    assert exactly.status_code == 201, exactly.json()


def test_the_service_refuses_a_bad_phone_too(offer):
    from orders import errors, services

    member, _client = member_with_cart(offer)
    request = services.DeliveryRequest(
        address="2-1 Nihonbashi",
        latitude=TOKYO_NEAR["latitude"],
        longitude=TOKYO_NEAR["longitude"],
        phone="call me",
    )
    with pytest.raises(errors.InvalidCheckout):
        services.place_order(
            member=member,
            store=offer.store,
            channel="delivery",
            payment_method="test",
            delivery=request,
            idempotency_key="svc-1",
            fingerprint="f" * 64,
        )
    assert not Order.objects.exists()


def test_a_pickup_needs_no_phone(offer):
    _member, client = member_with_cart(offer)
    response = checkout(client, offer.store, channel="pickup")
    assert response.status_code == 201, response.json()
    assert Order.objects.get().delivery_phone == ""


def _checkout_page(member, store) -> str:
    client = Client()
    client.force_login(member.user)
    response = client.get(f"/checkout/?store={store.code}")
    assert response.status_code == 200
    return response.content.decode()


def test_the_checkout_page_prefills_the_last_delivery_contact(offer):
    member, client = member_with_cart(offer)
    html = _checkout_page(member, offer.store)
    assert 'id="delivery-phone"' in html and 'id="delivery-notes"' in html
    assert 'value=""' in html.split('id="delivery-phone"')[1].split(">")[0]

    delivery = {**TOKYO_NEAR, "phone": "03-5555-0101", "notes": "Leave at the door"}
    assert checkout(client, offer.store, channel="delivery", delivery=delivery).status_code == 201
    assert add(member_client(member), offer).status_code == 201

    html = _checkout_page(member, offer.store)
    assert 'value="03-5555-0101"' in html
    assert ">Leave at the door</textarea>" in html
    # another member's page never shows it
    other, _ = member_with_cart(offer)
    assert "03-5555-0101" not in _checkout_page(other, offer.store)
