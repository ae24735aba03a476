"""Points: earned per purchase (any channel, once), per verified review and per first scan of a
day (capped, members only); redeemed at checkout (never above the balance); given back and taken
back in proportion on refunds; spent first-expiring-first; expired by the task."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog import signals as catalog_signals
from members import services
from members.models import PointsAccount, PointsEntry, PointsGrant, PointsSource, StorePointsRule
from orders import signals as order_signals
from orders.models import Order
from stores.models import StaffRole
from tests import factories
from tests.members.helpers import make_paid_order
from tests.orders.helpers import add, checkout, confirm, member_client

pytestmark = pytest.mark.django_db(transaction=True)


def balance(member) -> int:
    account = PointsAccount.objects.filter(member=member).first()
    return account.balance if account else 0


def assert_books_balance(member) -> None:
    """The ledger sums to the balance, and so does what is left of the unexpired grants."""
    entries = sum(PointsEntry.objects.filter(member=member).values_list("points", flat=True))
    remaining = sum(PointsGrant.objects.filter(member=member).values_list("remaining", flat=True))
    assert entries == balance(member) == remaining


def test_a_paid_order_earns_one_point_per_100_yen_once(store):
    member = factories.make_member()
    order = make_paid_order(member=member, store=store, price=1250)
    assert balance(member) == 12
    # the same purchase signalled again earns nothing more
    order_signals.order_paid.send(sender=Order, order=order, payment_id=1, method="test", amount=1)
    assert balance(member) == 12
    entry = PointsEntry.objects.get(member=member)
    assert (entry.kind, entry.source, entry.reference) == ("earn", "purchase", order.number)
    grant = PointsGrant.objects.get(member=member)
    expected = timezone.now() + datetime.timedelta(days=365)
    assert abs((grant.expires_at - expected).total_seconds()) < 60
    assert_books_balance(member)


def test_the_store_sets_its_own_rate(store):
    StorePointsRule.objects.create(store=store, spend_per_point=50)
    member = factories.make_member()
    make_paid_order(member=member, store=store, price=1250)
    assert balance(member) == 25


def test_any_channel_earns_the_receiver_does_not_look_at_it(store):
    # a sale of a channel the receiver never heard of (the register's) earns like any other
    member = factories.make_member()
    order = make_paid_order(member=member, store=store, price=800)
    Order.objects.filter(pk=order.pk).update(channel="register")
    PointsEntry.objects.all().delete()
    PointsGrant.objects.all().delete()
    PointsAccount.objects.all().delete()
    order.refresh_from_db()
    order_signals.order_paid.send(sender=Order, order=order, payment_id=1, method="cash", amount=1)
    assert balance(member) == 8


def test_catch_up_grants_what_a_lost_signal_missed(store):
    member = factories.make_member()
    order = make_paid_order(member=member, store=store, price=900)
    PointsEntry.objects.all().delete()
    PointsGrant.objects.all().delete()
    PointsAccount.objects.all().delete()
    assert services.catch_up_purchase_points() == 1
    assert balance(member) == 9
    assert services.catch_up_purchase_points() == 0
    assert PointsEntry.objects.get().reference == order.number


def test_verified_reviews_earn_once_each():
    member = factories.make_member()
    for _ in range(2):
        catalog_signals.reviews_verified.send(
            sender=None, member_id=member.pk, product_ids=[1, 2], review_ids=[11, 12]
        )
    assert balance(member) == 40


def test_scans_earn_once_per_product_per_day_capped_and_only_for_members(settings):
    settings.POINTS_SCANS_PER_DAY = 3
    member = factories.make_member()
    now = timezone.now().isoformat()
    events = [
        {"event_id": i, "store_id": 1, "product_id": p, "member_id": m, "scanned_at": now}
        for i, (p, m) in enumerate(
            [
                (1, member.pk),
                (1, member.pk),
                (2, member.pk),
                (3, None),
                (3, member.pk),
                (4, member.pk),
                (5, member.pk),
            ]
        )
    ]
    catalog_signals.scans_recorded.send(sender=None, events=events)
    # product 1 twice → once; the anonymous scan → nothing; the cap stops at 3 a day
    assert balance(member) == 3
    catalog_signals.scans_recorded.send(sender=None, events=events)
    assert balance(member) == 3


def test_redeem_at_checkout_takes_points_off_the_payment(store):
    # given a member with 300 points and a cart of ¥1,000
    member = factories.make_member()
    services.grant_points(
        member_id=member.pk, points=300, source="adjustment", idempotency_key="g1"
    )
    offer = factories.make_offer(store=store, price=1000)
    api = member_client(member)
    add(api, offer, 1)
    # when they check out using 250 points
    response = checkout(api, store, points=250)
    assert response.status_code == 201, response.json()
    # then they pay ¥750, and have 50 points left (plus what the purchase earns)
    assert response.json()["payment"]["amount"]["amount"] == 750
    order = Order.objects.get(number=response.json()["number"])
    assert (order.total, order.points_redeemed) == (750, 250)
    assert sum(order.lines.values_list("line_total", flat=True)) == 750
    assert balance(member) == 50
    confirm(api, response)
    assert balance(member) == 50 + 7
    assert PointsEntry.objects.get(kind="redeem").reference == order.number
    assert_books_balance(member)


@pytest.mark.parametrize("points", [301, 1000, -1])
def test_redeeming_more_than_the_balance_or_the_total_is_refused_and_changes_nothing(store, points):
    member = factories.make_member()
    services.grant_points(
        member_id=member.pk, points=300, source="adjustment", idempotency_key="g1"
    )
    offer = factories.make_offer(store=store, price=1000, stock_on_hand=5)
    api = member_client(member)
    add(api, offer, 1)
    response = checkout(api, store, points=points)
    assert response.status_code in (400, 409), response.json()
    assert response.json()["error"]["code"] in {
        "insufficient_points",
        "invalid_checkout",
        "validation_error",
    }
    assert not Order.objects.exists()
    assert balance(member) == 300
    offer.refresh_from_db()
    assert offer.stock_available == 5


def test_an_unpaid_order_cancelled_gives_its_points_back(store):
    member = factories.make_member()
    services.grant_points(
        member_id=member.pk, points=300, source="adjustment", idempotency_key="g1"
    )
    api = member_client(member)
    add(api, factories.make_offer(store=store, price=1000), 1)
    response = checkout(api, store, points=200)
    assert balance(member) == 100
    confirm(api, response, outcome="decline")
    assert balance(member) == 300
    assert_books_balance(member)


def test_a_refund_gives_back_and_takes_back_in_proportion(store):
    # given an order of two ¥1,000 lines, ¥500 of it paid with points
    member = factories.make_member()
    services.grant_points(
        member_id=member.pk, points=500, source="adjustment", idempotency_key="g1"
    )
    api = member_client(member)
    a = factories.make_offer(store=store, price=1000)
    b = factories.make_offer(store=store, price=1000)
    add(api, a, 1)
    add(api, b, 1)
    response = checkout(api, store, channel="pickup", points=500)
    confirm(api, response)
    order = Order.objects.get(number=response.json()["number"])
    assert order.total == 1500
    assert balance(member) == 15  # 0 left + 15 earned on ¥1,500 paid
    manager = APIClient()
    manager.force_authenticate(factories.make_staff(store=store, role=StaffRole.Role.MANAGER))
    first, second = order.lines.order_by("pk")
    # when one line is refunded (¥750 of money back: half of what was paid)
    r = manager.post(
        f"/api/v1/staff/orders/{order.number}/refunds/",
        {"lines": [{"line_id": first.pk, "quantity": 1}], "reason": "shortage"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="r1",
    )
    assert r.status_code == 201, r.json()
    # then half the points used come back and half those earned go
    assert balance(member) == 15 + 250 - 7
    # and the signal again changes nothing
    refund_id = r.json()["refunds"][0]["id"]
    order.refresh_from_db()
    order_signals.order_refunded.send(
        sender=Order, order=order, order_refund_id=refund_id, amount=750, fully_refunded=False
    )
    assert balance(member) == 15 + 250 - 7
    # when the rest is refunded, everything is settled
    r = manager.post(
        f"/api/v1/staff/orders/{order.number}/refunds/",
        {"lines": [{"line_id": second.pk, "quantity": 1}], "reason": "shortage"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="r2",
    )
    assert r.status_code == 201, r.json()
    assert balance(member) == 500
    assert_books_balance(member)


def test_spending_takes_first_expiring_first_and_expiry_removes_the_rest():
    member = factories.make_member()
    now = timezone.now()
    late = services.grant_points(
        member_id=member.pk,
        points=100,
        source="adjustment",
        idempotency_key="late",
        expires_at=now + datetime.timedelta(days=200),
    ).grant
    soon = services.grant_points(
        member_id=member.pk,
        points=100,
        source="adjustment",
        idempotency_key="soon",
        expires_at=now + datetime.timedelta(days=10),
    ).grant
    services.redeem_points(member=member, points=150, idempotency_key="spend")
    soon.refresh_from_db()
    late.refresh_from_db()
    assert (soon.remaining, late.remaining) == (0, 50)
    # the same key again does not spend twice
    services.redeem_points(member=member, points=150, idempotency_key="spend")
    assert balance(member) == 50
    # 201 days later the late grant has expired: the task takes what was left of it
    assert services.expire_points(now=now + datetime.timedelta(days=201)) == 1
    assert balance(member) == 0
    assert PointsEntry.objects.filter(kind="expire").get().points == -50
    assert services.expire_points(now=now + datetime.timedelta(days=201)) == 0
    assert_books_balance(member)


def test_the_expiry_task_runs_as_celery_would_call_it():
    from members.tasks import expire_points

    member = factories.make_member()
    services.grant_points(
        member_id=member.pk,
        points=10,
        source="adjustment",
        idempotency_key="old",
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    assert expire_points.apply().get() == 1
    assert balance(member) == 0


@pytest.mark.django_db(transaction=True)
def test_two_phones_redeeming_at_once_never_go_below_zero():
    from tests.payments.helpers import run_at_once

    member = factories.make_member()
    services.grant_points(member_id=member.pk, points=100, source="adjustment", idempotency_key="g")

    def spend(i):
        try:
            services.redeem_points(member=member, points=70, idempotency_key=f"phone-{i}")
            return "spent"
        except services.InsufficientPoints:
            return "refused"

    results, failures = run_at_once(4, spend)
    assert failures == [] or all("locked" in f for f in failures), failures
    assert results.count("spent") == 1
    assert balance(member) == 30
    assert_books_balance(member)


@pytest.mark.django_db(transaction=True)
def test_the_same_purchase_signalled_twice_at_once_earns_once():
    from tests.payments.helpers import run_at_once

    member = factories.make_member()
    facts = services.OrderFacts(
        number="X1", member_id=member.pk, store_id=0, paid=1000, points_redeemed=0
    )

    _results, failures = run_at_once(4, lambda i: services.grant_purchase_points(order=facts))
    assert failures == [] or all("locked" in f for f in failures), failures
    assert balance(member) == 10
    assert PointsEntry.objects.filter(reference="X1").count() == 1


def test_points_source_labels_exist():
    assert PointsSource.PURCHASE.label
