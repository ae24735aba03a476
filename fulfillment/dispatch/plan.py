"""What the planner answers: trips per rider with planned times, and the orders it could not
plan. Frozen dataclasses; the Django layer commits some of them (see ``policy``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from fulfillment.dispatch.instance import OrderId, RiderId


class Method(enum.StrEnum):
    PYVRP = "pyvrp"
    GREEDY = "greedy"
    WARM_START = "warm_start"
    """The previous tick's plan, completed by the greedy (a fallback, like ``GREEDY``)."""


@dataclass(frozen=True, slots=True)
class PlannedStop:
    order_id: OrderId
    arrives_at: datetime
    leaves_at: datetime
    promised_by: datetime
    late_s: int
    """Seconds after ``promised_by`` that the rider arrives (0 when on time)."""


@dataclass(frozen=True, slots=True)
class PlannedTrip:
    """One trip: the rider loads at the store from ``loads_at`` (when the rider is back and the
    last bag of the trip is ready), leaves at ``leaves_at``, delivers ``stops`` in order and is
    back at ``returns_at``. ``started`` trips are the fixed inputs, echoed with fresh ETAs."""

    rider_id: RiderId
    loads_at: datetime
    leaves_at: datetime
    returns_at: datetime
    stops: tuple[PlannedStop, ...]
    bags: int
    capacity: int
    travel_s: int
    distance_m: int
    started: bool = False

    @property
    def order_ids(self) -> tuple[OrderId, ...]:
        return tuple(stop.order_id for stop in self.stops)

    @property
    def late_stops(self) -> tuple[PlannedStop, ...]:
        return tuple(stop for stop in self.stops if stop.late_s > 0)


class UnplannedReason(enum.StrEnum):
    TOO_MANY_BAGS = "too_many_bags"
    """No rider on duty can carry all of the order's bags at once."""
    NO_RIDER_IN_TIME = "no_rider_in_time"
    """No rider can deliver it and be back before the end of the shift."""
    NOT_PLANNED = "not_planned"
    """Riders exist, but the plan has no room for it this tick (it stays pooled)."""


@dataclass(frozen=True, slots=True)
class UnplannedOrder:
    order_id: OrderId
    reason: UnplannedReason


@dataclass(frozen=True, slots=True)
class Plan:
    """A plan for every pending order: ``trips`` (started ones first, then the planned trips of
    each rider in departure order) and ``unplanned`` orders.

    ``method`` says who made it; ``fallback_reason`` why the starting plan (greedy, or the
    previous tick's completed by the greedy) was used instead of PyVRP's (``None`` when PyVRP's
    plan was used, or when the greedy was asked for directly).
    ``cost`` is the planner's objective, the same for both methods: seconds of riding plus
    ``lateness_weight`` x seconds late plus ``unplanned_penalty`` per unplanned order.
    """

    now: datetime
    trips: tuple[PlannedTrip, ...]
    unplanned: tuple[UnplannedOrder, ...]
    method: Method
    fallback_reason: str | None
    plan_s: float
    cost: int

    @property
    def planned_trips(self) -> tuple[PlannedTrip, ...]:
        """The trips that are not started: what the dispatcher may commit or re-plan."""
        return tuple(trip for trip in self.trips if not trip.started)

    @property
    def travel_s(self) -> int:
        """Total riding time of the planned (not started) trips, in seconds."""
        return sum(trip.travel_s for trip in self.planned_trips)

    @property
    def distance_m(self) -> int:
        return sum(trip.distance_m for trip in self.planned_trips)

    @property
    def late_stops(self) -> tuple[PlannedStop, ...]:
        return tuple(stop for trip in self.trips for stop in trip.late_stops)

    def routes(self) -> dict[RiderId, list[list[OrderId]]]:
        """The planned (not started) trips as plain data, rider -> trips -> order ids in
        order: what to keep between ticks (e.g. as JSON in Redis) and hand back to the next
        tick's ``plan(warm_start=...)``."""
        out: dict[RiderId, list[list[OrderId]]] = {}
        for trip in self.planned_trips:
            out.setdefault(trip.rider_id, []).append(list(trip.order_ids))
        return out

    def trips_of(self, rider_id: RiderId) -> tuple[PlannedTrip, ...]:
        return tuple(trip for trip in self.trips if trip.rider_id == rider_id)

    def stop_of(self, order_id: OrderId) -> PlannedStop | None:
        for trip in self.trips:
            for stop in trip.stops:
                if stop.order_id == order_id:
                    return stop
        return None
