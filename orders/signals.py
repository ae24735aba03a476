"""Domain events of orders, for the apps above it (fulfillment, members, insights).

Every signal is sent once the transaction that made the change has COMMITTED, never inside it
(`omostore.domain_events.send_after_commit`): a receiver sees committed rows and cannot undo the
change. A receiver that starts work schedules an idempotent Celery task and the receiving app
keeps a periodic task that catches up on what a lost message missed. Receivers live in the
receiving app's `receivers.py` and are connected in its `AppConfig.ready()`.

Each signal passes the committed `order` (re-read it if you need fresh related rows) and the
keyword arguments listed beside it. Receivers must accept `**kwargs`.
"""

from __future__ import annotations

from django.dispatch import Signal

# order: a new order was placed from a cart (status placed; its stock is reserved).
order_placed = Signal()

# order: the order's payment succeeded and it became paid (any channel; in store and register
# sales are complete at this point, pickup and delivery orders go on to be picked).
order_paid = Signal()

# order, from_status, to_status, event_id: any status change, one per OrderEvent of that kind.
order_status_changed = Signal()

# order, actor (User or None), reason (str): the order was cancelled (by the shopper, the staff,
# or because it was not paid in time); its reservations are released and any payment refunded.
order_cancelled = Signal()

# order, amount (int, minor units), refund_id (int), lines (list of {"line_id", "quantity"};
# empty for a refund by amount only): money went back to the shopper for this order.
order_refunded = Signal()
