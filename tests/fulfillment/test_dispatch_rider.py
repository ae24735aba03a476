"""The rider's steps through the rider app: bags at the store, the door, the way back; and what
the app refuses (another store's rider, a bag of another order, a wrong code, a started trip)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fulfillment.dispatch_service import bags, errors, trips
from fulfillment.models import Rider, Trip, TripStop
from orders.delivery_code import delivery_code
from orders.models import Order, OrderEvent
from stores.models import StaffRole
from tests import factories
from tests.fulfillment.dispatch_helpers import make_delivery_order, make_rider, make_trip

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    return factories.make_store()


@pytest.fixture
def assigned(store):
    rider = make_rider(store=store)
    orders = [make_delivery_order(store=store), make_delivery_order(store=store, north_m=1200)]
    trip = make_trip(rider=rider, orders=orders)
    client = Client()
    client.force_login(rider.user)
    return rider, trip, orders, client


def _codes(order: Order) -> list[str]:
    return [bag.code for bag in bags.bags_for_handover(order)]


def _scan_all(client, orders):
    for order in orders:
        for code in _codes(order):
            response = client.post(reverse("rider-scan"), {"code": code})
            assert response.status_code == 302, response.content


def test_the_rider_sees_the_trip_with_its_stops_in_order(assigned):
    _rider, _trip, orders, client = assigned
    response = client.get(reverse("rider-home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index(orders[0].delivery_address) < page.index(orders[1].delivery_address)
    assert 'id="step-handover"' in page and 'id="rider-map"' in page


def test_scanning_every_bag_sends_the_trip_out(assigned):
    _rider, trip, orders, client = assigned
    first, *_rest = _codes(orders[0])
    client.post(reverse("rider-scan"), {"code": first})
    trip.refresh_from_db()
    assert trip.state == Trip.State.LOADING  # started: the dispatcher no longer re-plans it

    _scan_all(client, orders)

    trip.refresh_from_db()
    assert trip.state == Trip.State.OUT
    assert {o.status for o in Order.objects.filter(pk__in=[o.pk for o in orders])} == {
        "out_for_delivery"
    }


def test_a_bag_of_another_order_or_a_forged_code_is_refused(assigned, store):
    _rider, trip, orders, client = assigned
    stranger = make_delivery_order(store=store)
    for code in [_codes(stranger)[0], "not-a-bag", _codes(orders[0])[0][:-2] + "xx"]:
        response = client.post(reverse("rider-scan"), {"code": code})
        assert response.status_code == 400
        assert b"bag_not_on_trip" in response.content
    trip.refresh_from_db()
    assert trip.state == Trip.State.ASSIGNED
    assert not TripStop.objects.exclude(bags_scanned=[]).exists()


def test_a_bag_of_an_order_not_packed_yet_cannot_leave(assigned):
    _rider, trip, orders, client = assigned
    Order.objects.filter(pk=orders[1].pk).update(status="picking")
    _scan_all(client, orders[:1])
    trip.refresh_from_db()
    assert trip.state == Trip.State.LOADING
    assert Order.objects.get(pk=orders[0].pk).status == "packed"


def test_the_right_code_delivers_and_the_last_stop_sends_the_rider_back(assigned):
    _rider, trip, orders, client = assigned
    _scan_all(client, orders)
    for order in orders:
        stop = TripStop.objects.get(order=order)
        response = client.post(
            reverse("rider-deliver", args=[stop.pk]), {"code": delivery_code(order)}
        )
        assert response.status_code == 302
        assert Order.objects.get(pk=order.pk).status == "delivered"
    trip.refresh_from_db()
    assert trip.state == Trip.State.RETURNING
    assert client.post(reverse("rider-back")).status_code == 302
    trip.refresh_from_db()
    assert trip.state == Trip.State.DONE


def test_wrong_codes_are_counted_and_then_locked(assigned, settings):
    settings.DISPATCH_CODE_ATTEMPTS = 3
    _rider, _trip, orders, client = assigned
    _scan_all(client, orders)
    stop = TripStop.objects.get(order=orders[0])
    wrong = f"{(int(delivery_code(orders[0])) + 1) % 10000:04d}"
    answers = [
        client.post(reverse("rider-deliver", args=[stop.pk]), {"code": wrong}).status_code
        for _ in range(3)
    ]
    assert answers == [400, 400, 400]
    # even the right code is refused now: the rider calls the store
    response = client.post(
        reverse("rider-deliver", args=[stop.pk]), {"code": delivery_code(orders[0])}
    )
    assert response.status_code == 429
    assert Order.objects.get(pk=orders[0].pk).status == "out_for_delivery"
    assert TripStop.objects.get(pk=stop.pk).code_attempts == 3


def test_no_one_home_brings_the_order_back_for_the_manager(assigned):
    _rider, _trip, orders, client = assigned
    _scan_all(client, orders)
    stop = TripStop.objects.get(order=orders[0])
    response = client.post(reverse("rider-fail", args=[stop.pk]), {"reason": "no_one_home"})
    assert response.status_code == 302, response.content.decode().split('role="alert"')[-1][:300]
    order = Order.objects.get(pk=orders[0].pk)
    assert order.status == "delivery_failed"
    event = OrderEvent.objects.filter(order=order).latest("pk")
    assert event.payload["reason"] == "no_one_home"
    stop.refresh_from_db()
    assert (stop.state, stop.is_active) == ("failed", False)
    # a made-up reason changes nothing
    other = TripStop.objects.get(order=orders[1])
    assert (
        client.post(reverse("rider-fail", args=[other.pk]), {"reason": "bored"}).status_code == 409
    )


def test_another_stores_rider_or_a_stranger_cannot_touch_the_trip(assigned, store):
    rider, trip, orders, client = assigned
    other = make_rider(store=factories.make_store())
    intruder = Client()
    intruder.force_login(other.user)
    stop = TripStop.objects.get(order=orders[0])
    assert intruder.post(reverse("rider-scan"), {"code": _codes(orders[0])[0]}).status_code == 404
    response = intruder.post(reverse("rider-deliver", args=[stop.pk]), {"code": "0000"})
    assert response.status_code == 404
    shopper = Client()
    shopper.force_login(factories.make_member().user)
    assert shopper.get(reverse("rider-home")).status_code == 403
    # a rider whose role was revoked is refused too
    StaffRole.objects.filter(user=rider.user).delete()
    assert client.get(reverse("rider-home")).status_code == 403
    trip.refresh_from_db()
    assert trip.state == Trip.State.ASSIGNED


def test_locations_are_taken_only_on_a_trip_and_on_earth(assigned):
    rider, _trip, orders, client = assigned
    with pytest.raises(errors.NoTrip):
        trips.record_location(rider=rider, lat=35.68, lon=139.77)  # assigned, not started
    _scan_all(client, orders)
    for lat, lon in [(999, 999), ("nan", 1), (None, 2), (91, 0)]:
        with pytest.raises(errors.InvalidLocation):
            trips.record_location(rider=rider, lat=lat, lon=lon)
    trips.record_location(rider=rider, lat="35.69", lon="139.775")
    rider.refresh_from_db()
    assert (float(rider.latitude), float(rider.longitude)) == (35.69, 139.775)


def test_going_off_duty_gives_back_a_trip_not_started_but_not_one_under_way(assigned):
    rider, trip, _orders, client = assigned
    assert client.post(reverse("rider-duty"), {"duty": "off_duty"}).status_code == 302
    trip.refresh_from_db()
    assert trip.state == Trip.State.SUPERSEDED
    assert not TripStop.objects.filter(is_active=True).exists()
    rider.refresh_from_db()
    assert rider.duty == Rider.Duty.OFF_DUTY


def test_a_started_trip_cannot_be_reassigned(assigned, store):
    rider, trip, _orders, _client = assigned
    other = make_rider(store=store)
    trips.reassign_trip(trip=trip, rider=other)
    assert Trip.objects.get(pk=trip.pk).rider == other
    Trip.objects.filter(pk=trip.pk).update(state=Trip.State.LOADING)
    with pytest.raises(errors.TripAlreadyStarted):
        trips.reassign_trip(trip=trip, rider=rider)
    with pytest.raises(errors.NotARider):
        Trip.objects.filter(pk=trip.pk).update(state=Trip.State.ASSIGNED)
        trips.reassign_trip(trip=trip, rider=make_rider(store=factories.make_store()))
    assert Trip.objects.get(pk=trip.pk).rider == other


def test_after_a_failed_delivery_the_manager_sends_it_again_or_cancels_it(assigned, store):
    from django.db import transaction

    from fulfillment.dispatch_service import tick
    from orders import services as order_services
    from orders.statuses import staff_may_cancel, staff_moves

    _rider, trip, orders, client = assigned
    _scan_all(client, orders)
    for order in orders:
        stop = TripStop.objects.get(order=order)
        client.post(reverse("rider-fail", args=[stop.pk]), {"reason": "no_one_home"})
    again, refund = (Order.objects.get(pk=o.pk) for o in orders)
    assert staff_moves(channel="delivery", from_status="delivery_failed") == ["packed"]
    assert staff_may_cancel(channel="delivery", status="delivery_failed")

    # when the manager sends one again (packed) and the dispatcher ticks with it urgent
    with transaction.atomic():
        order_services.set_status(order=again, to_status="packed")
    client.post(reverse("rider-back"))
    Order.objects.filter(pk=again.pk).update(promised_by=timezone.now())  # late already: urgent
    tick.plan_and_commit(store=store)
    # then it is on a new trip (its failed stop no longer counts)
    assert TripStop.objects.get(order=again, is_active=True).trip != trip

    # and the other is cancelled (refunded) by the store
    order_services.cancel_order_by_staff(
        order=refund, actor=None, reason="staff_cancelled", idempotency_key="k-1"
    )
    assert Order.objects.get(pk=refund.pk).status == "cancelled"


def test_the_next_trips_bags_wait_until_the_rider_is_back(assigned, store):
    rider, _trip, orders, client = assigned
    _scan_all(client, orders)
    nxt = make_delivery_order(store=store)
    make_trip(rider=rider, orders=[nxt])  # committed while the rider is out
    response = client.post(reverse("rider-scan"), {"code": _codes(nxt)[0]})
    assert response.status_code == 409
    assert b"wrong_step" in response.content
    assert Order.objects.get(pk=nxt.pk).status == "packed"


def test_the_rider_page_reads_in_a_bounded_number_of_queries(
    assigned, store, django_assert_max_num_queries
):
    _rider, _trip, orders, client = assigned
    _scan_all(client, orders)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("rider-home")).status_code == 200
