"""What the live screens of orders receive: the shapes of the order group's and the store
group's snapshots and events, and their publishing (docs/realtime.md is the reference).

One function builds each shape, and both the snapshot (a selector, read on connect) and the
events (published by services after commit) use it, so a client that folds the events into an
earlier snapshot ends with the snapshot it would read now. Times carry the store's offset, as
everywhere in the order API.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from functools import lru_cache
from typing import Any

from django.db import transaction

from omostore import realtime
from omostore.money import Money
from orders import signals
from orders.models import Order, OrderEvent, OrderRefund, OrderStatus

logger = logging.getLogger(__name__)

# The orders the store feed shows: paid and not finished (the floor's work). An order leaves the
# feed when it reaches any other status.
STORE_FEED_STATUSES = frozenset(
    {
        OrderStatus.PAID,
        OrderStatus.PICKING,
        OrderStatus.PACKED,
        OrderStatus.OUT_FOR_DELIVERY,
        OrderStatus.DELIVERY_FAILED,  # back at the store: the manager decides
        OrderStatus.READY_FOR_PICKUP,
    }
)
# Statuses whose order has no arrival time to show.
NO_ARRIVAL_STATUSES = frozenset({OrderStatus.CANCELLED, OrderStatus.REFUNDED})


@lru_cache(maxsize=64)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def local_iso(value: datetime.datetime | None, time_zone: str) -> str | None:
    """ISO 8601 in the store's time zone, with its offset (`2026-05-01T18:30:00+09:00`)."""
    if value is None:
        return None
    return value.astimezone(_zone(time_zone)).isoformat()


def promised_by(order: Order) -> str | None:
    """The arrival time a screen shows: none for a cancelled or refunded order."""
    if order.status in NO_ARRIVAL_STATUSES:
        return None
    return local_iso(order.promised_by, order.store.time_zone)


def timeline_entry(event: OrderEvent, *, time_zone: str) -> dict[str, Any]:
    """One step of the timeline: `{id, kind, at, from, to, note, payload}`."""
    return {
        "id": event.pk,
        "kind": event.kind,
        "at": local_iso(event.created_at, time_zone),
        "from": event.from_status,
        "to": event.to_status,
        "note": event.note,
        "payload": event.payload,
    }


def refund_entry(order_refund: OrderRefund, *, time_zone: str) -> dict[str, Any]:
    """A refund as the order page shows it: how much, where it went, for which lines."""
    return {
        "id": order_refund.pk,
        "amount": order_refund.amount_money.as_dict(),
        "destination": order_refund.destination,
        "reason": order_refund.reason,
        "status": order_refund.status,
        "at": local_iso(order_refund.created_at, time_zone),
        "lines": [
            {
                "line_id": line.line_id,
                "quantity": line.quantity,
                "amount": Money(line.amount, order_refund.currency).as_dict(),
            }
            for line in order_refund.lines.all()
        ],
    }


def refunded_total(refunds: list[OrderRefund], currency: str) -> dict:
    """What went back so far: succeeded refunds only."""
    amount = sum(r.amount for r in refunds if r.status == OrderRefund.Status.SUCCEEDED)
    return Money(amount, currency).as_dict()


def feed_sort_key(summary: dict[str, Any]) -> tuple[str, str]:
    """The store feed's order: oldest payment first (the clients sort the same way)."""
    return (summary["paid_at"] or "", summary["number"])


def order_summary(order: Order) -> dict[str, Any]:
    """An order as the store feed lists it."""
    zone = order.store.time_zone
    return {
        "number": order.number,
        "channel": order.channel,
        "status": order.status,
        "status_display": order.get_status_display(),
        "placed_at": local_iso(order.created_at, zone),
        "paid_at": local_iso(order.paid_at, zone),
        "promised_by": promised_by(order),
        "total": order.total_money.as_dict(),
    }


def publish_status(*, order: Order, event: OrderEvent) -> None:
    """`order.status` to the order's group and its store's group, once the change commits."""
    zone = order.store.time_zone
    payload = {
        "number": order.number,
        "from": event.from_status,
        "status": event.to_status,
        "at": local_iso(event.created_at, zone),
        "note": event.note,
        "reason": event.payload.get("reason", ""),
        "order": order_summary(order),
        "entry": timeline_entry(event, time_zone=zone),
    }
    realtime.publish(realtime.groups.order(order.pk), "order.status", payload)
    realtime.publish(realtime.groups.store(order.store_id), "order.status", payload)


def publish_timeline(*, order: Order, event: OrderEvent) -> None:
    """`order.timeline`: a step that is no status change (a refund, a short line, a note)."""
    payload = {
        "number": order.number,
        "entry": timeline_entry(event, time_zone=order.store.time_zone),
    }
    realtime.publish(realtime.groups.order(order.pk), "order.timeline", payload)


def publish_refund(*, order: Order, order_refund: OrderRefund, refunds: list[OrderRefund]) -> None:
    """`order.refund`: a refund was asked for, or its status changed; `refunded` is the new
    total of succeeded refunds."""
    payload = {
        "number": order.number,
        "refund": refund_entry(order_refund, time_zone=order.store.time_zone),
        "refunded": refunded_total(refunds, order.currency),
    }
    realtime.publish(realtime.groups.order(order.pk), "order.refund", payload)


# --- The member's history: `history.<user id>` ----------------------------------------------------

HISTORY_SNAPSHOT_ORDERS = 20


def points_earned(*, member_id: int, numbers: list[str]) -> dict[str, int]:
    """{order number: points its purchase earned} for these orders of one member, asked of the
    apps above (`signals.points_earned`; members answers with one read). Orders that earned
    nothing are left out."""
    if not numbers:
        return {}
    earned: dict[str, int] = {}
    for _receiver, answer in signals.points_earned.send(
        sender=Order, member_id=member_id, numbers=list(numbers)
    ):
        for number, points in (answer or {}).items():
            earned[number] = earned.get(number, 0) + int(points)
    return earned


def history_row(order: Order, *, points: int = 0) -> dict[str, Any]:
    """One order as the history page lists it: `{number, channel, status, total, created_at,
    store, items, item_count, refunded, points}` (items: the first three names, `{en, ja}`, and
    how many in all; points: what its purchase earned, from `points_earned`)."""
    lines = list(order.lines.all())
    refunded = sum(r.amount for r in order.refunds.all() if r.status != OrderRefund.Status.FAILED)
    return {
        "number": order.number,
        "channel": order.channel,
        "status": order.status,
        "total": Money(order.total, order.currency).as_dict(),
        "refunded": Money(refunded, order.currency).as_dict(),
        "created_at": local_iso(order.created_at, order.store.time_zone),
        "store": order.store.name,
        "items": [{"en": line.name_en, "ja": line.name_ja} for line in lines[:3]],
        "item_count": len(lines),
        "points": points,
    }


def publish_history(*, order: Order) -> None:
    """`history.order` to the member's history group once the transaction commits, the row read
    then (so several changes in one transaction each send the final row, and nothing is read
    inside the transaction). Nothing for an order without a member (a register sale to someone
    who showed no member QR). A failure to send is logged, never raised."""
    if order.member_id is None:
        return
    order_id = order.pk

    def _send() -> None:
        try:
            fresh = (
                Order.objects.select_related("store", "member")
                .prefetch_related("lines", "refunds")
                .get(pk=order_id)
            )
            earned = points_earned(member_id=fresh.member_id, numbers=[fresh.number])
            realtime.send_now(
                realtime.groups.member_history(fresh.member.user_id),
                "history.order",
                history_row(fresh, points=earned.get(fresh.number, 0)),
            )
        except Exception:
            logger.exception("history event for order %s was not sent", order_id)

    transaction.on_commit(_send)
