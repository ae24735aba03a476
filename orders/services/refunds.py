"""Refunds of an order: per line (a quantity of a line gives back what those units cost, never
more than was paid for the line), by amount, or everything that is left.

Every refund is one `OrderRefund` row (with its lines) written BEFORE money moves, then
`payments.services.refund_payment` with the same idempotency key: a retry of the same request
returns the same refund and never pays twice, and the receiver of payments' `refund_succeeded`
(`payment_outcomes.record_refund`) finds the row by that key.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from omostore.money import Money
from orders import errors, live
from orders.models import (
    Order,
    OrderLine,
    OrderRefund,
    OrderRefundLine,
    RefundReason,
)
from orders.services.stock_allocation import release_line_units
from payments import selectors as payment_selectors
from payments import services as payment_services
from payments.models import Payment

logger = logging.getLogger(__name__)

COUNTED_STATUSES = (OrderRefund.Status.PENDING, OrderRefund.Status.SUCCEEDED)


def line_refund_amount(*, line_total: int, line_quantity: int, already: int, quantity: int) -> int:
    """What `quantity` more units of a line cost when `already` units were refunded: each
    unit's share of what was paid, rounded down, the last unit taking the remainder. Refunding
    the whole line, in any number of steps, gives back exactly its total."""
    return (line_total * (already + quantity)) // line_quantity - (
        line_total * already
    ) // line_quantity


def refunded_per_line(*, order: Order) -> dict[int, tuple[int, int]]:
    """line id → (units, amount) refunded or being refunded (failed refunds do not count)."""
    rows = (
        OrderRefundLine.objects.filter(line__order=order, order_refund__status__in=COUNTED_STATUSES)
        .values("line_id")
        .annotate(units=Sum("quantity"), amount=Sum("amount"))
    )
    return {row["line_id"]: (row["units"], row["amount"]) for row in rows}


def refundable_lines(*, order: Order) -> list[dict]:
    """Each line with what is left to refund: `{line, refunded, left, left_amount}`. Units
    replaced by a substitute are not left: the substitute line carries their money."""
    done = refunded_per_line(order=order)
    rows = []
    for line in order.lines.all():
        units, _amount = done.get(line.pk, (0, 0))
        gone = units + line.quantity_substituted
        left = max(line.quantity - gone, 0)
        rows.append(
            {
                "line": line,
                "refunded": units,
                "left": left,
                "left_amount": line_refund_amount(
                    line_total=line.line_total,
                    line_quantity=line.quantity,
                    already=gone,
                    quantity=left,
                )
                if left
                else 0,
            }
        )
    return rows


def _same_request(order_refund: OrderRefund, *, order: Order, lines: dict[int, int] | None, amount):
    requested_lines = {line.line_id: line.quantity for line in order_refund.lines.all()}
    same = order_refund.order_id == order.pk and (
        requested_lines == lines if lines is not None else order_refund.amount == amount
    )
    if not same:
        raise errors.IdempotencyKeyReused(
            _("This Idempotency-Key was already used for a different refund.")
        )
    return order_refund


def _ask_refund(
    *,
    order: Order,
    payment: Payment,
    amount: int,
    lines: list[tuple[OrderLine, int, int]],
    reason: str,
    note: str,
    actor,
    idempotency_key: str,
) -> OrderRefund:
    """Write the OrderRefund (and its lines), then ask payments for the money. Needs a
    transaction: a provider error undoes the row too."""
    order_refund = OrderRefund.objects.create(
        order=order,
        idempotency_key=idempotency_key,
        amount=amount,
        currency=order.currency,
        destination=payment.method,
        reason=reason,
        note=note[:200],
        actor=actor,
    )
    OrderRefundLine.objects.bulk_create(
        OrderRefundLine(order_refund=order_refund, line=line, quantity=quantity, amount=line_amount)
        for line, quantity, line_amount in lines
    )
    refund = payment_services.refund_payment(
        payment=payment,
        amount=amount,
        reason=note or RefundReason(reason).label,
        idempotency_key=idempotency_key,
        actor=actor,
    )
    order_refund.refresh_from_db()
    if order_refund.refund_id is None:  # still pending at the provider (a card refund)
        order_refund.refund = refund
        order_refund.save(update_fields=["refund", "updated_at"])
        live.publish_refund(
            order=order, order_refund=order_refund, refunds=list(order.refunds.all())
        )
    return order_refund


def _check_reason(reason: str) -> None:
    if reason not in RefundReason.values:
        raise errors.InvalidRefund(
            _("Unknown refund reason %(reason)s.") % {"reason": reason},
            details={"reasons": list(RefundReason.values)},
        )


@transaction.atomic
def refund_order_lines(
    *,
    order: Order,
    lines: Mapping[int, int],
    actor,
    reason: str,
    idempotency_key: str,
    note: str = "",
) -> OrderRefund:
    """Refund `lines` (order line id → units, grams for weighed lines) of a paid order: each
    line gives back what those units cost, never more than is left of it. A shortage found
    while the order still holds its stock releases those units. The same key with the same
    lines returns the same refund; with other lines it is refused."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    requested = {int(line_id): quantity for line_id, quantity in lines.items()}
    existing = OrderRefund.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _same_request(existing, order=order, lines=requested, amount=None)
    _check_reason(reason)
    if not requested:
        raise errors.InvalidRefund(_("Choose at least one line to refund."))
    by_id = {row["line"].pk: row for row in refundable_lines(order=order)}
    chosen = []
    for line_id, quantity in sorted(requested.items()):
        row = by_id.get(line_id)
        if row is None:
            raise errors.InvalidRefund(
                _("This order has no line %(line)s.") % {"line": line_id},
                details={"line_id": line_id},
            )
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise errors.InvalidRefund(
                _("Refund a whole number of units, at least 1."), details={"line_id": line_id}
            )
        if quantity > row["left"]:
            raise errors.InvalidRefund(
                _("At most %(left)s of %(name)s can still be refunded.")
                % {"left": row["left"], "name": row["line"].name_en},
                details={"line_id": line_id, "left": row["left"]},
            )
        line = row["line"]
        amount = line_refund_amount(
            line_total=line.line_total,
            line_quantity=line.quantity,
            already=row["refunded"],
            quantity=quantity,
        )
        chosen.append((line, quantity, amount))
    total = sum(amount for _line, _quantity, amount in chosen)
    if total == 0:
        raise errors.InvalidRefund(_("These units cost nothing; there is nothing to refund."))
    payment = payment_selectors.succeeded_payment_for(reference=order.number)
    if payment is None:
        raise errors.NothingToRefund(_("This order has no payment to refund."))
    for line, quantity, _amount in chosen:
        # Units the line still holds (a shortage found while picking) go back on sale; units
        # already sold (the goods left the store) release nothing.
        if line.quantity_allocated:
            line.order = order
            release_line_units(
                line=line, units=quantity, actor=actor, reason=f"refund: {reason}", strict=False
            )
    return _ask_refund(
        order=order,
        payment=payment,
        amount=total,
        lines=chosen,
        reason=reason,
        note=note,
        actor=actor,
        idempotency_key=idempotency_key,
    )


@transaction.atomic
def refund_order_amount(
    *,
    order: Order,
    amount: int,
    actor,
    idempotency_key: str,
    reason: str = RefundReason.GOODWILL,
    note: str = "",
) -> OrderRefund:
    """Refund an amount that belongs to no line (a goodwill gesture), never more than is left
    of the payment."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    existing = OrderRefund.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _same_request(existing, order=order, lines=None, amount=amount)
    _check_reason(reason)
    payment = payment_selectors.succeeded_payment_for(reference=order.number)
    if payment is None:
        raise errors.NothingToRefund(_("This order has no payment to refund."))
    return _ask_refund(
        order=order,
        payment=payment,
        amount=amount,
        lines=[],
        reason=reason,
        note=note,
        actor=actor,
        idempotency_key=idempotency_key,
    )


def refund_remaining(
    *, order: Order, actor, reason: str, note: str, idempotency_key: str
) -> list[OrderRefund]:
    """Everything still paid for the order goes back (a cancellation): the first payment's
    refund covers every line's units not yet refunded, its amount shared over them (never more
    than each line's part); any other payment is refunded whole. Needs a transaction holding
    the order's lock. The same key makes no second refund."""
    made = []
    rows = [row for row in refundable_lines(order=order) if row["left"]]
    for index, payment in enumerate(
        payment_selectors.refundable_payments_for(reference=order.number)
    ):
        key = f"{idempotency_key}:{payment.pk}"
        existing = OrderRefund.objects.filter(idempotency_key=key).first()
        if existing is not None:
            made.append(existing)
            continue
        amount = payment.refundable_amount
        lines = []
        if index == 0 and rows:
            lines = _shared_over_lines(rows, Money(amount, payment.currency))
        made.append(
            _ask_refund(
                order=order,
                payment=payment,
                amount=amount,
                lines=lines,
                reason=reason,
                note=note,
                actor=actor,
                idempotency_key=key,
            )
        )
    return made


def _shared_over_lines(rows: list[dict], amount: Money) -> list[tuple[OrderLine, int, int]]:
    """Attribute `amount` to the lines' remaining units: each line gets its remaining part, or
    a proportional share of `amount` when less is left of the payment (after a refund by
    amount)."""
    left = [row["left_amount"] for row in rows]
    if sum(left) > amount.amount and sum(left) > 0:
        shares = [share.amount for share in amount.allocate(left)]
    else:
        shares = left
    return [(row["line"], row["left"], share) for row, share in zip(rows, shares, strict=True)]
