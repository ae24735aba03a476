"""The shopper's tracking and the manager's dispatch board, through HTTP."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fulfillment.dispatch_service import bags, trips
from fulfillment.models import Trip, TripStop
from orders.delivery_code import delivery_code
from stores.models import StaffRole
from tests import factories
from tests.fulfillment.dispatch_helpers import make_delivery_order, make_rider, make_trip

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    return factories.make_store()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _send_out(rider, orders):
    for order in orders:
        for bag in bags.bags_for_handover(order):
            trips.scan_bag(rider=rider, code=bag.code)


def test_the_shopper_sees_stops_before_theirs_the_eta_and_the_promise(store):
    # given a trip out with three stops, the shopper's order last
    rider = make_rider(store=store)
    orders = [make_delivery_order(store=store, north_m=300 * k) for k in (1, 2, 3)]
    mine = orders[2]
    make_trip(rider=rider, orders=orders)
    _send_out(rider, orders)
    trips.record_location(rider=rider, lat="35.6840", lon="139.7733")
    shopper = _client(mine.member.user)

    tracking = shopper.get(reverse("order-tracking", args=[mine.number])).json()["tracking"]

    assert tracking["stops_before"] == 2
    assert tracking["rider"]["position"] == {
        "lat": 35.684,
        "lon": 139.7733,
        "at": tracking["rider"]["position"]["at"],
    }
    assert tracking["eta"] and tracking["promised_by"]
    page = shopper.get(reverse("order-page", args=[mine.number])).content.decode()
    assert delivery_code(mine) in page and 'id="tracking"' in page


def test_lateness_is_explained(store):
    rider = make_rider(store=store)
    orders = [
        make_delivery_order(store=store, north_m=2500, promised_in=datetime.timedelta(minutes=2)),
        make_delivery_order(store=store, north_m=2600, promised_in=datetime.timedelta(minutes=3)),
    ]
    make_trip(rider=rider, orders=orders)
    _send_out(rider, orders)
    tracking = (
        _client(orders[1].member.user)
        .get(reverse("order-tracking", args=[orders[1].number]))
        .json()["tracking"]
    )
    assert tracking["late_by_s"] > 0
    assert tracking["lateness_reason"] == "stops_before"


def test_nobody_else_reads_the_tracking(store):
    order = make_delivery_order(store=store)
    stranger = _client(factories.make_member().user)
    assert stranger.get(reverse("order-tracking", args=[order.number])).status_code == 404
    assert _client(order.member.user).get(
        reverse("order-tracking", args=[order.number])
    ).json() == {"tracking": None}


def test_the_manager_sees_the_board_and_reassigns_a_trip_not_started(store):
    manager = factories.make_staff(store=store, role=StaffRole.Role.MANAGER)
    a, b = make_rider(store=store), make_rider(store=store)
    trip = make_trip(rider=a, orders=[make_delivery_order(store=store)])
    late = make_delivery_order(store=store, promised_in=datetime.timedelta(minutes=-3))
    client = _client(manager)

    page = client.get(reverse("staff-dispatch-board", args=[store.code]))
    assert page.status_code == 200
    assert late.number in page.content.decode()

    response = client.post(
        reverse("staff-reassign-trip", args=[store.code, trip.pk]), {"rider": b.pk}
    )
    assert response.status_code == 302
    assert Trip.objects.get(pk=trip.pk).rider == b

    # a started trip stays with its rider
    Trip.objects.filter(pk=trip.pk).update(state=Trip.State.LOADING, started_at=timezone.now())
    response = client.post(
        reverse("staff-reassign-trip", args=[store.code, trip.pk]), {"rider": a.pk}
    )
    assert response.status_code == 409
    assert Trip.objects.get(pk=trip.pk).rider == b


def test_another_stores_manager_or_a_picker_cannot_open_the_board(store):
    other = factories.make_store()
    rider = make_rider(store=store)
    trip = make_trip(rider=rider, orders=[make_delivery_order(store=store)])
    outsider = _client(factories.make_staff(store=other, role=StaffRole.Role.MANAGER))
    picker = _client(factories.make_staff(store=store, role=StaffRole.Role.PICKER))
    assert outsider.get(reverse("staff-dispatch-board", args=[store.code])).status_code == 403
    assert picker.get(reverse("staff-dispatch-board", args=[store.code])).status_code == 403
    other_rider = make_rider(store=other)
    response = outsider.post(
        reverse("staff-reassign-trip", args=[store.code, trip.pk]), {"rider": other_rider.pk}
    )
    assert response.status_code == 403
    # and a manager of store B cannot hand store A's trip to a rider of B through their board
    response = outsider.post(
        reverse("staff-reassign-trip", args=[other.code, trip.pk]), {"rider": other_rider.pk}
    )
    assert response.status_code == 404
    assert Trip.objects.get(pk=trip.pk).rider == rider
    assert TripStop.objects.filter(is_active=True).count() == 1


def test_the_board_reads_in_a_bounded_number_of_queries(store, django_assert_max_num_queries):
    manager = factories.make_staff(store=store, role=StaffRole.Role.MANAGER)
    for _ in range(5):
        rider = make_rider(store=store)
        make_trip(rider=rider, orders=[make_delivery_order(store=store) for _ in range(3)])
    for _ in range(10):
        make_delivery_order(store=store)
    client = _client(manager)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("staff-dispatch-board", args=[store.code])).status_code == 200


def test_the_board_says_how_the_last_plan_went(store):
    from fulfillment.dispatch_service import tick

    manager = factories.make_staff(store=store, role=StaffRole.Role.MANAGER)
    make_rider(store=store)
    make_delivery_order(store=store, promised_in=datetime.timedelta(minutes=4))
    report = tick.plan_and_commit(store=store)
    page = _client(manager).get(reverse("staff-dispatch-board", args=[store.code])).content
    assert b'id="last-tick"' in page
    assert f"{report.trips_committed} trips sent".encode() in page


def test_a_manager_reaches_the_board_from_the_tablet_tabs(store):
    manager = factories.make_staff(store=store, role=StaffRole.Role.MANAGER)
    page = _client(manager).get(reverse("staff-pick-queue", args=[store.code])).content.decode()
    assert reverse("staff-dispatch-board", args=[store.code]) in page
    picker = factories.make_staff(store=store, role=StaffRole.Role.PICKER)
    page = _client(picker).get(reverse("staff-pick-queue", args=[store.code])).content.decode()
    assert reverse("staff-dispatch-board", args=[store.code]) not in page
