"""The fallback planner: nearest-first trips, most urgent order first, in a few milliseconds.

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

from fulfillment.dispatch.problem import Problem, RiderSlot, trip_times


def greedy_routes(
    problem: Problem, *, ready_window_s: int = 120, neighbours: int = 8
) -> dict[int, list[list[int]]]:
    """Routes (rider slot index -> trips -> pending order indices) covering every order that
    some rider can take, as far as riders' shifts allow."""
    todo = {i for i in range(problem.n_orders) if i not in problem.unplannable}
    routes: dict[int, list[list[int]]] = {slot.index: [] for slot in problem.riders}
    heap = [(slot.free_s, slot.index) for slot in problem.riders]
    heapq.heapify(heap)
    while todo and heap:
        free, index = heapq.heappop(heap)
        slot = problem.riders[index]
        if routes[index] and not problem.settings.multi_trip:
            continue
        trip = _trip(problem, slot, free, todo, ready_window_s, neighbours)
        if not trip:
            continue  # nothing this rider can still take: off the heap for good
        routes[index].append(trip)
        todo.difference_update(trip)
        heapq.heappush(heap, (trip_times(problem, slot, trip, free).returns_s, index))
    return {index: trips for index, trips in routes.items() if trips}


def _trip(
    problem: Problem,
    slot: RiderSlot,
    free: int,
    todo: set[int],
    ready_window_s: int,
    neighbours: int,
) -> list[int]:
    candidates = [
        i
        for i in todo
        if problem.bags[i] <= slot.capacity
        and trip_times(problem, slot, [i], free).returns_s <= slot.end_s
    ]
    if not candidates:
        return []
    ready = [i for i in candidates if problem.release_s[i] <= free + ready_window_s]
    if ready:
        seed = min(ready, key=lambda i: (_slack(problem, slot, free, i), i))
    else:
        seed = min(candidates, key=lambda i: (int(problem.release_s[i]), i))
    trip = [seed]
    left = set(candidates) - {seed}
    while left:
        times = trip_times(problem, slot, trip, free)
        room = slot.capacity - times.bags
        on_time = [
            arrival <= problem.deadline_s[i]
            for i, arrival in zip(trip, times.arrivals_s, strict=True)
        ]
        last = problem.loc(trip[-1])
        near = sorted(
            (i for i in left if problem.bags[i] <= room),
            key=lambda i: (int(slot.durations[last, problem.loc(i)]), i),
        )[:neighbours]
        added = None
        for i in near:
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
        left.discard(added)
    return trip


def _slack(problem: Problem, slot: RiderSlot, free: int, order: int) -> int:
    arrival = trip_times(problem, slot, [order], free).arrivals_s[0]
    return int(problem.deadline_s[order]) - arrival
