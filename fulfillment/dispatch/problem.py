"""One tick's problem in whole seconds and metres, shared by the PyVRP model and the greedy
fallback, and the one schedule rule both are judged by.

Times are seconds after ``Instance.now``. Point 0 is the store; points 1..n are the pending
orders in ``Instance.orders`` order; the started trips' rider positions and stops come after.

The schedule rule (PyVRP's, checked against ``pyvrp.Route.schedule``): a trip's loading at the
store starts when the rider is there and every bag of the trip is ready, lasts the depot's
handover time, then the rider rides from stop to stop, spending each order's service time at
its door, and rides back; the next trip loads from the moment the rider is back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from fulfillment.dispatch.instance import Instance, Order, Point, Rider, StartedTrip, Vehicle
from fulfillment.dispatch.plan import (
    Method,
    Plan,
    PlannedStop,
    PlannedTrip,
    UnplannedOrder,
    UnplannedReason,
)
from fulfillment.dispatch.travel import RoadMatrixProvider, TravelTimes, travel_times


@dataclass(frozen=True)
class Settings:
    """The planner's knobs. ``lateness_weight``: one second late costs as much as this many
    seconds of rider time. ``late_tiers_s``: the lateness steps the PyVRP model prices (see
    ``solver``). ``multi_trip``: plan riders' later trips too (reloading at the store), so the
    first trip is chosen knowing what comes after; only first trips are ever committed."""

    lateness_weight: int = 5
    late_tiers_s: tuple[int, ...] = (300, 900)
    unbounded_late_s: int = 1800
    unplanned_penalty: int = 1_000_000
    multi_trip: bool = True


@dataclass(frozen=True)
class RiderSlot:
    """A rider as the planner sees one: free at the store from ``free_s`` (now, or back from a
    started trip) until ``end_s``."""

    index: int
    rider: Rider
    free_s: int
    end_s: int
    capacity: int
    durations: np.ndarray
    profile: tuple[Vehicle, float]


@dataclass(frozen=True)
class Problem:
    instance: Instance
    travel: TravelTimes
    settings: Settings
    release_s: np.ndarray  # per pending order
    deadline_s: np.ndarray  # per pending order (negative: already late)
    bags: np.ndarray
    service_s: np.ndarray
    handover_s: int
    riders: tuple[RiderSlot, ...]  # usable riders only
    unplannable: dict[int, UnplannedReason]  # pending order index -> why no rider can take it
    started: tuple[PlannedTrip, ...]

    @property
    def n_orders(self) -> int:
        return len(self.instance.orders)

    @property
    def distance_m(self) -> np.ndarray:
        return self.travel.distance_m

    def loc(self, order: int) -> int:
        """Travel-matrix index of pending order ``order``."""
        return order + 1


@dataclass(frozen=True)
class TripTimes:
    loads_s: int
    leaves_s: int
    returns_s: int
    arrivals_s: tuple[int, ...]
    travel_s: int
    distance_m: int
    bags: int


def build_problem(
    instance: Instance,
    *,
    provider: RoadMatrixProvider | None = None,
    settings: Settings | None = None,
) -> Problem:
    settings = settings or Settings()
    orders = instance.orders
    points: list[Point] = [instance.depot.location] + [order.location for order in orders]
    started_index: list[tuple[StartedTrip, int]] = []
    for trip in instance.started_trips:
        started_index.append((trip, len(points)))
        points.append(trip.position)
        points.extend(stop.location for stop in trip.stops)
    travel = travel_times(points, provider)

    release = np.array([max(0, math.ceil(instance.seconds(o.ready_at))) for o in orders], np.int64)
    deadline = np.array([math.floor(instance.seconds(o.promised_by)) for o in orders], np.int64)
    bags = np.array([o.bags for o in orders], np.int64)
    service = np.array([o.service_s for o in orders], np.int64)
    handover = instance.depot.handover_s

    riders_by_id = {rider.id: rider for rider in instance.riders}
    back_s: dict[object, int] = {}
    started: list[PlannedTrip] = []
    for trip, first in started_index:
        rider = riders_by_id[trip.rider_id]
        durations = travel.duration_s(rider.vehicle, rider.speed)
        planned, back = _started_trip(instance, travel, durations, trip, first, rider.capacity)
        started.append(planned)
        back_s[trip.rider_id] = back

    slots: list[RiderSlot] = []
    for rider in instance.riders:
        free = max(0, math.ceil(instance.seconds(rider.available_at)), back_s.get(rider.id, 0))
        end = math.floor(instance.seconds(rider.shift_ends_at))
        if end <= free + handover:
            continue
        slots.append(
            RiderSlot(
                index=len(slots),
                rider=rider,
                free_s=free,
                end_s=end,
                capacity=rider.capacity,
                durations=travel.duration_s(rider.vehicle, rider.speed),
                profile=(rider.vehicle, rider.speed),
            )
        )

    unplannable: dict[int, UnplannedReason] = {}
    max_capacity = max((slot.capacity for slot in slots), default=0)
    for i in range(len(orders)):
        if bags[i] > max_capacity:
            unplannable[i] = UnplannedReason.TOO_MANY_BAGS
            continue
        reachable = False
        for slot in slots:
            if bags[i] > slot.capacity:
                continue
            loc = i + 1
            back = (
                max(slot.free_s, release[i])
                + handover
                + slot.durations[0, loc]
                + service[i]
                + slot.durations[loc, 0]
            )
            if back <= slot.end_s:
                reachable = True
                break
        if not reachable:
            unplannable[i] = UnplannedReason.NO_RIDER_IN_TIME

    return Problem(
        instance=instance,
        travel=travel,
        settings=settings,
        release_s=release,
        deadline_s=deadline,
        bags=bags,
        service_s=service,
        handover_s=handover,
        riders=tuple(slots),
        unplannable=unplannable,
        started=tuple(started),
    )


def _started_trip(
    instance: Instance,
    travel: TravelTimes,
    durations: np.ndarray,
    trip: StartedTrip,
    first: int,
    capacity: int,
) -> tuple[PlannedTrip, int]:
    """ETAs of a started trip from the rider's position, and when the rider is back (seconds)."""
    now = instance.now
    t = 0
    at = first  # the rider's position
    stops: list[PlannedStop] = []
    travel_s = distance = 0
    for k, order in enumerate(trip.stops, start=1):
        loc = first + k
        travel_s += int(durations[at, loc])
        distance += int(travel.distance_m[at, loc])
        t += int(durations[at, loc])
        stops.append(_stop(instance, order, t))
        t += order.service_s
        at = loc
    travel_s += int(durations[at, 0])
    distance += int(travel.distance_m[at, 0])
    t += int(durations[at, 0])
    planned = PlannedTrip(
        rider_id=trip.rider_id,
        loads_at=now,
        leaves_at=now,
        returns_at=now + timedelta(seconds=t),
        stops=tuple(stops),
        bags=sum(order.bags for order in trip.stops),
        capacity=capacity,
        travel_s=travel_s,
        distance_m=distance,
        started=True,
    )
    return planned, t


def _stop(instance: Instance, order: Order, arrival_s: int) -> PlannedStop:
    arrives = instance.now + timedelta(seconds=arrival_s)
    return PlannedStop(
        order_id=order.id,
        arrives_at=arrives,
        leaves_at=arrives + timedelta(seconds=order.service_s),
        promised_by=order.promised_by,
        late_s=max(0, math.ceil((arrives - order.promised_by).total_seconds())),
    )


def trip_times(problem: Problem, slot: RiderSlot, stops: list[int], free_s: int) -> TripTimes:
    """The schedule of one trip of ``slot`` over pending orders ``stops`` (in order), the rider
    being at the store from ``free_s``."""
    durations = slot.durations
    loads = max([free_s] + [int(problem.release_s[i]) for i in stops])
    t = loads + problem.handover_s
    leaves = t
    at = 0
    arrivals = []
    travel_s = distance = 0
    for i in stops:
        loc = problem.loc(i)
        leg = int(durations[at, loc])
        travel_s += leg
        distance += int(problem.distance_m[at, loc])
        t += leg
        arrivals.append(t)
        t += int(problem.service_s[i])
        at = loc
    leg = int(durations[at, 0])
    travel_s += leg
    distance += int(problem.distance_m[at, 0])
    t += leg
    return TripTimes(
        loads_s=loads,
        leaves_s=leaves,
        returns_s=t,
        arrivals_s=tuple(arrivals),
        travel_s=travel_s,
        distance_m=distance,
        bags=int(sum(int(problem.bags[i]) for i in stops)),
    )


def route_times(problem: Problem, slot: RiderSlot, trips: list[list[int]]) -> list[TripTimes]:
    out = []
    free = slot.free_s
    for stops in trips:
        times = trip_times(problem, slot, stops, free)
        out.append(times)
        free = times.returns_s
    return out


def lateness_s(problem: Problem, order: int, arrival_s: int) -> int:
    return max(0, arrival_s - int(problem.deadline_s[order]))


class PlanInvalid(RuntimeError):
    """A plan breaks a hard rule (capacity, shift end, an order twice): never committed."""


def make_plan(
    problem: Problem,
    routes: dict[int, list[list[int]]],
    *,
    method: Method,
    fallback_reason: str | None,
    plan_s: float,
) -> Plan:
    """Check ``routes`` (rider slot index -> trips -> pending order indices) against the hard
    rules and turn them into a ``Plan`` with times, lateness and the shared cost."""
    instance = problem.instance
    now = instance.now
    seen: set[int] = set()
    trips: list[PlannedTrip] = list(problem.started)
    cost = 0
    for slot_index in sorted(routes):
        slot = problem.riders[slot_index]
        route = [stops for stops in routes[slot_index] if stops]
        if not route:
            continue
        times = route_times(problem, slot, route)
        if times[-1].returns_s > slot.end_s:
            raise PlanInvalid(f"rider {slot.rider.id!r} is back after the end of the shift")
        for stops, t in zip(route, times, strict=True):
            cost += t.travel_s
            if t.bags > slot.capacity:
                raise PlanInvalid(f"rider {slot.rider.id!r}: {t.bags} bags > {slot.capacity}")
            planned_stops = []
            for i, arrival in zip(stops, t.arrivals_s, strict=True):
                if i in seen or i in problem.unplannable:
                    raise PlanInvalid(f"order index {i} planned twice or unplannable")
                seen.add(i)
                cost += problem.settings.lateness_weight * lateness_s(problem, i, arrival)
                planned_stops.append(_stop(instance, instance.orders[i], arrival))
            trips.append(
                PlannedTrip(
                    rider_id=slot.rider.id,
                    loads_at=now + timedelta(seconds=t.loads_s),
                    leaves_at=now + timedelta(seconds=t.leaves_s),
                    returns_at=now + timedelta(seconds=t.returns_s),
                    stops=tuple(planned_stops),
                    bags=t.bags,
                    capacity=slot.capacity,
                    travel_s=t.travel_s,
                    distance_m=t.distance_m,
                )
            )
    unplanned = []
    for i, order in enumerate(instance.orders):
        if i in seen:
            continue
        reason = problem.unplannable.get(i, UnplannedReason.NOT_PLANNED)
        unplanned.append(UnplannedOrder(order_id=order.id, reason=reason))
        cost += problem.settings.unplanned_penalty
    return Plan(
        now=now,
        trips=tuple(trips),
        unplanned=tuple(unplanned),
        method=method,
        fallback_reason=fallback_reason,
        plan_s=plan_s,
        cost=cost,
    )
