"""The dispatcher's tick on the database: what it reads, what it commits, what it never does."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from fulfillment.dispatch_service import tick
from fulfillment.models import Rider, Trip, TripStop
from fulfillment.tasks import dispatch_all_stores
from omostore.redis_client import redis_client
from orders.models import Order
from tests import factories
from tests.fulfillment.dispatch_helpers import make_delivery_order, make_rider, make_trip

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_budget(settings):
    settings.DISPATCH_BUDGET_SECONDS = 0.3


@pytest.fixture
def store():
    return factories.make_store()


def test_a_rider_takes_the_vehicle_defaults_unless_given_their_own(store):
    bicycle = make_rider(store=store)
    walker = make_rider(store=store, vehicle=Rider.Vehicle.ON_FOOT, speed_mps=1.0)
    assert (bicycle.speed, bicycle.capacity) == (4.0, 4)
    assert (walker.speed, walker.capacity) == (1.0, 2)


def test_an_order_that_must_go_now_is_committed_to_a_trip(store):
    # given a packed order whose promise leaves no time to wait, and a rider on duty
    rider = make_rider(store=store)
    order = make_delivery_order(store=store, promised_in=datetime.timedelta(minutes=5))

    # when the dispatcher ticks
    report = tick.plan_and_commit(store=store)

    # then one trip carries it (late, since no rider could make it: planned, not dropped)
    assert report.status == "committed", report
    trip = Trip.objects.get()
    assert (trip.rider, trip.state) == (rider, Trip.State.ASSIGNED)
    stop = trip.stops.get()
    assert stop.order == order and stop.is_active
    assert stop.planned_arrival_at > order.promised_by
    assert report.late_orders == 1


def test_two_urgent_neighbours_ride_together(store):
    make_rider(store=store)
    a = make_delivery_order(store=store, north_m=900, promised_in=datetime.timedelta(minutes=5))
    b = make_delivery_order(
        store=store, north_m=950, east_m=60, promised_in=datetime.timedelta(minutes=5)
    )

    tick.plan_and_commit(store=store)

    trip = Trip.objects.get()
    assert set(trip.stops.values_list("order_id", flat=True)) == {a.pk, b.pk}


def test_an_order_that_can_wait_stays_pooled(store):
    make_rider(store=store)
    make_delivery_order(store=store, promised_in=datetime.timedelta(minutes=50))

    report = tick.plan_and_commit(store=store)

    assert report.pending == 1 and report.status == "nothing", report
    assert not Trip.objects.exists()


def test_an_order_still_being_picked_is_not_committed_before_it_can_be_ready(store, settings):
    settings.DISPATCH_PICKING_ESTIMATE_SECONDS = 900
    make_rider(store=store)
    make_delivery_order(store=store, status="picking", promised_in=datetime.timedelta(minutes=30))

    report = tick.plan_and_commit(store=store)

    assert report.pending == 1
    assert not Trip.objects.exists()


def test_riders_off_duty_or_on_a_break_get_nothing(store):
    make_rider(store=store, duty=Rider.Duty.BREAK)
    make_rider(store=store, duty=Rider.Duty.OFF_DUTY)
    make_delivery_order(store=store, promised_in=datetime.timedelta(minutes=5))

    report = tick.plan_and_commit(store=store)

    assert (report.riders, report.status) == (0, "nothing")
    assert not Trip.objects.exists()


def test_a_started_trip_is_never_taken_from_its_rider(store):
    # given a trip under way whose rider is also free for more, and an urgent new order
    rider = make_rider(store=store)
    carried = make_delivery_order(store=store, status="out_for_delivery")
    started = make_trip(rider=rider, orders=[carried], state=Trip.State.OUT)
    other = make_rider(store=store)
    new = make_delivery_order(store=store, promised_in=datetime.timedelta(minutes=5))

    report = tick.plan_and_commit(store=store)

    # then the carried order is not in the pool, its trip untouched, the new order committed
    assert report.pending == 1
    started.refresh_from_db()
    assert started.state == Trip.State.OUT
    assert list(started.stops.values_list("order_id", "is_active")) == [(carried.pk, True)]
    assert TripStop.objects.get(order=new, is_active=True).trip.rider in (rider, other)


def test_a_trip_assigned_but_not_started_is_replanned(store):
    # given an order assigned to a rider who went on a break meanwhile
    away = make_rider(store=store)
    order = make_delivery_order(store=store, promised_in=datetime.timedelta(minutes=5))
    old = make_trip(rider=away, orders=[order])
    Rider.objects.filter(pk=away.pk).update(duty=Rider.Duty.BREAK)
    here = make_rider(store=store)

    tick.plan_and_commit(store=store)

    old.refresh_from_db()
    assert old.state == Trip.State.SUPERSEDED
    assert not old.stops.filter(is_active=True).exists()
    assert TripStop.objects.get(order=order, is_active=True).trip.rider == here


def test_the_database_refuses_a_second_active_stop_for_an_order(store):
    order = make_delivery_order(store=store)
    make_trip(rider=make_rider(store=store), orders=[order])
    with pytest.raises(IntegrityError), transaction.atomic():
        make_trip(rider=make_rider(store=store), orders=[order])


def test_a_commit_that_meets_a_started_trip_leaves_nothing_half_done(store):
    # given a tick that planned while the rider's assigned trip was not started
    rider = make_rider(store=store)
    first = make_delivery_order(store=store, promised_in=datetime.timedelta(minutes=5))
    old = make_trip(rider=rider, orders=[first])
    second = make_delivery_order(store=store, promised_in=datetime.timedelta(minutes=5))
    snapshot = tick.build_instance(store=store, now=timezone.now())
    from fulfillment import dispatch as core

    decision = core.dispatch_tick(snapshot.instance, tick_s=10, budget_s=0.3)
    assert decision.commitments  # both orders must go
    # when the rider starts the old trip before the tick commits
    Trip.objects.filter(pk=old.pk).update(state=Trip.State.LOADING)

    with pytest.raises((tick.CommitClash, IntegrityError)):
        tick.commit_decision(snapshot=snapshot, decision=decision)

    # then nothing of the tick is left: the old trip stands, no new trip or stop
    assert list(Trip.objects.values_list("pk", flat=True)) == [old.pk]
    assert not TripStop.objects.filter(order=second).exists()


def test_a_tick_finding_the_lock_taken_does_nothing(store):
    make_rider(store=store)
    make_delivery_order(store=store, promised_in=datetime.timedelta(minutes=5))
    lock = redis_client().lock(tick.LOCK_KEY.format(store_id=store.pk), timeout=30)
    assert lock.acquire(blocking=False)
    try:
        report = tick.run_store_tick(store_id=store.pk)
    finally:
        lock.release()
    assert report.status == "locked"
    assert not Trip.objects.exists()
    assert tick.run_store_tick(store_id=store.pk).status == "committed"


def test_the_beat_task_sends_a_tick_for_each_store_with_riders(store, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from omostore.celery import app

    app.conf.task_always_eager = True
    try:
        make_rider(store=store)
        factories.make_store()  # no riders: no tick
        make_delivery_order(store=store, promised_in=datetime.timedelta(minutes=5))
        assert dispatch_all_stores() == 1
    finally:
        app.conf.task_always_eager = False
    assert Trip.objects.filter(store=store).count() == 1


def test_the_tick_falls_back_to_the_greedy_when_the_solver_fails(store, caplog):
    make_rider(store=store)
    make_delivery_order(store=store, promised_in=datetime.timedelta(minutes=5))
    from fulfillment import dispatch as core

    snapshot = tick.build_instance(store=store, now=timezone.now())

    def broken(*args, **kwargs):
        raise RuntimeError("solver crashed")

    decision = core.dispatch_tick(snapshot.instance, budget_s=0.3, solve=broken)
    assert decision.plan.method == core.Method.GREEDY
    assert decision.plan.fallback_reason
    assert tick.commit_decision(snapshot=snapshot, decision=decision)


def test_each_tick_starts_from_the_last_ticks_plan(store):
    make_rider(store=store)
    make_delivery_order(store=store, promised_in=datetime.timedelta(minutes=50))
    make_delivery_order(store=store, north_m=900, promised_in=datetime.timedelta(minutes=50))
    redis_client().delete(tick.ROUTES_KEY.format(store_id=store.pk))

    tick.plan_and_commit(store=store)
    kept = tick._last_routes(store_id=store.pk)
    assert kept and sum(len(t) for trips in kept.values() for t in trips) == 2

    report = tick.plan_and_commit(store=store)
    assert report.status == "nothing"  # both can still wait: pooled again


def test_a_rider_who_went_on_a_break_while_the_tick_planned_gets_nothing(store):
    from fulfillment import dispatch as core

    rider = make_rider(store=store)
    make_delivery_order(store=store, promised_in=datetime.timedelta(minutes=5))
    snapshot = tick.build_instance(store=store, now=timezone.now())
    decision = core.dispatch_tick(snapshot.instance, budget_s=0.3)
    assert decision.commitments
    Rider.objects.filter(pk=rider.pk).update(duty=Rider.Duty.BREAK)

    with pytest.raises(tick.CommitClash):
        tick.commit_decision(snapshot=snapshot, decision=decision)
    assert not Trip.objects.exists()


def test_reading_the_pool_takes_the_same_queries_for_5_or_50_orders(store):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rider = make_rider(store=store)
    carried = [make_delivery_order(store=store, status="out_for_delivery") for _ in range(3)]
    make_trip(rider=rider, orders=carried, state=Trip.State.OUT)
    for _ in range(3):
        make_rider(store=store)
    counts = []
    for n in (5, 50):
        while Order.objects.filter(status="packed").count() < n:
            make_delivery_order(store=store)
        with CaptureQueriesContext(connection) as queries:
            snapshot = tick.build_instance(store=store, now=timezone.now())
        assert len(snapshot.instance.orders) == n
        assert len(snapshot.instance.started_trips) == 1
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 8, counts


def test_an_order_picked_for_a_while_is_expected_sooner(store, settings):
    from fulfillment.dispatch_service.readiness import expected_ready_times
    from fulfillment.models import PickTask

    settings.DISPATCH_PICKING_ESTIMATE_SECONDS = 600
    settings.PICK_PACKING_MINUTES = 3
    now = timezone.now()
    fresh = make_delivery_order(store=store, status="picking")
    older = make_delivery_order(store=store, status="picking")
    late = make_delivery_order(store=store, status="picking")
    picked = make_delivery_order(store=store, status="picking")
    Order.objects.filter(pk=older.pk).update(updated_at=now - datetime.timedelta(minutes=4))
    Order.objects.filter(pk=late.pk).update(updated_at=now - datetime.timedelta(minutes=30))
    for zone, status in (("ambient", "picked"), ("chilled", "packed")):
        PickTask.objects.create(store=store, order=picked, zone=zone, status=status, due_at=now)
    PickTask.objects.create(store=store, order=fresh, zone="ambient", status="open", due_at=now)
    packed = make_delivery_order(store=store)
    orders = list(Order.objects.filter(pk__in=[fresh.pk, older.pk, late.pk, picked.pk, packed.pk]))

    ready = expected_ready_times(orders=orders, now=now)

    minutes = {pk: round((at - now).total_seconds() / 60) for pk, at in ready.items()}
    assert minutes == {fresh.pk: 10, older.pk: 6, late.pk: 4, picked.pk: 3, packed.pk: 0}


def test_a_trip_planned_again_the_same_is_kept_not_replaced(store):
    make_rider(store=store)
    make_delivery_order(store=store, promised_in=datetime.timedelta(minutes=4))
    first = tick.plan_and_commit(store=store)
    assert first.trip_ids

    again = tick.plan_and_commit(store=store)

    assert again.trip_ids == []  # nothing new: the same trip stands
    assert list(Trip.objects.values_list("pk", "state")) == [(first.trip_ids[0], "assigned")]


def test_a_tick_that_fails_on_its_second_trip_leaves_not_even_its_first(store):
    from fulfillment import dispatch as core

    # given two urgent orders far apart, two riders, and a decision with two trips
    riders = [make_rider(store=store), make_rider(store=store)]
    north = make_delivery_order(
        store=store, north_m=1500, promised_in=datetime.timedelta(minutes=4)
    )
    south = make_delivery_order(
        store=store, north_m=-1500, promised_in=datetime.timedelta(minutes=4)
    )
    snapshot = tick.build_instance(store=store, now=timezone.now())
    decision = core.dispatch_tick(snapshot.instance, budget_s=0.3)
    assert len(decision.commitments) == 2, decision.commitments
    # when, meanwhile, another rider started a trip with the order of the tick's last commitment
    last_order = decision.commitments[-1].trip.order_ids[0]
    intruder = make_rider(store=store)
    manual = make_trip(
        rider=intruder, orders=[Order.objects.get(pk=last_order)], state=Trip.State.LOADING
    )

    with pytest.raises(IntegrityError):
        tick.commit_decision(snapshot=snapshot, decision=decision)

    # then not even the first trip of the tick exists: all or nothing
    assert list(Trip.objects.values_list("pk", flat=True)) == [manual.pk]
    assert {north.pk, south.pk} - {last_order} == set(
        Order.objects.filter(pk__in=[north.pk, south.pk], trip_stops__isnull=True).values_list(
            "pk", flat=True
        )
    )
    assert riders
