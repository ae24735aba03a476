"""Domain events of orders, for the apps above it (fulfillment, members, insights).

Every signal is sent once the transaction that made the change has COMMITTED, never inside it
(`omostore.domain_events.send_after_commit`): a receiver sees committed rows and cannot undo the
change, and nothing is sent for a change that rolled back. Each happening is announced exactly
once, whichever path caused it (tests/orders/test_signals.py walks every path). A receiver that
starts work schedules an idempotent Celery task (`delay_on_commit`), never inside a payment
webhook's transaction, and the receiving app keeps a periodic task that catches up on what a lost
message missed. Receivers live in the receiving app's `receivers.py`, are connected in its
`AppConfig.ready()`, and must accept `**kwargs` (signals may gain arguments).

Every signal passes `order`: the committed Order (re-read it for fresh related rows). Reason codes
are `orders.models.CancelReason` and `orders.models.RefundReason` values.
"""

from __future__ import annotations

from django.dispatch import Signal

# A new order was placed from a cart: status `placed`, its stock reserved, its payment starting.
#   order
order_placed = Signal()

# The order's payment succeeded and it became `paid` (any channel; a scan & go order is then
# complete but for the exit, pickup and delivery orders go on to be picked). Sent once per order.
#   order, payment_id (int), method ("wallet" | "card" | "test"), amount (int, minor units)
order_paid = Signal()

# Any status change, one per `status_changed` OrderEvent (placing an order is not one).
#   order, from_status (str), to_status (str), event_id (int), actor (User | None),
#   reason (str: a CancelReason / RefundReason value, or "")
order_status_changed = Signal()

# The order was cancelled: by the member, by the store (`cancel_order_by_staff`), because its
# payment failed or could not start, or because it was not paid in time. Its stock is released;
# a paid order is refunded (each refund is its own `order_refunded`), an unpaid one gives its
# lines back to the member's cart. Sent after its `order_status_changed`.
#   order, from_status (str), actor (User | None), reason (CancelReason value), note (str),
#   event_id (int)
order_cancelled = Signal()

# Money went back to the shopper for this order: one signal per succeeded refund, whichever path
# asked for it (a cancellation, a line refund, a refund by amount, an automatic refund of a late
# or second payment, a refund made at the provider) and whenever it succeeded (a card refund
# succeeds when its webhook arrives).
#   order, order_refund_id (int), refund_id (int, payments' Refund), amount (int, minor units),
#   currency (str), destination ("wallet" | "card" | "test"), reason (RefundReason value),
#   lines (list of {"line_id", "quantity", "amount"}; empty for a refund by amount),
#   fully_refunded (bool: nothing is left to refund on any payment), event_id (int)
order_refunded = Signal()


# A HOOK, not an event: sent INSIDE the checkout transaction, before the order row exists, when a
# checkout asks to pay part of the cart with loyalty points. A receiver (members) takes the points
# from the member's balance for this checkout, idempotently by `idempotency_key`, or raises a
# domain error, which refuses the checkout and rolls back everything (nothing reserved, nothing
# taken). With no receiver, a checkout with points is refused. A cancelled or refunded order
# gives the points back through order_cancelled / order_refunded.
#   member, store, points (int), goods_total (int, minor units), idempotency_key (str),
#   order_number (str: the number the order will have if the checkout commits)
#   A receiver returns the number of points it took.
redeem_points = Signal()


# A HOOK, not an event: sent when the member's history lists orders (the history page, and the
# history group's snapshot and `history.order` rows), to show what each order earned. A receiver
# (members) answers with one read for all of them. With no receiver, nothing earned is shown.
#   member_id (int), numbers (list of order numbers, all the member's)
#   A receiver returns {order number: points earned by the purchase} (numbers that earned
#   nothing may be left out).
points_earned = Signal()
