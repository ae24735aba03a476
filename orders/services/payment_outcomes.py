"""What a payment's success or failure does to its order (receivers of payments' signals)."""

from __future__ import annotations

import logging

from django.utils import timezone

from catalog import services as catalog_services
from omostore.domain_events import send_after_commit
from orders import signals
from orders.models import (
    Channel,
    Order,
    OrderEvent,
    OrderStatus,
)
from orders.services.checkout import DELIVERY_PROMISE
from orders.services.pipeline import _order_quantities, cancel_unpaid_order, set_status
from payments import services as payment_services
from payments.models import Payment, Refund

logger = logging.getLogger(__name__)


def record_payment(*, payment: Payment) -> None:
    """A payment succeeded (receiver of payments' signal, inside its transaction).

    An order that still holds its reservation becomes paid. A payment for an order that expired
    meanwhile, or a second payment for an order already paid, is refunded in full: the stock may
    have been sold, and nobody pays twice."""
    order = Order.objects.select_for_update().filter(number=payment.reference).first()
    if order is None:
        return  # not an order (a wallet top-up)
    if order.status == OrderStatus.PLACED and order.stock_reserved:
        _mark_paid(order=order, payment=payment)
        return
    note = (
        "payment arrived after the reservation expired; refunded"
        if order.status == OrderStatus.CANCELLED
        else "a second payment for a paid order; refunded"
    )
    payment_services.refund_payment(
        payment=payment,
        amount=payment.amount,
        reason=note,
        idempotency_key=f"auto-refund:{payment.pk}",
    )
    OrderEvent.objects.create(
        order=order, from_status=order.status, to_status=order.status, note=note
    )


def _mark_paid(*, order: Order, payment: Payment) -> None:
    now = timezone.now()
    order.paid_at = now
    fields = ["paid_at"]
    if order.channel == Channel.DELIVERY:
        order.promised_by = now + DELIVERY_PROMISE
        fields.append("promised_by")
    if order.channel == Channel.IN_STORE:
        # Scan & go: the goods are already in the shopper's bag.
        catalog_services.take_reserved_stock(quantities=_order_quantities(order))
        order.stock_reserved = False
        fields.append("stock_reserved")
    Order.objects.filter(pk=order.pk).update(**{field: getattr(order, field) for field in fields})
    set_status(order=order, to_status=OrderStatus.PAID, note=f"paid by {payment.method}")
    catalog_services.mark_verified_purchases(
        product_ids=order.lines.values_list("offer__product_id", flat=True),
        member_id=order.member_id,
    )


def record_payment_failure(*, payment: Payment) -> None:
    order = Order.objects.filter(number=payment.reference).first()
    if order is not None and order.status == OrderStatus.PLACED:
        cancel_unpaid_order(order_id=order.pk, note=f"payment {payment.status}")


def record_refund(*, refund: Refund) -> None:
    """A refund of an order's payment succeeded (receiver of payments' signal): tell the apps
    above once it commits, whichever path refunded it (the shopper's cancellation, the store,
    an automatic refund, a card refund confirmed later by its webhook)."""
    order = Order.objects.filter(number=refund.payment.reference).first()
    if order is None:
        return  # a wallet top-up's refund
    send_after_commit(
        signals.order_refunded,
        sender=Order,
        order=order,
        amount=refund.amount,
        refund_id=refund.pk,
        lines=[],
    )
