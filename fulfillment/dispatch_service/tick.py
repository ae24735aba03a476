"""The dispatcher tick of one store: read the pool, plan it with the core, commit what must go.

`run_store_tick` is what the beat task calls: it takes the store's Redis lock (two ticks never
plan at once), reads an `Instance` from the database (`build_instance`), plans it outside any
transaction (`fulfillment.dispatch.dispatch_tick`, PyVRP within the budget, the greedy as the
logged fallback), and commits the decision in ONE transaction (`commit_decision`). The database
guards what the lock cannot (a lock that expired, a second beat started by mistake, a manager
reassigning meanwhile): an order has at most one active stop, a rider at most one assigned
trip, and a trip that started is never superseded (a guarded UPDATE). Any clash rolls the
whole commit back, so a tick leaves either all its trips or none; the next tick plans again.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from fulfillment import dispatch as core
from fulfillment.dispatch_service import bags, readiness
from fulfillment.dispatch_service import live as dispatch_live
from fulfillment.models import Rider, Trip, TripStop
from omostore.redis_client import redis_client
from orders.models import Channel, Order, OrderStatus
from stores.models import Store

logger = logging.getLogger(__name__)

POOL_STATUSES = (OrderStatus.PACKED, OrderStatus.PICKING)
# Kept out of the solver's budget for the commit after it and the solver's own overshoot on a
# loaded machine, so a whole tick fits the budget.
COMMIT_RESERVE_S = 0.3
MIN_PLAN_BUDGET_S = 0.2
LOCK_KEY = "omostore:dispatch:tick:{store_id}"
ROUTES_KEY = "omostore:dispatch:routes:{store_id}"
ROUTES_TTL_S = 120
LAST_TICK_KEY = "omostore:dispatch:last-tick:{store_id}"


class CommitClash(RuntimeError):
    """The database moved under the tick (a trip started, an order left the pool)."""


@dataclass
class TickReport:
    store_id: int
    status: str  # "committed", "nothing", "locked", "clash"
    pending: int = 0
    riders: int = 0
    trips_committed: int = 0
    orders_committed: int = 0
    method: str = ""
    fallback_reason: str | None = None
    plan_s: float = 0.0
    total_s: float = 0.0
    late_orders: int = 0
    trip_ids: list[int] = field(default_factory=list)


@dataclass
class Snapshot:
    """What the tick read, to commit against."""

    store: Store
    instance: core.Instance
    orders: dict[int, Order]
    riders: dict[int, Rider]


def _point(lat, lon) -> core.Point:
    return core.Point(lat=float(lat), lon=float(lon))


def _planner_order(
    order: Order, *, ready_at: datetime, now: datetime, bag_count: int | None = None
) -> core.Order:
    return core.Order(
        id=order.pk,
        location=_point(order.delivery_latitude, order.delivery_longitude),
        ready_at=ready_at,
        promised_by=order.promised_by or now + timedelta(minutes=30),
        bags=bag_count if bag_count is not None else bags.bag_count(order),
        service_s=settings.DISPATCH_SERVICE_SECONDS,
    )


def build_instance(*, store: Store, now: datetime) -> Snapshot:
    """The store's planning problem now: delivery orders packed or being picked that no started
    trip carries (orders on trips not started are planned again), the riders on duty (and those
    on a trip, with its remaining stops), travel from the store."""
    under_way = list(
        Trip.objects.filter(store=store, state__in=[*Trip.STARTED, Trip.State.RETURNING])
        .select_related("rider")
        .prefetch_related("stops__order")
    )
    carried = {stop.order_id for trip in under_way for stop in trip.stops.all() if stop.is_active}
    orders = list(
        Order.objects.filter(
            store=store,
            channel=Channel.DELIVERY,
            status__in=POOL_STATUSES,
            delivery_latitude__isnull=False,
            delivery_longitude__isnull=False,
        )
        .exclude(pk__in=carried)
        .annotate(line_count=Count("lines", distinct=True), bag_total=Count("bags", distinct=True))
        .order_by("pk")
    )
    ready = readiness.expected_ready_times(orders=orders, now=now)
    default_end = now + timedelta(hours=8)
    riders = {
        rider.pk: rider
        for rider in Rider.objects.filter(store=store, duty=Rider.Duty.ON_DUTY).filter(
            Q(shift_ends_at__isnull=True) | Q(shift_ends_at__gt=now)
        )
    }
    started = []
    for trip in under_way:
        if trip.rider_id not in riders:
            continue  # a rider off duty finishes the trip but gets no next one
        rider = riders[trip.rider_id]
        position = (
            _point(rider.latitude, rider.longitude)
            if trip.state != Trip.State.LOADING and rider.latitude is not None
            else _point(store.latitude, store.longitude)
        )
        stops = tuple(
            _planner_order(stop.order, ready_at=now, now=now, bag_count=stop.bags)
            for stop in trip.stops.all()
            if stop.is_active
        )
        started.append(core.StartedTrip(rider_id=rider.pk, position=position, stops=stops))
    instance = core.Instance(
        now=now,
        depot=core.Depot(
            location=_point(store.latitude, store.longitude),
            handover_s=settings.DISPATCH_HANDOVER_SECONDS,
        ),
        orders=tuple(_planner_order(o, ready_at=ready[o.pk], now=now) for o in orders),
        riders=tuple(
            core.Rider(
                id=rider.pk,
                vehicle=core.Vehicle(rider.vehicle),
                available_at=now,
                shift_ends_at=rider.shift_ends_at or default_end,
                speed_mps=rider.speed_mps,
                capacity_bags=rider.capacity_bags,
            )
            for rider in riders.values()
        ),
        started_trips=tuple(started),
    )
    return Snapshot(store=store, instance=instance, orders={o.pk: o for o in orders}, riders=riders)


def plan_budget_s(*, started: float) -> float:
    """`DISPATCH_BUDGET_SECONDS` bounds the whole tick: the solver gets what reading the pool
    left of it, less a reserve for the commit (never less than MIN_PLAN_BUDGET_S; the greedy
    plan it starts from is ready well before)."""
    spent = time.perf_counter() - started
    return max(MIN_PLAN_BUDGET_S, settings.DISPATCH_BUDGET_SECONDS - spent - COMMIT_RESERVE_S)


def travel_provider() -> core.travel.RoadMatrixProvider:
    """Haversine x road factor, or an OSRM server when `DISPATCH_OSRM_URL` is set."""
    factor = settings.DISPATCH_ROAD_FACTOR
    if settings.DISPATCH_OSRM_URL:
        return core.OsrmTable(
            base_url=settings.DISPATCH_OSRM_URL, fallback=core.Haversine(road_factor=factor)
        )
    return core.Haversine(road_factor=factor)


@transaction.atomic
def commit_decision(*, snapshot: Snapshot, decision: core.Decision) -> list[Trip]:
    """Turn the decision's commitments into trips, all or nothing. A commitment supersedes the
    not-started trips it overlaps (its rider's, or ones carrying its orders); a started trip is
    never touched: if one of them started meanwhile, or an order left the pool or got onto
    another trip, CommitClash (or the database's IntegrityError) rolls everything back."""
    created = []
    for commitment in decision.commitments:
        planned = commitment.trip
        order_ids = list(planned.order_ids)
        still_pending = Order.objects.filter(pk__in=order_ids, status__in=POOL_STATUSES).count()
        if still_pending != len(order_ids):
            raise CommitClash("an order left the pool while the tick planned")
        if not Rider.objects.filter(pk=planned.rider_id, duty=Rider.Duty.ON_DUTY).exists():
            raise CommitClash("a rider went off duty while the tick planned")
        if _same_as_assigned(rider_id=planned.rider_id, planned=planned):
            continue  # the rider's trip stands as it was: no churn on the phone
        overlapping = set(
            Trip.objects.filter(state=Trip.State.ASSIGNED)
            .filter(
                Q(rider_id=planned.rider_id)
                | Q(stops__order_id__in=order_ids, stops__is_active=True)
            )
            .values_list("pk", flat=True)
        )
        if overlapping:
            superseded = Trip.objects.filter(pk__in=overlapping, state=Trip.State.ASSIGNED).update(
                state=Trip.State.SUPERSEDED, finished_at=timezone.now()
            )
            if superseded != len(overlapping):
                raise CommitClash("a trip started while the tick planned")
            TripStop.objects.filter(trip_id__in=overlapping, is_active=True).update(
                is_active=False, state=TripStop.State.REMOVED
            )
        trip = Trip.objects.create(
            store=snapshot.store,
            rider_id=planned.rider_id,
            state=Trip.State.ASSIGNED,
            commit_reason=commitment.reason,
            plan_method=decision.plan.method,
            planned_leaves_at=planned.leaves_at,
            planned_returns_at=planned.returns_at,
        )
        TripStop.objects.bulk_create(
            TripStop(
                trip=trip,
                order_id=stop.order_id,
                sequence=n,
                planned_arrival_at=stop.arrives_at,
                promised_by=stop.promised_by,
                bags=bags.bag_count(snapshot.orders[stop.order_id]),
            )
            for n, stop in enumerate(planned.stops, start=1)
        )
        created.append(trip)
        dispatch_live.publish_rider_trip(rider=snapshot.riders[planned.rider_id])
        for order_id in order_ids:
            dispatch_live.publish_tracking(order_id=order_id)
    return created


def _same_as_assigned(*, rider_id: int, planned: core.PlannedTrip) -> bool:
    """The rider already has this very trip assigned (same orders, same order): keep it, with
    the new planned times."""
    trip = Trip.objects.filter(rider_id=rider_id, state=Trip.State.ASSIGNED).first()
    if trip is None:
        return False
    stops = list(trip.stops.filter(is_active=True).order_by("sequence"))
    if [stop.order_id for stop in stops] != list(planned.order_ids):
        return False
    for stop, planned_stop in zip(stops, planned.stops, strict=True):
        if stop.planned_arrival_at != planned_stop.arrives_at:
            stop.planned_arrival_at = planned_stop.arrives_at
            stop.save(update_fields=["planned_arrival_at"])
    Trip.objects.filter(pk=trip.pk, state=Trip.State.ASSIGNED).update(
        planned_leaves_at=planned.leaves_at, planned_returns_at=planned.returns_at
    )
    return True


def plan_and_commit(*, store: Store, now: datetime | None = None) -> TickReport:
    """One tick without the lock (the caller holds it, or a test bypasses it on purpose)."""
    started = time.perf_counter()
    now = now or timezone.now()
    snapshot = build_instance(store=store, now=now)
    report = TickReport(
        store_id=store.pk,
        status="nothing",
        pending=len(snapshot.instance.orders),
        riders=len(snapshot.instance.riders),
    )
    if not snapshot.instance.orders or not snapshot.instance.riders:
        report.total_s = time.perf_counter() - started
        _keep_report(report)
        return report
    decision = core.dispatch_tick(
        snapshot.instance,
        tick_s=settings.DISPATCH_TICK_SECONDS,
        budget_s=plan_budget_s(started=started),
        provider=travel_provider(),
        warm_start=_last_routes(store_id=store.pk),
    )
    plan = decision.plan
    report.method, report.fallback_reason, report.plan_s = (
        plan.method,
        plan.fallback_reason,
        plan.plan_s,
    )
    report.late_orders = len(plan.late_stops)
    if plan.fallback_reason:
        logger.warning(
            "dispatch store %s: planned by %s (%s)", store.pk, plan.method, plan.fallback_reason
        )
    _keep_routes(store_id=store.pk, plan=plan)
    try:
        trips = commit_decision(snapshot=snapshot, decision=decision)
    except (CommitClash, IntegrityError) as exc:
        logger.warning("dispatch store %s: commit rolled back (%s)", store.pk, exc)
        report.status = "clash"
    else:
        report.status = "committed" if trips else "nothing"
        report.trips_committed = len(trips)
        report.orders_committed = sum(len(c.trip.stops) for c in decision.commitments)
        report.trip_ids = [trip.pk for trip in trips]
    report.total_s = time.perf_counter() - started
    logger.info("dispatch tick %s", report)
    _keep_report(report)
    return report


def _keep_report(report: TickReport) -> None:
    """The store's last tick, for the dispatch board (kept an hour; lost with Redis, harmless)."""
    data = dataclasses.asdict(report) | {"at": timezone.now().isoformat()}
    try:
        redis_client().set(
            LAST_TICK_KEY.format(store_id=report.store_id), json.dumps(data, default=str), ex=3600
        )
    except Exception:
        logger.warning("dispatch store %s: the tick report was not kept", report.store_id)


def last_tick(*, store_id: int) -> dict | None:
    """The last tick that planned for the store (`TickReport` fields and `at`), if known."""
    try:
        raw = redis_client().get(LAST_TICK_KEY.format(store_id=store_id))
        return json.loads(raw) if raw else None
    except Exception:
        return None


def _last_routes(*, store_id: int) -> dict[int, list[list[int]]] | None:
    """The previous tick's plan of the store (rider -> trips -> order ids), the next search's
    starting point; None when Redis has none or does not answer (the greedy starts then)."""
    try:
        raw = redis_client().get(ROUTES_KEY.format(store_id=store_id))
    except Exception:
        return None
    if not raw:
        return None
    try:
        routes = json.loads(raw)
        return {
            int(rider): [[int(o) for o in trip] for trip in trips]
            for rider, trips in routes.items()
        }
    except (ValueError, TypeError, AttributeError):
        return None


def _keep_routes(*, store_id: int, plan: core.Plan) -> None:
    try:
        redis_client().set(
            ROUTES_KEY.format(store_id=store_id), json.dumps(plan.routes()), ex=ROUTES_TTL_S
        )
    except Exception:
        logger.warning("dispatch store %s: the plan was not kept for the next tick", store_id)


def run_store_tick(*, store_id: int) -> TickReport:
    """The beat task's work: one tick under the store's Redis lock; a tick that finds the lock
    taken does nothing (the running one plans for both)."""
    store = Store.objects.get(pk=store_id)
    timeout = int(settings.DISPATCH_BUDGET_SECONDS + settings.DISPATCH_TICK_SECONDS + 30)
    lock = redis_client().lock(LOCK_KEY.format(store_id=store_id), timeout=timeout)
    if not lock.acquire(blocking=False):
        return TickReport(store_id=store_id, status="locked")
    try:
        return plan_and_commit(store=store)
    finally:
        try:
            lock.release()
        except Exception:  # expired meanwhile: the database guards still held
            logger.warning("dispatch store %s: the tick outlived its lock", store_id)


def stores_to_dispatch() -> list[int]:
    """Active stores with a rider on duty."""
    return list(
        Store.objects.filter(is_active=True, riders__duty=Rider.Duty.ON_DUTY)
        .distinct()
        .values_list("pk", flat=True)
    )
