"""Orders announce what happened once it has committed, exactly once per happening, whichever
path caused it: placed, paid, status changed, cancelled (by the member, the store, a failed
payment, the clock), refunded (a cancellation, a line, an amount, a late or second payment, a
card refund confirmed by its webhook). Higher apps (fulfillment, members) build on these."""

import datetime

import pytest
from django.utils import timezone

from catalog import signals as catalog_signals
from orders import services, signals
from orders.models import Order, OrderEvent, OrderRefund, OrderStatus
from payments import services as payment_services
from payments.models import Payment
from tests import factories
from tests.orders.helpers import (
    checkout,
    confirm,
    member_with_cart,
    provider_reports_success,
)

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = ("order_placed", "order_paid", "order_status_changed", "order_cancelled", "order_refunded")


@pytest.fixture
def received():
    """Every orders signal sent during the test, as (name, number, extra kwargs)."""
    log = []

    def receiver_for(name):
        def receive(sender, *, order, **kwargs):
            # After the commit: the order is in the database as the signal describes it.
            assert Order.objects.filter(pk=order.pk, status=order.status).exists()
            log.append((name, order.number, kwargs))

        return receive

    receivers = {}
    for name in NAMES:
        receivers[name] = receiver_for(name)
        getattr(signals, name).connect(receivers[name], dispatch_uid=f"test.{name}")
    yield log
    for name in receivers:
        getattr(signals, name).disconnect(dispatch_uid=f"test.{name}")


def steps(received, number=None):
    """(signal, to_status or reason) in the order they were sent."""
    return [
        (name, kwargs.get("to_status") or kwargs.get("reason"))
        for name, n, kwargs in received
        if number is None or n == number
    ]


def paid_pickup(quantity=2, price=500, stock=5):
    store = factories.make_store()
    offer = factories.make_offer(store=store, price=price, stock_on_hand=stock)
    member, client = member_with_cart(offer, quantity)
    response = checkout(client, store, channel="pickup")
    assert confirm(client, response).status_code == 200
    return member, client, Order.objects.get(number=response.json()["number"])


def test_a_paid_then_cancelled_order_announces_each_step_once(received):
    # given a member with a pickup order
    store = factories.make_store()
    offer = factories.make_offer(store=store, price=500, stock_on_hand=5)
    _member, client = member_with_cart(offer, 2)

    # when they pay, then cancel before picking
    response = checkout(client, store, channel="pickup")
    number = response.json()["number"]
    assert confirm(client, response).status_code == 200
    assert client.post(f"/api/v1/orders/{number}/cancel/").status_code == 200

    # then each step was announced once, in order, with the refund's amount and lines
    assert steps(received) == [
        ("order_placed", None),
        ("order_status_changed", "paid"),
        ("order_paid", None),
        ("order_status_changed", "cancelled"),
        ("order_cancelled", "member_cancelled"),
        ("order_refunded", "member_cancelled"),
    ]
    assert {number} == {n for _, n, _ in received}
    paid = next(kwargs for name, _, kwargs in received if name == "order_paid")
    assert (paid["method"], paid["amount"]) == ("test", 1000)
    refunded = next(kwargs for name, _, kwargs in received if name == "order_refunded")
    line_id = Order.objects.get(number=number).lines.get().pk
    assert refunded["amount"] == 1000
    assert refunded["destination"] == "test"
    assert refunded["lines"] == [{"line_id": line_id, "quantity": 2, "amount": 1000}]
    assert refunded["fully_refunded"] is True


def test_cancelling_an_unpaid_order_announces_no_refund_and_refills_the_cart(received):
    store = factories.make_store()
    offer = factories.make_offer(store=store, stock_on_hand=5)
    _member, client = member_with_cart(offer, 3)
    number = checkout(client, store, channel="pickup").json()["number"]

    assert client.post(f"/api/v1/orders/{number}/cancel/").status_code == 200

    assert steps(received) == [
        ("order_placed", None),
        ("order_status_changed", "cancelled"),
        ("order_cancelled", "member_cancelled"),
    ]
    cart = client.get(f"/api/v1/cart/?store={store.code}").json()
    assert [(line["sku"], line["quantity"]) for line in cart["lines"]] == [(offer.product.sku, 3)]


def test_a_staff_cancellation_is_announced_once_however_often_it_is_asked(received):
    _member, _client, order = paid_pickup()
    manager = factories.make_staff(store=order.store, role="manager")
    received.clear()

    for _ in range(2):
        services.cancel_order_by_staff(
            order=order, actor=manager, reason="not_collected", idempotency_key="req-1"
        )

    assert steps(received) == [
        ("order_status_changed", "cancelled"),
        ("order_cancelled", "not_collected"),
        ("order_refunded", "not_collected"),
    ]
    cancelled = next(kwargs for name, _, kwargs in received if name == "order_cancelled")
    assert cancelled["actor"] == manager
    assert OrderRefund.objects.filter(order=order).count() == 1


def test_expiry_is_announced_once_and_the_cart_comes_back(received):
    store = factories.make_store()
    offer = factories.make_offer(store=store, stock_on_hand=5)
    _member, client = member_with_cart(offer, 2)
    number = checkout(client, store).json()["number"]
    Order.objects.filter(number=number).update(
        reserved_until=timezone.now() - datetime.timedelta(seconds=1)
    )

    assert services.expire_unpaid_orders() == 1
    assert services.expire_unpaid_orders() == 0

    assert steps(received) == [
        ("order_placed", None),
        ("order_status_changed", "cancelled"),
        ("order_cancelled", "not_paid_in_time"),
    ]
    cart = client.get(f"/api/v1/cart/?store={store.code}").json()
    assert [line["quantity"] for line in cart["lines"]] == [2]


def test_a_declined_payment_is_one_timeline_step_and_one_cancellation(received):
    store = factories.make_store()
    offer = factories.make_offer(store=store, stock_on_hand=5)
    _member, client = member_with_cart(offer, 1)
    response = checkout(client, store)

    assert confirm(client, response, outcome="decline").status_code == 200

    number = response.json()["number"]
    assert steps(received) == [
        ("order_placed", None),
        ("order_status_changed", "cancelled"),
        ("order_cancelled", "payment_failed"),
    ]
    kinds = list(OrderEvent.objects.filter(order__number=number).values_list("kind", "to_status"))
    assert kinds == [
        ("status_changed", "placed"),
        ("payment_failed", ""),
        ("status_changed", "cancelled"),
    ]
    payload = OrderEvent.objects.get(order__number=number, kind="payment_failed").payload
    assert (payload["method"], payload["status"]) == ("test", "failed")


def test_a_line_refund_and_an_amount_refund_are_each_announced_once(received):
    _member, _client, order = paid_pickup(quantity=3, price=100)
    line = order.lines.get()
    received.clear()

    for _ in range(2):  # a retry with the same key changes nothing
        services.refund_order_lines(
            order=order, lines={line.pk: 1}, actor=None, reason="shortage", idempotency_key="l-1"
        )
    services.refund_order_amount(order=order, amount=50, actor=None, idempotency_key="a-1")

    refunds = [kwargs for name, _, kwargs in received if name == "order_refunded"]
    assert [(r["amount"], r["reason"], r["lines"]) for r in refunds] == [
        (100, "shortage", [{"line_id": line.pk, "quantity": 1, "amount": 100}]),
        (50, "goodwill", []),
    ]
    assert [name for name, _, _ in received] == ["order_refunded", "order_refunded"]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_refunding_every_line_of_a_paid_order_makes_it_refunded(received):
    _member, _client, order = paid_pickup(quantity=2, price=300)
    line = order.lines.get()
    received.clear()

    services.refund_order_lines(
        order=order, lines={line.pk: 2}, actor=None, reason="damaged", idempotency_key="all"
    )

    assert steps(received) == [
        ("order_status_changed", "refunded"),
        ("order_refunded", "damaged"),
    ]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED


def test_a_late_payment_is_refunded_and_announced_as_a_refund_not_a_payment(received):
    store = factories.make_store()
    offer = factories.make_offer(store=store, stock_on_hand=5)
    _member, client = member_with_cart(offer, 1)
    number = checkout(client, store).json()["number"]
    Order.objects.filter(number=number).update(
        reserved_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    services.expire_unpaid_orders()
    payment = Payment.objects.get(reference=number)
    received.clear()

    provider_reports_success(payment)

    assert steps(received) == [("order_refunded", "late_payment")]
    event = OrderEvent.objects.get(order__number=number, kind="refund")
    assert event.payload["reason"] == "late_payment"
    assert not OrderEvent.objects.filter(
        order__number=number, kind="status_changed", to_status="cancelled", from_status="cancelled"
    ).exists()


def test_a_second_payment_is_refunded_and_the_order_stays_paid(received):
    member, _client, order = paid_pickup()
    second = payment_services.start_payment(
        member=member,
        reference=order.number,
        amount=order.total,
        currency=order.currency,
        method="test",
        idempotency_key="second",
    )
    received.clear()

    provider_reports_success(second)

    refunds = [kwargs for name, _, kwargs in received if name == "order_refunded"]
    assert [(r["reason"], r["fully_refunded"]) for r in refunds] == [("duplicate_payment", False)]
    assert [name for name, _, _ in received] == ["order_refunded"]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_nothing_is_announced_for_a_checkout_that_rolls_back(received):
    # given a product with 1 left and a member who wants 2
    store = factories.make_store()
    offer = factories.make_offer(store=store, stock_on_hand=1)
    _member, client = member_with_cart(offer, 1)
    offer.stock_on_hand = 0
    offer.save(update_fields=["stock_on_hand"])

    # when the checkout is refused for want of stock
    assert checkout(client, store, channel="pickup").status_code == 409

    # then no signal went out
    assert received == []


def test_scans_and_verified_reviews_are_announced_after_commit():
    from catalog import services as catalog_services

    scans, verified = [], []
    catalog_signals.scans_recorded.connect(
        lambda sender, events, **kw: scans.extend(events), dispatch_uid="test.scans", weak=False
    )
    catalog_signals.reviews_verified.connect(
        lambda sender, **kw: verified.append(kw), dispatch_uid="test.verified", weak=False
    )
    try:
        store = factories.make_store()
        offer = factories.make_offer(store=store)
        member = factories.make_member()
        label = catalog_services.labels_for_offers(offers=[offer])[0]
        catalog_services.record_scan(
            label_id=label.pk,
            store_id=label.offer.store_id,
            product_id=label.offer.product_id,
            source="typed",
            member_id=member.pk,
            device_id="",
        )
        catalog_services.flush_scan_buffer()
        catalog_services.write_review(product=offer.product, member_id=member.pk, rating=4)
        catalog_services.mark_verified_purchases(
            product_ids=[offer.product_id], member_id=member.pk
        )
    finally:
        catalog_signals.scans_recorded.disconnect(dispatch_uid="test.scans")
        catalog_signals.reviews_verified.disconnect(dispatch_uid="test.verified")
    assert [(e["product_id"], e["member_id"]) for e in scans] == [(offer.product_id, member.pk)]
    assert len(verified) == 1
    assert (verified[0]["member_id"], verified[0]["product_ids"]) == (member.pk, [offer.product_id])
    assert len(verified[0]["review_ids"]) == 1
