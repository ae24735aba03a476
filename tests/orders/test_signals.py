"""Orders announce what happened once it has committed: placed, paid, status changed, cancelled,
refunded. Higher apps (fulfillment, members) build on these."""

import pytest

from catalog import signals as catalog_signals
from orders import signals
from orders.models import Order
from tests import factories
from tests.orders.helpers import checkout, confirm, member_with_cart

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def received():
    """Every orders signal sent during the test, as (name, number, extra kwargs)."""
    log = []

    def receiver_for(name):
        def receive(sender, *, order, **kwargs):
            # After the commit: the order is in the database as the signal describes it.
            assert Order.objects.filter(pk=order.pk).exists()
            log.append((name, order.number, kwargs))

        return receive

    receivers = {}
    for name in (
        "order_placed",
        "order_paid",
        "order_status_changed",
        "order_cancelled",
        "order_refunded",
    ):
        receivers[name] = receiver_for(name)
        getattr(signals, name).connect(receivers[name], dispatch_uid=f"test.{name}")
    yield log
    for name in receivers:
        getattr(signals, name).disconnect(dispatch_uid=f"test.{name}")


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

    # then each step was announced once, in order, with the refund's amount
    names = [(name, kwargs.get("to_status")) for name, _, kwargs in received]
    assert names == [
        ("order_placed", None),
        ("order_status_changed", "paid"),
        ("order_paid", None),
        ("order_status_changed", "cancelled"),
        ("order_cancelled", None),
        ("order_refunded", None),
    ]
    assert {number} == {n for _, n, _ in received}
    refunded = [kwargs for name, _, kwargs in received if name == "order_refunded"]
    assert refunded[0]["amount"] == 1000


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
        catalog_services.record_scan(label=label, source="typed", member_id=member.pk, device_id="")
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
