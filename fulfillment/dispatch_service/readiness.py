"""When each pending order's bags will be ready: the release time the planner respects.

- packed: now;
- being picked, every pick task picked (only packing left): `PICK_PACKING_MINUTES` from now;
- being picked otherwise: `DISPATCH_PICKING_ESTIMATE_SECONDS` after picking started (its last
  status change), and never sooner than a minute plus packing from now.

One query for all the orders (their pick tasks, pick and pack's `PickTask`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings

from fulfillment.models import PickTask
from orders.models import Order, OrderStatus

STILL_TO_PICK = timedelta(seconds=60)
PICKING_DONE = frozenset({PickTask.Status.PICKED, PickTask.Status.PACKED})


def expected_ready_times(*, orders: Iterable[Order], now: datetime) -> dict[int, datetime]:
    orders = list(orders)
    estimate = timedelta(seconds=settings.DISPATCH_PICKING_ESTIMATE_SECONDS)
    packing = timedelta(minutes=settings.PICK_PACKING_MINUTES)
    picking = [order.pk for order in orders if order.status != OrderStatus.PACKED]
    unfinished: dict[int, bool] = {}
    for order_id, status in (
        PickTask.objects.filter(order_id__in=picking)
        .exclude(status=PickTask.Status.CANCELLED)
        .values_list("order_id", "status")
    ):
        unfinished[order_id] = unfinished.get(order_id, False) or status not in PICKING_DONE
    ready = {}
    for order in orders:
        if order.status == OrderStatus.PACKED:
            ready[order.pk] = now
        elif order.pk in unfinished and not unfinished[order.pk]:
            ready[order.pk] = now + packing  # every task picked: only packing left
        else:
            started = min(order.updated_at or now, now)
            ready[order.pk] = max(now + STILL_TO_PICK + packing, started + estimate)
    return ready
