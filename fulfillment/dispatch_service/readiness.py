"""When each pending order's bags will be ready: the release time the planner respects.

One selector, so that pick and pack can replace the estimate with its pick tasks' own forecast:
a packed order is ready now; an order being picked is ready `DISPATCH_PICKING_ESTIMATE_SECONDS`
after picking started (its last status change), and never sooner than a minute from now (it is
not packed yet, and packing takes a moment).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings

from orders.models import Order, OrderStatus

STILL_TO_PACK = timedelta(seconds=60)


def expected_ready_times(*, orders: Iterable[Order], now: datetime) -> dict[int, datetime]:
    estimate = timedelta(seconds=settings.DISPATCH_PICKING_ESTIMATE_SECONDS)
    ready = {}
    for order in orders:
        if order.status == OrderStatus.PACKED:
            ready[order.pk] = now
        else:
            started = min(order.updated_at or now, now)
            ready[order.pk] = max(now + STILL_TO_PACK, started + estimate)
    return ready
