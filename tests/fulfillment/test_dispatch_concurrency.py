"""Two dispatcher ticks at once, with the Redis lock bypassed: real threads, each with its own
database connection. The database alone keeps every order on at most one trip."""

from __future__ import annotations

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from fulfillment.dispatch_service import tick
from fulfillment.models import Trip, TripStop
from omostore.redis_client import redis_client
from tests import factories
from tests.fulfillment.dispatch_helpers import (
    active_stops_per_order,
    make_delivery_order,
    make_rider,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _race(n: int, action):
    barrier = threading.Barrier(n)

    def run(_):
        try:
            barrier.wait(timeout=30)
            return action()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_ticks_racing_without_the_lock_never_put_an_order_on_two_trips(settings):
    settings.DISPATCH_BUDGET_SECONDS = 0.2
    store = factories.make_store()
    for _ in range(3):
        make_rider(store=store)
    orders = [
        make_delivery_order(
            store=store,
            north_m=300 + 150 * k,
            east_m=(-1) ** k * 200 * k,
            promised_in=datetime.timedelta(minutes=3 + k),
        )
        for k in range(6)
    ]

    # when four ticks plan and commit at the same moment, the lock bypassed
    reports = _race(4, lambda: tick.plan_and_commit(store=store))

    # then the ticks committed trips, and every order is on at most one active stop
    counts = active_stops_per_order()
    assert counts, reports
    assert all(n == 1 for n in counts.values()), counts
    assert set(counts) <= {o.pk for o in orders}
    assert {r.status for r in reports} <= {"committed", "clash", "nothing"}
    # and no rider holds two trips waiting to start
    assigned = list(Trip.objects.filter(state="assigned").values_list("rider_id", flat=True))
    assert len(assigned) == len(set(assigned))
    # every active stop belongs to a live trip
    assert not TripStop.objects.filter(is_active=True, trip__state="superseded").exists()


def test_two_beat_ticks_at_once_plan_once_under_the_redis_lock(settings):
    # given a store with urgent orders, and a planner slow enough for the ticks to overlap
    settings.DISPATCH_BUDGET_SECONDS = 1.0
    store = factories.make_store()
    make_rider(store=store)
    make_rider(store=store)
    for k in range(4):
        make_delivery_order(
            store=store, north_m=400 + 200 * k, promised_in=datetime.timedelta(minutes=3)
        )
    redis_client().delete(tick.LOCK_KEY.format(store_id=store.pk))

    # when two beat processes run the store's tick at the same moment (real Redis)
    reports = _race(2, lambda: tick.run_store_tick(store_id=store.pk))

    # then one planned and committed, the other found the lock taken and did nothing
    assert sorted(r.status for r in reports) == ["committed", "locked"], reports
    counts = active_stops_per_order()
    assert counts and all(n == 1 for n in counts.values())
    # and the lock is free again for the next tick
    assert redis_client().set(tick.LOCK_KEY.format(store_id=store.pk), "x", nx=True, ex=1)
