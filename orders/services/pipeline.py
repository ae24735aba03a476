"""The status pipeline: every status change goes through `set_status`, every other step of the
timeline through `record_event`; and the release of the stock an order holds."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from omostore.domain_events import send_after_commit
from orders import errors, live, signals
from orders.models import (
    EVENT_PAYLOAD_KEYS,
    Order,
    OrderEvent,
    OrderEventKind,
    OrderStatus,
)
from orders.services.stock_allocation import release_order_allocations, sell_order_allocations
from orders.statuses import can_transition

logger = logging.getLogger(__name__)

# The goods of an order that reaches one of these have left the store for good: what its lines
# hold is sold (scan & go orders are sold when paid: the goods are already in the bag).
LEAVES_THE_STORE = frozenset(
    {OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED, OrderStatus.COLLECTED, OrderStatus.EXITED}
)


def set_status(
    *,
    order: Order,
    to_status: str,
    actor=None,
    note: str = "",
    reason: str = "",
    payload: dict[str, Any] | None = None,
    also: dict[str, Any] | None = None,
) -> OrderEvent:
    """Move the order along the pipeline, or raise InvalidTransition. `also` names other fields
    of the order to write in the same UPDATE (a payment's `paid_at`). The UPDATE is guarded by
    the status it read, so two racing changes cannot both win. Writes a `status_changed` event
    (payload `{from, to, reason}` and any extra `payload`), publishes `order.status`, and sends
    `order_status_changed` (and `order_cancelled` for a cancellation) after commit. Needs a
    transaction."""
    from_status = order.status
    if not can_transition(channel=order.channel, from_status=from_status, to_status=to_status):
        raise errors.InvalidTransition(
            _("An order that is %(from)s cannot become %(to)s.")
            % {"from": from_status, "to": to_status},
            details={"from": from_status, "to": to_status},
        )
    changed = Order.objects.filter(pk=order.pk, status=from_status).update(
        **(also or {}), status=to_status, updated_at=timezone.now()
    )
    if not changed:
        raise errors.InvalidTransition(_("The order changed meanwhile; reload it."))
    for field, value in (also or {}).items():
        setattr(order, field, value)
    order.status = to_status
    if to_status in LEAVES_THE_STORE:
        sell_order_allocations(order=order, actor=actor, reason=f"order {to_status}")
    event = OrderEvent.objects.create(
        order=order,
        kind=OrderEventKind.STATUS_CHANGED,
        from_status=from_status,
        to_status=to_status,
        payload={**(payload or {}), "from": from_status, "to": to_status, "reason": reason},
        actor=actor,
        note=note[:200],
    )
    live.publish_status(order=order, event=event)
    live.publish_history(order=order)
    send_after_commit(
        signals.order_status_changed,
        sender=Order,
        order=order,
        from_status=from_status,
        to_status=to_status,
        event_id=event.pk,
        actor=actor,
        reason=reason,
    )
    if to_status == OrderStatus.CANCELLED:
        send_after_commit(
            signals.order_cancelled,
            sender=Order,
            order=order,
            from_status=from_status,
            actor=actor,
            reason=reason,
            note=note,
            event_id=event.pk,
        )
    return event


def record_event(
    *, order: Order, kind: str, payload: dict[str, Any], actor=None, note: str = ""
) -> OrderEvent:
    """A step of the timeline that is no status change (a failed payment, a refund, a short or
    substituted line, a note); publishes `order.timeline` after commit. `payload` must carry
    the keys `EVENT_PAYLOAD_KEYS` lists for the kind (a ValueError otherwise: a bug)."""
    if kind == OrderEventKind.STATUS_CHANGED or kind not in EVENT_PAYLOAD_KEYS:
        raise ValueError(f"record_event cannot write a {kind!r} event; status goes via set_status")
    missing = EVENT_PAYLOAD_KEYS[kind] - payload.keys()
    if missing:
        raise ValueError(f"a {kind} event needs {sorted(missing)} in its payload")
    event = OrderEvent.objects.create(
        order=order, kind=kind, payload=payload, actor=actor, note=note[:200]
    )
    live.publish_timeline(order=order, event=event)
    return event


def release_reservation(order: Order, *, actor=None, reason: str = "") -> int:
    """Give back all the stock the order's lines still hold (it was cancelled, expired or
    refunded in full). Needs a transaction holding the order's lock."""
    return release_order_allocations(order=order, actor=actor, reason=reason)
