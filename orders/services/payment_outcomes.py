"""What a payment's or a refund's outcome does to its order (receivers of payments' signals,
called inside the transaction that changed the payment)."""

from __future__ import annotations

import logging

from django.utils import timezone

from catalog import services as catalog_services
from omostore.domain_events import send_after_commit
from orders import live, signals
from orders.models import (
    CancelReason,
    Channel,
    Order,
    OrderEventKind,
    OrderLine,
    OrderRefund,
    OrderStatus,
    RefundReason,
)
from orders.services.cancellation import cancel_unpaid_order
from orders.services.checkout import DELIVERY_PROMISE
from orders.services.pipeline import record_event, release_reservation, set_status
from orders.services.refunds import _ask_refund
from orders.services.stock_allocation import sell_order_allocations
from orders.statuses import can_transition
from payments import selectors as payment_selectors
from payments.models import Payment, Refund

logger = logging.getLogger(__name__)


def record_payment(*, payment: Payment) -> None:
    """A payment succeeded.

    An order that still holds its reservation becomes paid. A payment for an order that expired
    meanwhile, or a second payment for an order already paid, is refunded in full: the stock may
    have been sold, and nobody pays twice."""
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("store")
        .filter(number=payment.reference)
        .first()
    )
    if order is None:
        return  # not an order (a wallet top-up)
    if order.status == OrderStatus.PLACED:  # it still holds its stock
        _mark_paid(order=order, payment=payment)
        return
    late = order.status == OrderStatus.CANCELLED and order.paid_at is None
    _ask_refund(
        order=order,
        payment=payment,
        amount=payment.amount,
        lines=[],
        reason=RefundReason.LATE_PAYMENT if late else RefundReason.DUPLICATE_PAYMENT,
        note=(
            "payment arrived after the reservation expired; refunded"
            if late
            else "a second payment for a paid order; refunded"
        ),
        actor=None,
        idempotency_key=f"auto-refund:{payment.pk}",
    )


def _mark_paid(*, order: Order, payment: Payment) -> None:
    now = timezone.now()
    fields = {"paid_at": now}
    if order.channel == Channel.DELIVERY:
        fields["promised_by"] = now + DELIVERY_PROMISE
    set_status(
        order=order, to_status=OrderStatus.PAID, note=f"paid by {payment.method}", also=fields
    )
    send_after_commit(
        signals.order_paid,
        sender=Order,
        order=order,
        payment_id=payment.pk,
        method=payment.method,
        amount=payment.amount,
    )
    if order.member_id is not None:
        catalog_services.mark_verified_purchases(
            product_ids=OrderLine.objects.filter(order=order).values("offer__product_id"),
            member_id=order.member_id,
        )
    if order.channel == Channel.IN_STORE:
        # Scan & go: the goods are already in the shopper's bag. Last, so the offers' rows are
        # locked only until the payment's commit.
        sell_order_allocations(order=order, reason="scan & go paid")


def record_payment_failure(*, payment: Payment) -> None:
    """A payment was declined or canceled by the provider: a timeline step, and an order still
    waiting for it is cancelled (its lines go back to the cart)."""
    order = Order.objects.select_for_update().filter(number=payment.reference).first()
    if order is None:
        return
    record_event(
        order=order,
        kind=OrderEventKind.PAYMENT_FAILED,
        payload={
            "payment_id": payment.pk,
            "method": payment.method,
            "status": payment.status,
            "reason": payment.failure_reason,
        },
        note=f"payment {payment.status}",
    )
    if order.status == OrderStatus.PLACED:
        cancel_unpaid_order(
            order_id=order.pk, reason=CancelReason.PAYMENT_FAILED, note=f"payment {payment.status}"
        )


def _order_refund_for(refund: Refund, order: Order) -> OrderRefund:
    """The orders-side row of a refund: the one orders asked for (found by the key both share),
    or, for a refund made outside orders (at the provider), a new one."""
    order_refund = OrderRefund.objects.filter(idempotency_key=refund.idempotency_key).first()
    if order_refund is None:
        order_refund = OrderRefund.objects.create(
            order=order,
            refund=refund,
            idempotency_key=refund.idempotency_key,
            amount=refund.amount,
            currency=refund.payment.currency,
            destination=refund.payment.method,
            reason=RefundReason.PROVIDER,
            note=refund.reason[:200],
            actor=refund.created_by,
        )
    return order_refund


def record_refund(*, refund: Refund) -> None:
    """A refund of an order's payment succeeded, whichever path asked for it (the shopper's or
    the store's cancellation, a line refund, an automatic refund, a card refund confirmed later
    by its webhook): the refund row succeeds, the timeline gets a `refund` step, the live page
    its `order.refund`, and `order_refunded` goes out after commit. A finished order with
    nothing left to refund becomes refunded."""
    order = Order.objects.select_for_update().filter(number=refund.payment.reference).first()
    if order is None:
        return  # a wallet top-up's refund
    order_refund = _order_refund_for(refund, order)
    OrderRefund.objects.filter(pk=order_refund.pk).update(
        status=OrderRefund.Status.SUCCEEDED, refund=refund, updated_at=timezone.now()
    )
    order_refund.refresh_from_db()
    lines = [
        {"line_id": line.line_id, "quantity": line.quantity, "amount": line.amount}
        for line in order_refund.lines.all()
    ]
    event = record_event(
        order=order,
        kind=OrderEventKind.REFUND,
        payload={
            "order_refund_id": order_refund.pk,
            "refund_id": refund.pk,
            "amount": refund.amount,
            "currency": order_refund.currency,
            "destination": order_refund.destination,
            "reason": order_refund.reason,
            "lines": lines,
        },
        actor=order_refund.actor,
        note=order_refund.note,
    )
    live.publish_refund(order=order, order_refund=order_refund, refunds=list(order.refunds.all()))
    live.publish_history(order=order)
    fully = not payment_selectors.refundable_payments_for(reference=order.number)
    if (
        fully
        and order.paid_at is not None
        and order.status != OrderStatus.CANCELLED
        and can_transition(
            channel=order.channel, from_status=order.status, to_status=OrderStatus.REFUNDED
        )
    ):
        release_reservation(order)
        set_status(
            order=order,
            to_status=OrderStatus.REFUNDED,
            actor=order_refund.actor,
            note=order_refund.note,
            reason=order_refund.reason,
        )
    send_after_commit(
        signals.order_refunded,
        sender=Order,
        order=order,
        order_refund_id=order_refund.pk,
        refund_id=refund.pk,
        amount=refund.amount,
        currency=order_refund.currency,
        destination=order_refund.destination,
        reason=order_refund.reason,
        lines=lines,
        fully_refunded=fully,
        event_id=event.pk,
    )


def record_refund_failure(*, refund: Refund) -> None:
    """The provider gave up on a refund: its row fails (its lines are refundable again) and the
    timeline says so."""
    order = Order.objects.select_for_update().filter(number=refund.payment.reference).first()
    if order is None:
        return
    order_refund = _order_refund_for(refund, order)
    OrderRefund.objects.filter(pk=order_refund.pk).update(
        status=OrderRefund.Status.FAILED, refund=refund, updated_at=timezone.now()
    )
    order_refund.refresh_from_db()
    record_event(
        order=order,
        kind=OrderEventKind.REFUND_FAILED,
        payload={
            "order_refund_id": order_refund.pk,
            "refund_id": refund.pk,
            "amount": refund.amount,
            "currency": order_refund.currency,
            "destination": order_refund.destination,
        },
        note="the provider did not take the refund",
    )
    live.publish_refund(order=order, order_refund=order_refund, refunds=list(order.refunds.all()))
