"""A card refund is pending until Stripe says how it went (the stub stands in for Stripe's API;
events are signed with Stripe's own scheme): the order page shows it on its way, `order_refunded`
goes out once when its webhook says it succeeded, and a failed refund makes its lines
refundable again."""

import threading

import pytest
from rest_framework.test import APIClient

from orders import signals
from orders.models import Order, OrderEvent, OrderRefund, OrderStatus
from payments.models import Payment
from stores.models import StaffRole
from tests import factories
from tests.orders.helpers import add, checkout, member_client
from tests.payments.conftest import StripeStub
from tests.payments.helpers import STRIPE_WEBHOOK_SECRET, deliver, event, intent_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stripe_stub(settings):
    stub = StripeStub()
    thread = threading.Thread(
        target=stub.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    settings.STRIPE_SECRET_KEY = "sk_test_stub_key"
    settings.STRIPE_API_BASE = stub.url
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET
    yield stub
    stub.server.shutdown()
    stub.server.server_close()
    thread.join()


@pytest.fixture
def refunded_signals():
    log = []
    signals.order_refunded.connect(
        lambda sender, **kwargs: log.append(kwargs), dispatch_uid="test.card", weak=False
    )
    yield log
    signals.order_refunded.disconnect(dispatch_uid="test.card")


def card_paid_order(store):
    offer = factories.make_offer(store=store, price=400, stock_on_hand=10)
    member = factories.make_member()
    api = member_client(member)
    assert add(api, offer, 3).status_code == 201
    response = checkout(api, store, channel="pickup", method="card")
    assert response.status_code == 201, response.json()
    payment = Payment.objects.get(reference=response.json()["number"])
    deliver(APIClient(), intent_event("payment_intent.succeeded", payment))
    order = Order.objects.get(number=response.json()["number"])
    assert order.status == OrderStatus.PAID
    return order, api


def test_a_pending_card_refund_is_announced_once_when_stripe_confirms_it(
    stripe_stub, refunded_signals
):
    # given a card-paid order, and Stripe answering refunds with "pending"
    store = factories.make_store()
    order, shopper = card_paid_order(store)
    line = order.lines.get()
    stripe_stub.refund_status = "pending"
    manager = APIClient()
    manager.force_authenticate(factories.make_staff(store=store, role=StaffRole.Role.MANAGER))

    # when the manager refunds a unit
    response = manager.post(
        f"/api/v1/staff/orders/{order.number}/refunds/",
        {"lines": [{"line_id": line.pk, "quantity": 1}], "reason": "shortage"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="card-1",
    )

    # then the refund is on its way, and nothing is announced yet
    assert response.status_code == 201, response.json()
    assert [(r["status"], r["destination"]) for r in response.json()["refunds"]] == [
        ("pending", "card")
    ]
    assert response.json()["refunded"]["amount"] == 0
    assert refunded_signals == []
    page = shopper.get(f"/api/v1/orders/{order.number}/").json()
    assert [r["status"] for r in page["refunds"]] == ["pending"]

    # when Stripe's webhook says it succeeded (delivered twice)
    provider_ref = OrderRefund.objects.get(order=order).refund.provider_ref
    payload = event(
        "refund.updated", {"id": provider_ref, "object": "refund", "status": "succeeded"}
    )
    deliver(APIClient(), payload)
    deliver(APIClient(), payload)

    # then the order announces it once, with its line
    assert [(r["amount"], r["destination"], r["lines"]) for r in refunded_signals] == [
        (400, "card", [{"line_id": line.pk, "quantity": 1, "amount": 400}])
    ]
    assert OrderRefund.objects.get(order=order).status == OrderRefund.Status.SUCCEEDED
    assert OrderEvent.objects.filter(order=order, kind="refund").count() == 1


def test_a_failed_card_refund_makes_its_units_refundable_again(stripe_stub, refunded_signals):
    store = factories.make_store()
    order, _shopper = card_paid_order(store)
    line = order.lines.get()
    stripe_stub.refund_status = "pending"
    manager = APIClient()
    manager.force_authenticate(factories.make_staff(store=store, role=StaffRole.Role.MANAGER))

    def ask(key, quantity):
        return manager.post(
            f"/api/v1/staff/orders/{order.number}/refunds/",
            {"lines": [{"line_id": line.pk, "quantity": quantity}], "reason": "damaged"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    assert ask("f-1", 3).status_code == 201
    assert ask("f-2", 1).status_code == 400  # all 3 are on their way already

    provider_ref = OrderRefund.objects.get(order=order).refund.provider_ref
    deliver(
        APIClient(),
        event("refund.failed", {"id": provider_ref, "object": "refund", "status": "failed"}),
    )

    assert OrderRefund.objects.get(order=order).status == OrderRefund.Status.FAILED
    assert OrderEvent.objects.filter(order=order, kind="refund_failed").count() == 1
    assert refunded_signals == []
    assert ask("f-3", 3).status_code == 201  # refundable again
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
