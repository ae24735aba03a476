"""The data migration turns the old timeline into kinds with payloads: status changes get their
payload, the status-to-same-status rows that stood for an automatic refund become `refund`
events, and every refund of an order's payment gets its OrderRefund row."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("orders", "0002_store_moves_to_stores"), ("payments", "0001_initial")]
AFTER = [("orders", "0004_order_events_from_history")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    """Each test migrates to an older state; the tests after it need the latest one."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_old_events_and_refunds_take_the_new_shape():
    # given the schema and rows as they were before kinds existed
    apps = _migrate(BEFORE)
    Store = apps.get_model("stores", "Store")
    User = apps.get_model("accounts", "User")
    Member = apps.get_model("accounts", "Member")
    Order = apps.get_model("orders", "Order")
    OrderEvent = apps.get_model("orders", "OrderEvent")
    Payment = apps.get_model("payments", "Payment")
    Refund = apps.get_model("payments", "Refund")
    store = Store.objects.create(
        code="old",
        name="Old",
        latitude=35,
        longitude=139,
        opens_at=datetime.time(0, 0),
        closes_at=datetime.time(0, 0),
    )
    user = User.objects.create(email="old@example.com")
    member = Member.objects.create(user=user, member_code="OLDMEMBER001")

    def order(number, status):
        return Order.objects.create(
            number=number,
            store=store,
            member=member,
            channel="pickup",
            status=status,
            currency="JPY",
            total=500,
            payment_method="test",
            idempotency_key=number,
            request_fingerprint="-",
        )

    late = order("LATE-0001", "cancelled")
    cancelled = order("CANC-0001", "cancelled")
    OrderEvent.objects.create(order=late, from_status="", to_status="placed")
    OrderEvent.objects.create(order=late, from_status="placed", to_status="cancelled")
    OrderEvent.objects.create(
        order=late,
        from_status="cancelled",
        to_status="cancelled",
        note="payment arrived after the reservation expired; refunded",
    )
    OrderEvent.objects.create(order=cancelled, from_status="paid", to_status="cancelled")
    for number, key in (("LATE-0001", "auto-refund:1"), ("CANC-0001", "cancel:CANC-0001:2")):
        payment = Payment.objects.create(
            reference=number,
            member=member,
            method="test",
            amount=500,
            currency="JPY",
            status="succeeded",
            refunded_amount=500,
            idempotency_key=f"order:{number}",
        )
        Refund.objects.create(payment=payment, amount=500, status="succeeded", idempotency_key=key)
    top_up = Payment.objects.create(
        reference="TOPUP-9",
        member=member,
        method="test",
        amount=1000,
        currency="JPY",
        status="succeeded",
        idempotency_key="top-up:9",
    )
    Refund.objects.create(payment=top_up, amount=100, status="succeeded", idempotency_key="t-9")

    # when the migrations run
    apps = _migrate(AFTER)
    OrderEvent = apps.get_model("orders", "OrderEvent")
    OrderRefund = apps.get_model("orders", "OrderRefund")

    # then status changes carry their payload, and the fake row is the refund it stood for
    events = list(OrderEvent.objects.filter(order__number="LATE-0001").order_by("pk"))
    assert [(e.kind, e.from_status, e.to_status) for e in events] == [
        ("status_changed", "", "placed"),
        ("status_changed", "placed", "cancelled"),
        ("refund", "", ""),
    ]
    assert events[1].payload == {"from": "placed", "to": "cancelled", "reason": ""}
    late_refund = OrderRefund.objects.get(order__number="LATE-0001")
    assert events[2].payload == {
        "order_refund_id": late_refund.pk,
        "refund_id": late_refund.refund_id,
        "amount": 500,
        "currency": "JPY",
        "destination": "test",
        "reason": "late_payment",
        "lines": [],
    }
    # and every order refund has its row; a top-up's refund does not
    assert sorted(OrderRefund.objects.values_list("order__number", "reason", "status")) == [
        ("CANC-0001", "member_cancelled", "succeeded"),
        ("LATE-0001", "late_payment", "succeeded"),
    ]


def test_the_reservation_flag_becomes_units_held_per_line():
    # given orders as they were with one reservation flag per order
    apps = _migrate(
        [
            ("orders", "0004_order_events_from_history"),
            ("catalog", "0006_stock_ledger_and_price_history"),
        ]
    )
    Store = apps.get_model("stores", "Store")
    User = apps.get_model("accounts", "User")
    Member = apps.get_model("accounts", "Member")
    Category = apps.get_model("catalog", "Category")
    Product = apps.get_model("catalog", "Product")
    StoreOffer = apps.get_model("catalog", "StoreOffer")
    Order = apps.get_model("orders", "Order")
    OrderLine = apps.get_model("orders", "OrderLine")
    OrderRefund = apps.get_model("orders", "OrderRefund")
    OrderRefundLine = apps.get_model("orders", "OrderRefundLine")
    store = Store.objects.create(
        code="flag",
        name="Flag",
        latitude=35,
        longitude=139,
        opens_at=datetime.time(0, 0),
        closes_at=datetime.time(0, 0),
    )
    member = Member.objects.create(
        user=User.objects.create(email="flag@example.com"), member_code="FLAGMEMBER01"
    )
    category = Category.objects.create(slug="c", name_en="c", name_ja="c")
    offers = [
        StoreOffer.objects.create(
            store=store,
            product=Product.objects.create(
                sku=f"F-{i}",
                barcode=f"490000000000{i}",
                name_en="p",
                name_ja="p",
                category=category,
                zone="ambient",
                sold_by=sold_by,
            ),
            price=100,
            stock_on_hand=5000,
            stock_reserved=0,
        )
        for i, sold_by in enumerate(["piece", "weight"])
    ]

    def order(number, *, held, status):
        o = Order.objects.create(
            number=number,
            store=store,
            member=member,
            channel="pickup",
            status=status,
            currency="JPY",
            total=500,
            payment_method="test",
            idempotency_key=number,
            request_fingerprint="-",
            stock_reserved=held,
        )
        lines = [
            OrderLine.objects.create(
                order=o,
                offer=offer,
                sku="s",
                name_en="n",
                name_ja="n",
                sold_by="piece" if i == 0 else "weight",
                quantity=quantity,
                unit_price=100,
                line_total=100,
            )
            for i, (offer, quantity) in enumerate(zip(offers, [3, 250], strict=True))
        ]
        return o, lines

    _held, held_lines = order("HELD-0001", held=True, status="paid")
    _done, done_lines = order("DONE-0001", held=False, status="collected")
    refund = OrderRefund.objects.create(
        order=_held,
        idempotency_key="r1",
        amount=100,
        currency="JPY",
        destination="test",
        reason="shortage",
        status="succeeded",
    )
    OrderRefundLine.objects.create(order_refund=refund, line=held_lines[0], quantity=1, amount=1)
    failed = OrderRefund.objects.create(
        order=_held,
        idempotency_key="r2",
        amount=100,
        currency="JPY",
        destination="test",
        reason="shortage",
        status="failed",
    )
    OrderRefundLine.objects.create(order_refund=failed, line=held_lines[1], quantity=50, amount=1)

    # when the migration runs
    apps = _migrate([("orders", "0005_line_allocations")])
    OrderLine = apps.get_model("orders", "OrderLine")

    # then a held order's lines hold their units less what succeeded or pending refunds gave
    # back (grams for the weighed line), and a finished order's lines hold nothing
    allocated = dict(OrderLine.objects.values_list("pk", "quantity_allocated"))
    assert [allocated[line.pk] for line in held_lines] == [2, 250]
    assert [allocated[line.pk] for line in done_lines] == [0, 0]
