"""The fallback planner: nearest-first trips, most urgent order first, in milliseconds.

Used when PyVRP fails or has no time left, and as PyVRP's starting solution (so PyVRP's answer
is never worse than this one by the planner's own cost).

The rider who is free at the store earliest takes the next trip. The trip starts with the most
urgent order (least slack if it left with it alone) among those ready within ``ready_window_s``
of the rider being free (else the order ready first), then repeatedly adds the nearest of the
``neighbours`` closest remaining orders to its last stop that fits in the rider's box, keeps
every stop that was on time on time, is itself on time, and keeps the rider within the shift.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence

import numpy as np

from fulfillment.dispatch.instance import OrderId, RiderId
from fulfillment.dispatch.problem import Problem, RiderSlot, trip_times


def greedy_routes(
    problem: Problem,
    *,
    start: dict[int, list[list[int]]] | None = None,
    ready_window_s: int = 120,
    neighbours: int = 8,
) -> dict[int, list[list[int]]]:
    """Routes (rider slot index -> trips -> pending order indices) covering every order that
    some rider can take, as far as riders' shifts allow. ``start`` (valid routes, see
    ``routes_from_ids``) is kept and completed: its riders take new trips after its trips."""
    start = start or {}
    todo = np.ones(problem.n_orders, dtype=bool)
    for i in problem.unplannable:
        todo[i] = False
    routes: dict[int, list[list[int]]] = {slot.index: [] for slot in problem.riders}
    heap = []
    for slot in problem.riders:
        kept = [list(stops) for stops in start.get(slot.index, []) if stops]
        routes[slot.index] = kept
        free = slot.free_s
        for stops in kept:
            todo[stops] = False
            free = trip_times(problem, slot, stops, free).returns_s
        heap.append((free, slot.index))
    heapq.heapify(heap)
    while todo.any() and heap:
        free, index = heapq.heappop(heap)
        slot = problem.riders[index]
        if routes[index] and not problem.settings.multi_trip:
            continue
        trip = _trip(problem, slot, free, todo, ready_window_s, neighbours)
        if not trip:
            continue  # nothing this rider can still take: off the heap for good
        routes[index].append(trip)
        todo[trip] = False
        heapq.heappush(heap, (trip_times(problem, slot, trip, free).returns_s, index))
    return {index: trips for index, trips in routes.items() if trips}


def _trip(
    problem: Problem,
    slot: RiderSlot,
    free: int,
    todo: np.ndarray,
    ready_window_s: int,
    neighbours: int,
) -> list[int]:
    # Every remaining order this rider could take alone, with its arrival on such a trip.
    doors = slice(1, problem.n_orders + 1)  # pending orders' points (started trips' follow)
    out = slot.durations[0, doors]
    back = slot.durations[doors, 0]
    loads = np.maximum(free, problem.release_s)
    arrival = loads + problem.handover_s + out
    fits = (
        todo & (problem.bags <= slot.capacity) & (arrival + problem.service_s + back <= slot.end_s)
    )
    candidates = np.flatnonzero(fits)
    if candidates.size == 0:
        return []
    ready = candidates[problem.release_s[candidates] <= free + ready_window_s]
    if ready.size:
        slack = problem.deadline_s[ready] - arrival[ready]
        seed = int(ready[np.argmin(slack)])
    else:
        seed = int(candidates[np.argmin(problem.release_s[candidates])])
    trip = [seed]
    left = fits.copy()
    left[seed] = False
    while left.any():
        times = trip_times(problem, slot, trip, free)
        room = slot.capacity - times.bags
        on_time = [
            arrival <= problem.deadline_s[i]
            for i, arrival in zip(trip, times.arrivals_s, strict=True)
        ]
        near = np.flatnonzero(left & (problem.bags <= room))
        if near.size == 0:
            break
        from_last = slot.durations[problem.loc(trip[-1]), near + 1]
        near = near[np.argsort(from_last, kind="stable")[:neighbours]]
        added = None
        for i in (int(k) for k in near):
            longer = trip_times(problem, slot, [*trip, i], free)
            if longer.returns_s > slot.end_s:
                continue
            if longer.arrivals_s[-1] > problem.deadline_s[i]:
                continue
            if any(
                was and arrival > problem.deadline_s[j]
                for j, was, arrival in zip(trip, on_time, longer.arrivals_s, strict=False)
            ):
                continue
            added = i
            break
        if added is None:
            break
        trip.append(added)
        left[added] = False
    return trip


def routes_from_ids(
    problem: Problem, plan_routes: Mapping[RiderId, Sequence[Sequence[OrderId]]]
) -> dict[int, list[list[int]]]:
    """Routes by rider slot and pending order index from routes by rider and order id (a
    previous tick's ``Plan.routes()``), keeping only what still holds: riders still usable,
    orders still pending and plannable, each once, boxes not overfull, and each rider back
    before the end of the shift (trips are dropped from the end until so)."""
    slot_of = {slot.rider.id: slot for slot in problem.riders}
    index_of = {order.id: i for i, order in enumerate(problem.instance.orders)}
    used: set[int] = set()
    out: dict[int, list[list[int]]] = {}
    for rider_id, trips in plan_routes.items():
        slot = slot_of.get(rider_id)
        if slot is None:
            continue
        kept: list[list[int]] = []
        for trip in trips:
            stops = []
            for order_id in trip:
                i = index_of.get(order_id)
                if i is None or i in used or i in problem.unplannable:
                    continue
                stops.append(i)
                used.add(i)
            if stops and sum(int(problem.bags[i]) for i in stops) <= slot.capacity:
                kept.append(stops)
            else:
                used.difference_update(stops)
        while kept:
            free = slot.free_s
            for stops in kept:
                free = trip_times(problem, slot, stops, free).returns_s
            if free <= slot.end_s:
                break
            used.difference_update(kept.pop())
        if kept:
            out[slot.index] = kept
    return out
