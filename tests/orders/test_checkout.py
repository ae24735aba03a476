import datetime
import json

import pytest
from django.conf import settings
from django.utils import timezone

from catalog.models import StoreOffer
from orders import errors, services
from orders.models import Order, OrderEvent, OrderStatus
from payments import providers
from payments import services as payment_services
from payments.models import Payment
from tests import factories
from tests.orders.helpers import (
    OSAKA,
    TOKYO_NEAR,
    add,
    checkout,
    confirm,
    member_client,
    member_with_cart,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(store):
    return factories.make_offer(store=store, price=300, stock_on_hand=5)


def _stock(offer) -> tuple[int, int]:
    offer = StoreOffer.objects.get(pk=offer.pk)
    return offer.stock_on_hand, offer.stock_reserved


def test_in_store_checkout_reserves_then_takes_stock_on_payment(offer):
    # given a member with 2 in the cart
    _member, client = member_with_cart(offer, 2)

    # when they check out in store and the test provider confirms the payment
    response = checkout(client, offer.store, channel="in_store")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["total"]["amount"]) == ("placed", 600)
    assert body["payment"]["status"] == "pending"
    assert _stock(offer) == (5, 2)
    assert confirm(client, response).status_code == 200

    # then the order is paid, and the goods are off the stock
    order = Order.objects.get(number=body["number"])
    assert order.status == OrderStatus.PAID
    assert _stock(offer) == (3, 0)
    assert list(order.events.values_list("from_status", "to_status")) == [
        ("", "placed"),
        ("placed", "paid"),
    ]
    assert client.get(f"/api/v1/cart/?store={offer.store.code}").json()["lines"] == []


def test_delivery_is_promised_within_30_minutes_of_payment(offer):
    _member, client = member_with_cart(offer)
    response = checkout(client, offer.store, channel="delivery", delivery=TOKYO_NEAR)
    assert response.status_code == 201, response.json()
    confirm(client, response)

    order = Order.objects.get(number=response.json()["number"])
    assert order.status == OrderStatus.PAID
    assert order.promised_by - order.paid_at == datetime.timedelta(minutes=30)
    assert order.delivery_distance_m < 500
    assert _stock(offer) == (5, 1)  # still reserved: it leaves the shelf when it is picked


def test_delivery_outside_the_radius_is_refused_and_changes_nothing(offer):
    _member, client = member_with_cart(offer)
    response = checkout(client, offer.store, channel="delivery", delivery=OSAKA)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "outside_delivery_area"
    assert not Order.objects.exists()
    assert _stock(offer) == (5, 0)
    assert len(client.get(f"/api/v1/cart/?store={offer.store.code}").json()["lines"]) == 1


def test_delivery_needs_a_location(offer):
    _member, client = member_with_cart(offer)
    assert checkout(client, offer.store, channel="delivery").status_code == 400
    bad = checkout(
        client, offer.store, channel="delivery", delivery={**TOKYO_NEAR, "latitude": "91"}
    )
    assert bad.status_code == 400
    assert not Order.objects.exists()


def test_delivery_outside_opening_hours_is_refused(store):
    now = timezone.localtime(timezone.now(), timezone=datetime.UTC)
    store.time_zone = "UTC"
    store.opens_at = (now + datetime.timedelta(hours=1)).time().replace(microsecond=0)
    store.closes_at = (now + datetime.timedelta(hours=2)).time().replace(microsecond=0)
    store.save()
    offer = factories.make_offer(store=store)
    _member, client = member_with_cart(offer)

    response = checkout(client, store, channel="delivery", delivery=TOKYO_NEAR)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "store_closed"


def test_same_idempotency_key_returns_the_same_order(offer):
    _member, client = member_with_cart(offer)
    first = checkout(client, offer.store, key="same-key")
    second = checkout(client, offer.store, key="same-key")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["number"] == second.json()["number"]
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1


def test_same_key_with_a_different_body_is_refused(offer):
    _member, client = member_with_cart(offer)
    checkout(client, offer.store, key="same-key", channel="in_store")
    response = checkout(client, offer.store, key="same-key", channel="pickup")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


def test_checkout_needs_an_idempotency_key(offer):
    _member, client = member_with_cart(offer)
    response = client.post(
        "/api/v1/checkout/",
        {"store": offer.store.code, "channel": "in_store", "payment_method": "test"},
        format="json",
    )
    assert response.status_code == 400
    assert not Order.objects.exists()


def test_a_client_sent_price_or_total_is_ignored(offer):
    _member, client = member_with_cart(offer, 2)
    response = checkout(client, offer.store, total=1, price=1, lines=[{"price": 1}])
    assert response.status_code == 201
    assert response.json()["total"]["amount"] == 600


def test_an_empty_cart_cannot_check_out(store):
    client = member_client(factories.make_member())
    response = checkout(client, store)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "empty_cart"


def test_one_error_lists_every_short_line(store):
    # given a cart filled while there was stock, then two products ran short
    short_a = factories.make_offer(store=store, stock_on_hand=10)
    short_b = factories.make_offer(store=store, stock_on_hand=10)
    plenty = factories.make_offer(store=store, stock_on_hand=50)
    _member, client = member_with_cart(short_a, 3)
    add(client, short_b, 5)
    add(client, plenty, 1)
    StoreOffer.objects.filter(pk=short_a.pk).update(stock_on_hand=1)
    StoreOffer.objects.filter(pk=short_b.pk).update(stock_on_hand=2)

    response = checkout(client, store)

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "insufficient_stock"
    assert {line["sku"] for line in error["details"]["lines"]} == {
        short_a.product.sku,
        short_b.product.sku,
    }
    assert _stock(plenty) == (50, 0)  # all or nothing
    assert not Order.objects.exists()


def test_another_members_order_is_404(offer):
    _member, client = member_with_cart(offer)
    number = checkout(client, offer.store).json()["number"]
    stranger = member_client(factories.make_member())
    assert stranger.get(f"/api/v1/orders/{number}/").status_code == 404
    assert stranger.post(f"/api/v1/orders/{number}/cancel/").status_code == 404
    assert stranger.get(f"/api/v1/orders/{number}/exit-pass/").status_code == 404
    assert client.get(f"/api/v1/orders/{number}/").status_code == 200


def test_one_history_lists_every_channel_newest_first(offer):
    _member, client = member_with_cart(offer)
    checkout(client, offer.store, channel="in_store")
    add(client, offer)
    checkout(client, offer.store, channel="delivery", delivery=TOKYO_NEAR)
    add(client, offer)
    checkout(client, offer.store, channel="pickup")

    body = client.get("/api/v1/orders/").json()
    assert [order["channel"] for order in body["results"]] == ["pickup", "delivery", "in_store"]


def test_cancel_a_paid_pickup_order_refunds_it_and_releases_stock(offer):
    _member, client = member_with_cart(offer, 2)
    response = checkout(client, offer.store, channel="pickup")
    confirm(client, response)
    number = response.json()["number"]

    cancelled = client.post(f"/api/v1/orders/{number}/cancel/")

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert _stock(offer) == (5, 0)
    payment = Payment.objects.get(reference=number)
    assert payment.refunded_amount == payment.amount == 600


def test_cancel_is_refused_once_picking_started(offer):
    _member, client = member_with_cart(offer)
    response = checkout(client, offer.store, channel="pickup")
    confirm(client, response)
    order = Order.objects.get(number=response.json()["number"])
    services.set_status(order=order, to_status=OrderStatus.PICKING)

    refused = client.post(f"/api/v1/orders/{order.number}/cancel/")

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "not_cancellable"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PICKING


def test_unpaid_reservations_expire_and_a_late_payment_is_refunded(offer):
    # given a placed order whose reservation has run out, and the stock sold to someone else
    _member, client = member_with_cart(offer, 5)
    response = checkout(client, offer.store)
    order = Order.objects.get(number=response.json()["number"])
    Order.objects.filter(pk=order.pk).update(
        reserved_until=timezone.now() - datetime.timedelta(seconds=1)
    )

    # when the expiry task runs (twice: it is idempotent)
    assert services.expire_unpaid_orders() == 1
    assert services.expire_unpaid_orders() == 0

    # then the stock is back and the order cancelled with its payment
    assert _stock(offer) == (5, 0)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    payment = Payment.objects.get(reference=order.number)
    assert payment.status == Payment.Status.CANCELED


def test_a_payment_succeeding_after_expiry_is_refunded_never_oversold(offer):
    _member, client = member_with_cart(offer, 5)
    order = Order.objects.get(number=checkout(client, offer.store).json()["number"])
    payment = Payment.objects.get(reference=order.number)
    Order.objects.filter(pk=order.pk).update(
        reserved_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    services.expire_unpaid_orders()
    # someone else buys the 5 units
    _other, other_client = member_with_cart(offer, 5)
    assert confirm(other_client, checkout(other_client, offer.store)).status_code == 200

    # when the provider reports that the payment went through after all (it raced the expiry)
    event = json.dumps(
        providers.payment_intent_event(
            event_type="payment_intent.succeeded",
            intent_id=payment.provider_ref,
            amount=payment.amount,
            currency=payment.currency,
            metadata={"reference": order.number},
            status="succeeded",
        )
    )
    payment_services.handle_webhook(
        provider="test",
        payload=event.encode(),
        signature_header=providers.sign_payload(
            event, secret=settings.TEST_PAYMENTS_WEBHOOK_SECRET
        ),
    )

    # then it is refunded in full, and nothing is oversold

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.refunded_amount == payment.amount
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert _stock(offer) == (0, 0)
    assert OrderEvent.objects.filter(order=order, note__contains="refunded").exists()


def test_invalid_status_transitions_are_refused(offer):
    _member, client = member_with_cart(offer)
    order = Order.objects.get(number=checkout(client, offer.store).json()["number"])
    with pytest.raises(errors.InvalidTransition):
        services.set_status(order=order, to_status=OrderStatus.DELIVERED)
    with pytest.raises(errors.InvalidTransition):
        services.set_status(order=order, to_status=OrderStatus.PICKING)  # not paid yet
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PLACED


def test_a_review_of_a_bought_product_becomes_verified(offer):
    member, client = member_with_cart(offer)
    review = factories.make_review(product=offer.product, member=member)
    confirm(client, checkout(client, offer.store))
    review.refresh_from_db()
    assert review.verified_purchase is True
