"""Refunds per line and the store's cancellation, through the staff API: a quantity of a line
gives back what those units cost and never more than was paid for it; every refund goes
through payments with a key derived from the request, so a retry never pays twice; only the
managers of the order's store may ask."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from catalog.models import StoreOffer
from orders import services
from orders.models import Order, OrderRefund, OrderStatus
from payments.models import Payment
from stores.models import StaffRole
from tests import factories
from tests.orders.helpers import add, checkout, confirm, member_client

pytestmark = pytest.mark.django_db


def paid_order(store, lines, *, channel="pickup") -> Order:
    """lines: (quantity, price, sold_by) per line."""
    member = factories.make_member()
    api = member_client(member)
    for quantity, price, sold_by in lines:
        offer = factories.make_offer(
            store=store,
            product=factories.make_product(sold_by=sold_by),
            price=price,
            stock_on_hand=5000 if sold_by == "weight" else 20,
        )
        assert add(api, offer, quantity).status_code == 201
    response = checkout(api, store, channel=channel)
    assert confirm(api, response).status_code == 200
    return Order.objects.get(number=response.json()["number"])


def staff_client(store, role=StaffRole.Role.MANAGER) -> APIClient:
    client = APIClient()
    client.force_authenticate(factories.make_staff(store=store, role=role))
    return client


def refund(client, order, body, key="k-1"):
    return client.post(
        f"/api/v1/staff/orders/{order.number}/refunds/",
        body,
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


@pytest.mark.parametrize(
    ("line_total", "quantity", "steps"),
    [(1000, 3, [1, 1, 1]), (1000, 3, [2, 1]), (995, 250, [100, 100, 50]), (7, 2, [1, 1])],
)
def test_a_line_refunded_in_steps_gives_back_exactly_its_total(line_total, quantity, steps):
    already, amounts = 0, []
    for step in steps:
        amounts.append(
            services.line_refund_amount(
                line_total=line_total, line_quantity=quantity, already=already, quantity=step
            )
        )
        already += step
    assert sum(amounts) == line_total
    assert all(a <= line_total * s // quantity + 1 for a, s in zip(amounts, steps, strict=True))


def test_a_manager_refunds_units_of_lines_and_the_stock_they_held_comes_back(store):
    # given a paid pickup order: 3 x ¥120 and 250 g at ¥398 / 100 g (¥995)
    order = paid_order(store, [(3, 120, "piece"), (250, 398, "weight")])
    pieces, grams = order.lines.order_by("pk")
    client = staff_client(store)

    # when the picker finds one piece and 100 g short
    response = refund(
        client,
        order,
        {
            "lines": [
                {"line_id": pieces.pk, "quantity": 1},
                {"line_id": grams.pk, "quantity": 100},
            ],
            "reason": "shortage",
        },
    )

    # then those units are refunded at what they cost, and their reservation is released
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["refunded"]["amount"] == 120 + 398
    assert [(r["amount"]["amount"], r["destination"], r["status"]) for r in body["refunds"]] == [
        (518, "test", "succeeded")
    ]
    left = {row["line_id"]: row["left"] for row in body["refundable_lines"]}
    assert left == {pieces.pk: 2, grams.pk: 150}
    assert StoreOffer.objects.get(pk=pieces.offer_id).stock_reserved == 2
    assert StoreOffer.objects.get(pk=grams.offer_id).stock_reserved == 150
    assert Payment.objects.get(reference=order.number).refunded_amount == 518
    assert body["timeline"][-1]["kind"] == "refund"
    assert body["timeline"][-1]["payload"]["lines"] == [
        {"line_id": pieces.pk, "quantity": 1, "amount": 120},
        {"line_id": grams.pk, "quantity": 100, "amount": 398},
    ]
    assert body["timeline"][-1]["at"].endswith("+09:00")  # the store's offset


def test_more_than_is_left_of_a_line_is_refused_and_changes_nothing(store):
    order = paid_order(store, [(2, 100, "piece")])
    line = order.lines.get()
    client = staff_client(store)
    assert (
        refund(
            client, order, {"lines": [{"line_id": line.pk, "quantity": 1}], "reason": "shortage"}
        ).status_code
        == 201
    )

    response = refund(
        client,
        order,
        {"lines": [{"line_id": line.pk, "quantity": 2}], "reason": "shortage"},
        key="k-2",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_refund"
    assert response.json()["error"]["details"] == {"line_id": line.pk, "left": 1}
    assert OrderRefund.objects.filter(order=order).count() == 1
    assert Payment.objects.get(reference=order.number).refunded_amount == 100


def test_a_retried_refund_pays_once_and_a_reused_key_is_refused(store):
    order = paid_order(store, [(3, 100, "piece")])
    line = order.lines.get()
    client = staff_client(store)
    body = {"lines": [{"line_id": line.pk, "quantity": 1}], "reason": "damaged"}

    first = refund(client, order, body)
    again = refund(client, order, body)
    other = refund(client, order, {**body, "lines": [{"line_id": line.pk, "quantity": 2}]})

    assert first.status_code == again.status_code == 201
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert OrderRefund.objects.filter(order=order).count() == 1
    assert Payment.objects.get(reference=order.number).refunded_amount == 100


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "shortage"},
        {"lines": [], "amount": 10, "reason": "shortage"},
        {"lines": [{"line_id": 1, "quantity": 1}], "amount": 10, "reason": "shortage"},
        {"amount": 10, "reason": "late_payment"},
        {"amount": 0, "reason": "goodwill"},
        {"lines": [{"line_id": 999999, "quantity": 1}], "reason": "shortage"},
    ],
)
def test_bad_refund_requests_are_400_and_change_nothing(store, body):
    order = paid_order(store, [(1, 100, "piece")])

    response = refund(staff_client(store), order, body)

    assert response.status_code == 400, response.json()
    assert not OrderRefund.objects.exists()


def test_a_refund_needs_an_idempotency_key(store):
    order = paid_order(store, [(1, 100, "piece")])

    response = staff_client(store).post(
        f"/api/v1/staff/orders/{order.number}/refunds/",
        {"amount": 10, "reason": "goodwill"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_required"


@pytest.mark.parametrize("who", ["other-store-manager", "picker", "member", "anonymous"])
def test_only_managers_of_the_store_refund_or_cancel(store, who):
    order = paid_order(store, [(1, 100, "piece")])
    client = {
        "other-store-manager": lambda: staff_client(factories.make_store()),
        "picker": lambda: staff_client(store, role=StaffRole.Role.PICKER),
        "member": lambda: member_client(order.member),
        "anonymous": APIClient,
    }[who]()

    refunded = refund(client, order, {"amount": 10, "reason": "goodwill"})
    cancelled = client.post(
        f"/api/v1/staff/orders/{order.number}/cancel/",
        {"reason": "not_collected"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="c-1",
    )

    expected = 403 if who == "anonymous" else 404  # no probing another store's order numbers
    assert (refunded.status_code, cancelled.status_code) == (expected, expected)
    assert not OrderRefund.objects.exists()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_the_store_cancels_a_pickup_never_collected_with_every_line_refunded(store):
    # given a pickup order ready at the counter, one unit already refunded
    order = paid_order(store, [(2, 300, "piece"), (1, 500, "piece")])
    for status in (OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.READY_FOR_PICKUP):
        services.set_status(order=Order.objects.get(pk=order.pk), to_status=status)
    first_line = order.lines.order_by("pk").first()
    client = staff_client(store)
    assert (
        refund(
            client,
            order,
            {"lines": [{"line_id": first_line.pk, "quantity": 1}], "reason": "damaged"},
        ).status_code
        == 201
    )

    # when the manager cancels it (and the request is retried)
    responses = [
        client.post(
            f"/api/v1/staff/orders/{order.number}/cancel/",
            {"reason": "not_collected", "note": "not collected by closing"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="cancel-1",
        )
        for _ in range(2)
    ]

    # then it is cancelled, what was left refunded line by line, the rest of its stock released
    assert [r.status_code for r in responses] == [200, 200]
    body = responses[1].json()
    assert body["status"] == "cancelled"
    assert body["promised_by"] is None
    assert body["refunded"]["amount"] == 1100
    assert [row["left"] for row in body["refundable_lines"]] == [0, 0]
    assert OrderRefund.objects.filter(order=order).count() == 2
    assert Payment.objects.get(reference=order.number).refundable_amount == 0
    assert sum(StoreOffer.objects.filter(store=store).values_list("stock_reserved", flat=True)) == 0


def test_an_order_out_for_delivery_cannot_be_cancelled_by_the_store(store):
    order = paid_order(
        store,
        [(1, 100, "piece")],
        channel="pickup",
    )
    for status in (
        OrderStatus.PICKING,
        OrderStatus.PACKED,
        OrderStatus.READY_FOR_PICKUP,
        OrderStatus.COLLECTED,
    ):
        services.set_status(order=Order.objects.get(pk=order.pk), to_status=status)

    response = staff_client(store).post(
        f"/api/v1/staff/orders/{order.number}/cancel/",
        {"reason": "not_collected"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="c",
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_cancellable"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COLLECTED


@pytest.mark.django_db(transaction=True)
def test_ten_managers_refunding_the_last_unit_at_once_refund_it_once(store):
    # given a paid order with 1 unit of a line left to refund
    order = paid_order(store, [(1, 700, "piece")])
    line = order.lines.get()
    clients = [staff_client(store) for _ in range(10)]
    barrier = threading.Barrier(len(clients))

    def run(pair):
        index, client = pair
        try:
            barrier.wait(timeout=30)
            return refund(
                client,
                order,
                {"lines": [{"line_id": line.pk, "quantity": 1}], "reason": "shortage"},
                key=f"race-{index}",
            ).status_code
        finally:
            connection.close()

    # when ten managers refund it at the same moment, each with their own key
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        codes = list(pool.map(run, enumerate(clients)))

    # then exactly one refund went through; the others were told nothing is left
    assert sorted(codes) == [201] + [400] * 9, codes
    assert OrderRefund.objects.filter(order=order).count() == 1
    assert Payment.objects.get(reference=order.number).refunded_amount == 700
