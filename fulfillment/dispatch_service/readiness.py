"""When each pending order's bags will be ready: the release time the planner respects.

One selector, so that pick and pack can replace the estimate with its pick tasks' own forecast:
a packed order is ready now; an order still being picked is ready after
`DISPATCH_PICKING_ESTIMATE_SECONDS`, counted from now (at least) — pick and pack will know better.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings

from orders.models import Order, OrderStatus


def expected_ready_times(*, orders: Iterable[Order], now: datetime) -> dict[int, datetime]:
    estimate = timedelta(seconds=settings.DISPATCH_PICKING_ESTIMATE_SECONDS)
    return {
        order.pk: now if order.status == OrderStatus.PACKED else now + estimate for order in orders
    }
