"""Cancellation by the member, by the store, or by the clock (a payment that never came).

One rule per party (`orders.statuses.member_may_cancel`, `staff_may_cancel`). A cancelled order
releases the stock it holds and refunds everything still paid for it, line by line; an order that
was never paid gives its lines back to the member's cart instead, so nothing they chose is lost.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Member
from orders import errors
from orders.models import STAFF_CANCEL_REASONS, CancelReason, Order, OrderStatus
from orders.services.cart import restore_cart_from_order
from orders.services.pipeline import release_reservation, set_status
from orders.services.refunds import refund_remaining
from orders.statuses import member_may_cancel, staff_may_cancel
from payments import selectors as payment_selectors
from payments import services as payment_services

logger = logging.getLogger(__name__)


def _cancel(*, order: Order, actor, reason: str, note: str, refund_key: str, request: str = ""):
    """Release, cancel, stop pending payments, then refund what was paid or give the lines back
    to the cart. Needs a transaction holding the order's lock."""
    was_paid = order.paid_at is not None
    release_reservation(order)
    set_status(
        order=order,
        to_status=OrderStatus.CANCELLED,
        actor=actor,
        note=note,
        reason=reason,
        payload={"request": request} if request else None,
    )
    for payment in payment_selectors.pending_payments_for(reference=order.number):
        payment_services.cancel_payment(payment=payment)
    if was_paid:
        refund_remaining(
            order=order, actor=actor, reason=reason, note=note, idempotency_key=refund_key
        )
    else:
        restore_cart_from_order(order=order)


@transaction.atomic
def cancel_unpaid_order(*, order_id: int, reason: str, note: str = "", actor=None) -> bool:
    """Cancel an order that was never paid (its payment failed, could not start, or did not
    come in time). False when it is no longer placed (paid meanwhile, or already cancelled)."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status != OrderStatus.PLACED:
        return False
    _cancel(order=order, actor=actor, reason=reason, note=note, refund_key="")
    return True


def expire_unpaid_orders(*, now: datetime.datetime | None = None) -> int:
    """Cancel the orders whose payment did not arrive in time: stock released, lines back in the
    cart, pending payment canceled. Safe to run twice."""
    now = now or timezone.now()
    expired = 0
    for order_id in Order.objects.filter(
        status=OrderStatus.PLACED, reserved_until__lt=now
    ).values_list("pk", flat=True):
        if cancel_unpaid_order(
            order_id=order_id,
            reason=CancelReason.NOT_PAID_IN_TIME,
            note="not paid in time; stock released",
        ):
            expired += 1
    return expired


@transaction.atomic
def cancel_order(*, order: Order, member: Member, actor=None) -> Order:
    """The member cancels before picking starts: a paid order is refunded in full (every line);
    an unpaid one gives its lines back to the cart."""
    order = Order.objects.select_for_update().get(pk=order.pk, member=member)
    if not member_may_cancel(channel=order.channel, status=order.status):
        raise errors.NotCancellable(
            _("This order can no longer be cancelled here; please ask at the counter.")
        )
    _cancel(
        order=order,
        actor=actor,
        reason=CancelReason.MEMBER_CANCELLED,
        note="cancelled by the member",
        refund_key=f"cancel:{order.number}",
    )
    return order


@transaction.atomic
def cancel_order_by_staff(
    *, order: Order, actor, reason: str, idempotency_key: str, note: str = ""
) -> Order:
    """The store cancels an order that has not left it (a shopper who never collects, a
    shortage): its stock is released and everything paid is refunded, line by line, to where
    it came from. `idempotency_key` comes from the request, so a retry changes nothing."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if (
        order.status == OrderStatus.CANCELLED
        and order.events.filter(
            to_status=OrderStatus.CANCELLED, payload__request=idempotency_key
        ).exists()
    ):
        return order  # the same request again
    if reason not in STAFF_CANCEL_REASONS:
        raise errors.InvalidRefund(
            _("Choose why the order is cancelled."),
            details={"reasons": [str(r) for r in STAFF_CANCEL_REASONS]},
        )
    if not staff_may_cancel(channel=order.channel, status=order.status):
        raise errors.NotCancellable(
            _("An order that is %(status)s can no longer be cancelled.")
            % {"status": order.get_status_display()},
            details={"status": order.status},
        )
    _cancel(
        order=order,
        actor=actor,
        reason=reason,
        note=note or CancelReason(reason).label,
        refund_key=f"staff-cancel:{idempotency_key}",
        request=idempotency_key,
    )
    return order
