"""Reads of the dispatcher: the rider's current trip (the rider app's snapshot and `rider.trip`
events), an order's tracking (the shopper's page and `order.tracking` events), the manager's
board. Times carry the store's offset (`orders.live.local_iso`)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from fulfillment.dispatch import Point
from fulfillment.dispatch.travel import haversine_matrix_m
from fulfillment.models import Rider, Trip, TripStop
from orders.live import local_iso
from orders.models import Order, OrderStatus

# The trips a rider sees: the one under way first, else the one assigned.
RIDER_TRIP_ORDER = {
    Trip.State.LOADING: 0,
    Trip.State.OUT: 0,
    Trip.State.RETURNING: 1,
    Trip.State.ASSIGNED: 2,
}


def riders_of_user(*, user) -> list[Rider]:
    return list(Rider.objects.filter(user=user).select_related("store"))


def current_trip(*, rider: Rider) -> Trip | None:
    """The trip the rider works on now: under way, else assigned; None when free."""
    trips = list(
        Trip.objects.filter(rider=rider, state__in=Trip.ACTIVE)
        .select_related("store", "rider")
        .prefetch_related(
            Prefetch(
                "stops",
                queryset=TripStop.objects.exclude(state=TripStop.State.REMOVED)
                .select_related("order")
                .order_by("sequence"),
            )
        )
    )
    trips.sort(key=lambda trip: RIDER_TRIP_ORDER[trip.state])
    return trips[0] if trips else None


def stop_payload(stop: TripStop, *, zone: str) -> dict[str, Any]:
    order = stop.order
    return {
        "id": stop.pk,
        "sequence": stop.sequence,
        "state": stop.state,
        "order_number": order.number,
        "order_status": order.status,
        "address": order.delivery_address,
        "lat": float(order.delivery_latitude) if order.delivery_latitude is not None else None,
        "lon": float(order.delivery_longitude) if order.delivery_longitude is not None else None,
        "planned_arrival_at": local_iso(stop.planned_arrival_at, zone),
        "promised_by": local_iso(stop.promised_by, zone),
        "bags": stop.bags,
        "bags_scanned": len(stop.bags_scanned),
        "code_attempts": stop.code_attempts,
        "failure_reason": stop.failure_reason,
    }


def trip_payload(trip: Trip) -> dict[str, Any]:
    zone = trip.store.time_zone
    return {
        "id": trip.pk,
        "state": trip.state,
        "store": {
            "code": trip.store.code,
            "lat": float(trip.store.latitude),
            "lon": float(trip.store.longitude),
        },
        "planned_leaves_at": local_iso(trip.planned_leaves_at, zone),
        "planned_returns_at": local_iso(trip.planned_returns_at, zone),
        "stops": [stop_payload(stop, zone=zone) for stop in trip.stops.all()],
    }


def rider_trip_payload(*, rider: Rider) -> dict[str, Any] | None:
    trip = current_trip(rider=rider)
    return trip_payload(trip) if trip is not None else None


def rider_snapshot(*, rider_id: int) -> dict[str, Any]:
    """The rider group's snapshot, and the payload of every `rider.trip` event (whole: the
    phone replaces its state with it)."""
    rider = Rider.objects.select_related("store").get(pk=rider_id)
    return {
        "rider": {"id": rider.pk, "duty": rider.duty, "sharing": rider.sharing_location},
        "trip": rider_trip_payload(rider=rider),
    }


def _seconds_between(a: Point, b: Point, *, speed: float) -> float:
    return float(haversine_matrix_m([a, b])[0, 1]) * settings.DISPATCH_ROAD_FACTOR / speed


def tracking_for_order(*, order_id: int, now: datetime.datetime | None = None) -> dict | None:
    """Where the order's rider is and when they arrive, while it is on a trip; None otherwise.

    `eta` is computed from the rider's last position through the stops before this one
    (travel at the rider's speed, `DISPATCH_SERVICE_SECONDS` at each door); `promised_by` is
    shown beside it and `late_by_s` explains the difference rather than hiding it.
    """

    now = now or timezone.now()
    stop = (
        TripStop.objects.filter(order_id=order_id, is_active=True)
        .select_related("trip__rider", "trip__store", "order")
        .first()
    )
    if stop is None:
        return None
    trip, rider, store = stop.trip, stop.trip.rider, stop.trip.store
    zone = store.time_zone
    ahead = list(
        trip.stops.filter(state=TripStop.State.PENDING, sequence__lt=stop.sequence)
        .select_related("order")
        .order_by("sequence")
    )
    position = None
    if rider.latitude is not None and trip.state == Trip.State.OUT and rider.sharing_location:
        position = {
            "lat": float(rider.latitude),
            "lon": float(rider.longitude),
            "at": local_iso(rider.located_at, zone),
        }
    if trip.state == Trip.State.OUT:
        here = (
            Point(float(rider.latitude), float(rider.longitude))
            if rider.latitude is not None
            else Point(float(store.latitude), float(store.longitude))
        )
        seconds = 0.0
        for previous in [*ahead, stop]:
            there = Point(
                float(previous.order.delivery_latitude), float(previous.order.delivery_longitude)
            )
            seconds += _seconds_between(here, there, speed=rider.speed)
            if previous is not stop:
                seconds += settings.DISPATCH_SERVICE_SECONDS
            here = there
        eta = now + datetime.timedelta(seconds=seconds)
    else:
        eta = max(stop.planned_arrival_at, now)
    promised = stop.promised_by or stop.order.promised_by
    late_by = max(0, int((eta - promised).total_seconds())) if promised else 0
    if late_by and ahead:
        why = "stops_before"
    elif late_by and trip.state != Trip.State.OUT:
        why = "not_left_yet"
    elif late_by:
        why = "traffic"
    else:
        why = ""
    return {
        "order_number": stop.order.number,
        "trip_state": trip.state,
        "rider": {"name": rider.display_name, "vehicle": rider.vehicle, "position": position},
        "stops_before": len(ahead),
        "eta": local_iso(eta, zone),
        "promised_by": local_iso(promised, zone),
        "late_by_s": late_by,
        "lateness_reason": why,
        "destination": {
            "lat": float(stop.order.delivery_latitude),
            "lon": float(stop.order.delivery_longitude),
        },
    }


def board(*, store, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The manager's dispatch board: riders with their trip, pending delivery orders by lateness
    risk (least slack first), active trips, and today's on-time rate."""
    now = now or timezone.now()
    zone = store.time_zone
    riders = list(Rider.objects.filter(store=store).order_by("display_name"))
    trips = list(
        Trip.objects.filter(store=store, state__in=Trip.ACTIVE)
        .select_related("rider")
        .prefetch_related(
            Prefetch(
                "stops",
                queryset=TripStop.objects.filter(is_active=True)
                .select_related("order")
                .order_by("sequence"),
            )
        )
        .order_by("planned_leaves_at")
    )
    on_trip = {stop.order_id for trip in trips for stop in trip.stops.all()}
    pending = [
        order
        for order in Order.objects.filter(
            store=store,
            channel="delivery",
            status__in=[OrderStatus.PAID, OrderStatus.PICKING, OrderStatus.PACKED],
        ).order_by("promised_by")
        if order.pk not in on_trip
    ]
    local_midnight = timezone.localtime(now, timezone=_zone(zone)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    finished = list(
        TripStop.objects.filter(
            trip__store=store,
            state__in=[TripStop.State.DELIVERED, TripStop.State.FAILED],
            finished_at__gte=local_midnight,
        ).values_list("state", "finished_at", "promised_by")
    )
    delivered = [row for row in finished if row[0] == TripStop.State.DELIVERED]
    on_time = sum(1 for _s, at, promised in delivered if promised is None or at <= promised)
    return {
        "now": local_iso(now, zone),
        "riders": riders,
        "trips": trips,
        "pending": [
            {
                "order": order,
                "slack_s": int((order.promised_by - now).total_seconds())
                if order.promised_by
                else None,
            }
            for order in pending
        ],
        "delivered_today": len(delivered),
        "failed_today": len(finished) - len(delivered),
        "on_time_today": on_time,
        "on_time_rate": (on_time / len(delivered)) if delivered else None,
    }


def board_summary(*, store, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The board's figures as its socket's snapshot: the page itself is rendered from `board`."""
    data = board(store=store, now=now)
    return {
        "store": store.code,
        "now": data["now"],
        "trips": len(data["trips"]),
        "waiting": len(data["pending"]),
        "riders_on_duty": sum(1 for r in data["riders"] if r.duty == Rider.Duty.ON_DUTY),
        "delivered_today": data["delivered_today"],
        "failed_today": data["failed_today"],
        "on_time_today": data["on_time_today"],
    }


def _zone(name: str):
    import zoneinfo

    return zoneinfo.ZoneInfo(name)
