"""Domain events of payments, for the apps above it (orders).

Each is sent inside the transaction that changes the payment or refund, so a receiver's writes
commit or roll back with it; a receiver that raises undoes the change (and a webhook delivery
is then answered with an error, so the provider delivers it again).
"""

from django.dispatch import Signal

# kwargs: payment (Payment). Sent once per payment, when it becomes succeeded; also for wallet
# top-ups (reference "TOPUP-<id>"), which are no order. A payment that was canceled or failed
# here but that the provider then reports as succeeded (the money moved) is sent too.
payment_succeeded = Signal()

# kwargs: payment (Payment). Sent once when a pending payment fails (declined) or the provider
# cancels it on its own; never after payment_succeeded.
payment_failed = Signal()

# kwargs: refund (Refund). Sent once when a refund succeeds.
refund_succeeded = Signal()

# kwargs: refund (Refund). Sent once when the provider gives up on a pending refund (its amount
# is refundable again); never after refund_succeeded.
refund_failed = Signal()
