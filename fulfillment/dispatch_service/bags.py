"""The handover's one seam with pick and pack: which bags an order has and what a scanned bag
label means. Everything in dispatch that touches bags goes through these functions.

The bags are pick and pack's (`fulfillment.models.Bag`, made when a task is picked, scanned at
the packing station; `fulfillment.picking.selectors.bags_of_order`), and a label's QR carries
the bag's code signed by `fulfillment.picking.services.bag_qr_payload`. Before an order is
packed the planner estimates its bags from its lines (`bag_count`).
"""

from __future__ import annotations

from dataclasses import dataclass

from fulfillment.picking import errors as picking_errors
from fulfillment.picking import selectors as picking_selectors
from fulfillment.picking import services as picking_services
from orders.models import Order, OrderStatus

LINES_PER_BAG = 10


@dataclass(frozen=True)
class HandoverBag:
    key: str
    """The bag's identity (stable, whatever its label carries): what the trip records."""
    order_id: int
    code: str
    """What the label's QR carries (signed)."""
    label: str


@dataclass(frozen=True)
class ScannedBag:
    key: str
    order_id: int


def _key(bag) -> str:
    return f"bag:{bag.pk}"


def bag_count(order: Order) -> int:
    """Bags the order fills: pick and pack's bags once it has them (annotate `bag_total` to
    spare a query), else an estimate from its lines (annotate `line_count`)."""
    made = getattr(order, "bag_total", None)
    if made is None:
        made = len(picking_selectors.bags_of_order(order_id=order.pk))
    if made:
        return made
    lines = getattr(order, "line_count", None)
    if lines is None:
        lines = order.lines.count()
    return max(1, -(-lines // LINES_PER_BAG))


def bags_for_handover(order: Order) -> list[HandoverBag]:
    """The bags the rider must scan for `order`; none while it is not packed."""
    if order.status not in (OrderStatus.PACKED, OrderStatus.OUT_FOR_DELIVERY):
        return []
    made = picking_selectors.bags_of_order(order_id=order.pk)
    return [
        HandoverBag(
            key=_key(bag),
            order_id=order.pk,
            code=picking_services.bag_qr_payload(bag=bag),
            label=f"{order.number} {bag.number}/{len(made)}",
        )
        for bag in made
    ]


def verify_bag_code(code: str, *, store_id: int | None = None) -> ScannedBag | None:
    """The bag a scanned label names (of `store_id` when given), or None for a forged code, a
    typo or another store's bag."""
    try:
        bag = picking_services.verify_bag_code(signed=code, store_id=store_id)
    except picking_errors.BagNotFound:
        return None
    return ScannedBag(key=_key(bag), order_id=bag.order_id)
