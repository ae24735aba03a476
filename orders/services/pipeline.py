"""The status pipeline: every status change goes through `set_status`; cancellation, expiry
and refunds by the store."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Member
from catalog import services as catalog_services
from omostore import realtime
from omostore.domain_events import send_after_commit
from orders import errors, signals
from orders.models import (
    Channel,
    Order,
    OrderEvent,
    OrderStatus,
)
from orders.statuses import CANCELLABLE_BY_MEMBER, can_transition
from payments import services as payment_services
from payments.models import Payment

logger = logging.getLogger(__name__)


def order_group(order: Order) -> str:
    return realtime.group_name("order", order.pk)


def set_status(*, order: Order, to_status: str, actor=None, note: str = "") -> OrderEvent:
    """Move the order along the pipeline, or raise InvalidTransition. The UPDATE is guarded by
    the status it read, so two racing changes cannot both win. Needs a transaction."""
    from_status = order.status
    if not can_transition(channel=order.channel, from_status=from_status, to_status=to_status):
        raise errors.InvalidTransition(
            _("An order that is %(from)s cannot become %(to)s.")
            % {"from": from_status, "to": to_status},
            details={"from": from_status, "to": to_status},
        )
    changed = Order.objects.filter(pk=order.pk, status=from_status).update(
        status=to_status, updated_at=timezone.now()
    )
    if not changed:
        raise errors.InvalidTransition(_("The order changed meanwhile; reload it."))
    order.status = to_status
    event = OrderEvent.objects.create(
        order=order, from_status=from_status, to_status=to_status, actor=actor, note=note
    )
    payload = {
        "number": order.number,
        "status": to_status,
        "from": from_status,
        "at": event.created_at.isoformat(),
        "note": note,
    }
    realtime.publish(order_group(order), "order.status", payload)
    realtime.publish(realtime.group_name("store", order.store_id), "order.status", payload)
    send_after_commit(
        signals.order_status_changed,
        sender=Order,
        order=order,
        from_status=from_status,
        to_status=to_status,
        event_id=event.pk,
    )
    if to_status == OrderStatus.PAID:
        send_after_commit(signals.order_paid, sender=Order, order=order)
    elif to_status == OrderStatus.CANCELLED:
        send_after_commit(
            signals.order_cancelled, sender=Order, order=order, actor=actor, reason=note
        )
    return event


def _order_quantities(order: Order) -> dict[int, int]:
    quantities: dict[int, int] = {}
    for offer_id, quantity in order.lines.values_list("offer_id", "quantity"):
        quantities[offer_id] = quantities.get(offer_id, 0) + quantity
    return quantities


def release_reservation(order: Order) -> None:
    if order.stock_reserved:
        catalog_services.release_stock(quantities=_order_quantities(order))
        Order.objects.filter(pk=order.pk).update(stock_reserved=False)
        order.stock_reserved = False


@transaction.atomic
def cancel_unpaid_order(*, order_id: int, note: str, actor=None) -> bool:
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status != OrderStatus.PLACED:
        return False
    release_reservation(order)
    set_status(order=order, to_status=OrderStatus.CANCELLED, actor=actor, note=note)
    return True


def expire_unpaid_orders(*, now: datetime.datetime | None = None) -> int:
    """Release the stock of orders whose payment did not arrive in time. Safe to run twice."""
    now = now or timezone.now()
    expired = 0
    for order_id in Order.objects.filter(
        status=OrderStatus.PLACED, reserved_until__lt=now
    ).values_list("pk", flat=True):
        if cancel_unpaid_order(order_id=order_id, note="not paid in time; stock released"):
            expired += 1
            order = Order.objects.get(pk=order_id)
            for payment in Payment.objects.filter(
                reference=order.number, status=Payment.Status.PENDING
            ):
                payment_services.cancel_payment(payment=payment)
    return expired


@transaction.atomic
def cancel_order(*, order: Order, member: Member, actor=None) -> Order:
    """The member cancels before picking starts; a paid order is refunded in full."""
    order = Order.objects.select_for_update().get(pk=order.pk, member=member)
    if order.status not in CANCELLABLE_BY_MEMBER or (
        order.channel == Channel.IN_STORE and order.status == OrderStatus.PAID
    ):
        raise errors.NotCancellable(
            _("This order can no longer be cancelled here; please ask at the counter.")
        )
    release_reservation(order)
    set_status(
        order=order, to_status=OrderStatus.CANCELLED, actor=actor, note="cancelled by member"
    )
    for payment in Payment.objects.filter(reference=order.number):
        if payment.status == Payment.Status.SUCCEEDED and payment.refundable_amount:
            payment_services.refund_payment(
                payment=payment,
                amount=payment.refundable_amount,
                reason="order cancelled by the member",
                idempotency_key=f"cancel:{order.number}:{payment.pk}",
                actor=actor,
            )
        elif payment.status == Payment.Status.PENDING:
            payment_services.cancel_payment(payment=payment)
    return order


@transaction.atomic
def refund_order(*, order: Order, amount: int, actor, reason: str = "") -> Order:
    """A manager refunds part or all of a paid order; a full refund of a finished order marks
    it refunded."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    payment = (
        Payment.objects.filter(reference=order.number, status=Payment.Status.SUCCEEDED)
        .order_by("pk")
        .first()
    )
    if payment is None:
        raise errors.NotCancellable(_("This order has no payment to refund."))
    payment_services.refund_payment(
        payment=payment,
        amount=amount,
        reason=reason or "refund by the store",
        idempotency_key=f"manager-refund:{order.number}:{payment.refunded_amount}:{amount}",
        actor=actor,
    )
    payment.refresh_from_db()
    if payment.refundable_amount == 0 and can_transition(
        channel=order.channel, from_status=order.status, to_status=OrderStatus.REFUNDED
    ):
        release_reservation(order)
        set_status(order=order, to_status=OrderStatus.REFUNDED, actor=actor, note=reason)
    return order
