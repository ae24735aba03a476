"""Which planned trips to commit this tick: plan everything, commit only what must go now.

This is the must-dispatch rule of the EURO Meets NeurIPS 2022 dynamic VRP challenge, adapted to
a store whose riders come back between trips: at every tick the whole pool is planned, but a
planned trip is handed to its rider only when waiting for the next tick would cost a promise
(or could not gain anything). Everything else stays pooled, so an order that can wait rides
with orders that come in later, and its trip is planned again at the next tick.

Definitions, for a rider's first planned trip ``T`` (trips already started are fixed inputs and
never considered here), with ``tick`` = the tick interval and ``now`` = the instance's time:

- ``delay(T) = max(0, now + tick - T.loads_at)``: how much later ``T`` would start loading if
  it were decided at the next tick instead of now. ``T.loads_at`` is when the rider is at the
  store and every bag of ``T`` is packed; when that is a tick or more away, deciding later
  costs nothing and ``T`` is never committed now.
- an order of ``T`` **must be dispatched** when ``arrives_at + delay(T) + margin_s >
  promised_by``: if ``T`` waited for the next tick, that order would miss its promise (or, if
  the plan already has it late, be later still). ``margin_s`` (default 0) keeps a safety margin
  for ETA errors.
- **waiting gains nothing** for ``T`` when its rider is ready and all its bags are packed
  (``T.loads_at <= now``) and ``T`` is full (its bags fill the rider's box): the one gain of
  waiting is pooling another order into the trip, and a full trip has no room for one.

``T`` is committed, whole, when one of its orders must be dispatched or waiting gains nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from fulfillment.dispatch.instance import Instance, OrderId, RiderId
from fulfillment.dispatch.plan import Plan, PlannedTrip
from fulfillment.dispatch.problem import Settings
from fulfillment.dispatch.solver import DEFAULT_BUDGET_S, SolveFunction, plan
from fulfillment.dispatch.travel import RoadMatrixProvider

DEFAULT_TICK_S = 10


class CommitReason(enum.StrEnum):
    MUST_DISPATCH = "must_dispatch"
    """An order of the trip would miss its promise (or be later still) if it waited a tick."""
    FULL_AND_READY = "full_and_ready"
    """Rider ready, all bags packed, the box full: waiting cannot pool anything more."""


@dataclass(frozen=True, slots=True)
class Commitment:
    trip: PlannedTrip
    reason: CommitReason
    urgent_order_ids: tuple[OrderId, ...]
    """The orders that must go now (empty when committed because it is full and ready)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """One tick's answer: the plan, the trips to commit now, and the pending orders that stay
    in the pool (planned on trips not committed yet, or not planned at all)."""

    plan: Plan
    commitments: tuple[Commitment, ...]
    pooled_order_ids: tuple[OrderId, ...]

    @property
    def committed_order_ids(self) -> tuple[OrderId, ...]:
        return tuple(i for c in self.commitments for i in c.trip.order_ids)


def wait_delay_s(trip: PlannedTrip, *, instance: Instance, tick_s: int) -> int:
    """How many seconds later ``trip`` would start loading if decided at the next tick."""
    next_tick = instance.now + timedelta(seconds=tick_s)
    return max(0, int((next_tick - trip.loads_at).total_seconds()))


def urgent_orders(
    trip: PlannedTrip, *, instance: Instance, tick_s: int = DEFAULT_TICK_S, margin_s: int = 0
) -> tuple[OrderId, ...]:
    """The orders of ``trip`` that must be dispatched now (see the module docstring)."""
    delay = wait_delay_s(trip, instance=instance, tick_s=tick_s)
    if delay == 0:
        return ()
    slip = timedelta(seconds=delay + margin_s)
    return tuple(stop.order_id for stop in trip.stops if stop.arrives_at + slip > stop.promised_by)


def decide(
    instance: Instance, plan: Plan, *, tick_s: int = DEFAULT_TICK_S, margin_s: int = 0
) -> Decision:
    """Apply the must-dispatch rule to ``plan`` (made for ``instance``): at most one trip per
    rider, the rider's first planned trip, committed whole."""
    if tick_s <= 0:
        raise ValueError("tick_s must be positive")
    first: dict[object, PlannedTrip] = {}
    for trip in plan.planned_trips:
        known = first.get(trip.rider_id)
        if known is None or trip.loads_at < known.loads_at:
            first[trip.rider_id] = trip
    commitments = []
    for trip in first.values():
        urgent = urgent_orders(trip, instance=instance, tick_s=tick_s, margin_s=margin_s)
        if urgent:
            commitments.append(Commitment(trip, CommitReason.MUST_DISPATCH, urgent))
        elif trip.loads_at <= instance.now and trip.bags >= trip.capacity:
            commitments.append(Commitment(trip, CommitReason.FULL_AND_READY, ()))
    committed = {i for c in commitments for i in c.trip.order_ids}
    pooled = tuple(order.id for order in instance.orders if order.id not in committed)
    return Decision(plan=plan, commitments=tuple(commitments), pooled_order_ids=pooled)


def dispatch_tick(
    instance: Instance,
    *,
    tick_s: int = DEFAULT_TICK_S,
    margin_s: int = 0,
    budget_s: float = DEFAULT_BUDGET_S,
    seed: int = 0,
    provider: RoadMatrixProvider | None = None,
    settings: Settings | None = None,
    solve: SolveFunction | None = None,
    warm_start: Mapping[RiderId, Sequence[Sequence[OrderId]]] | None = None,
) -> Decision:
    """One dispatcher tick: plan every pending order within ``budget_s``, then decide what to
    commit. The caller commits ``Decision.commitments`` (in one transaction, guarded so that an
    order is never on two trips) and leaves the pooled orders for the next tick; it may keep
    ``Decision.plan.routes()`` and pass it back as the next tick's ``warm_start``."""
    extra = {} if solve is None else {"solve": solve}
    planned = plan(
        instance,
        budget_s=budget_s,
        seed=seed,
        provider=provider,
        settings=settings,
        warm_start=warm_start,
        **extra,
    )
    return decide(instance, planned, tick_s=tick_s, margin_s=margin_s)
