"""The handover's one seam with pick and pack: which bags an order has and what a scanned bag
code means. Everything in dispatch that touches bags goes through these two functions.

Until pick and pack's `Bag` model lands, an order packed has `bag_count` bags whose codes are
signed here (`omostore.bag:<order id>:<n>`); the codes on the labels will then come from
`fulfillment.models.picking.Bag` and its selector `bags_of_order`, and only this module changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

from orders.models import Order, OrderStatus

_SALT = "omostore.fulfillment.bag"


@dataclass(frozen=True)
class HandoverBag:
    key: str
    """The bag's identity (stable, whatever code its label carries): what the trip records."""
    order_id: int
    code: str
    label: str


@dataclass(frozen=True)
class ScannedBag:
    key: str
    order_id: int


def bag_count(order: Order) -> int:
    """Bags the order fills (an estimate until pick and pack has packed it): one per 10 lines."""
    lines = getattr(order, "line_count", None)
    if lines is None:
        lines = order.lines.count()
    return max(1, -(-lines // 10))


def bags_for_handover(order: Order) -> list[HandoverBag]:
    """The bags the rider must scan for `order`; none while it is not packed."""
    if order.status not in (OrderStatus.PACKED, OrderStatus.OUT_FOR_DELIVERY):
        return []
    total = bag_count(order)
    return [
        HandoverBag(
            key=f"{order.pk}:{n}",
            code=signing.dumps([order.pk, n], salt=_SALT, compress=True),
            order_id=order.pk,
            label=f"{order.number} {n}/{total}",
        )
        for n in range(1, total + 1)
    ]


def verify_bag_code(code: str) -> ScannedBag | None:
    """The bag a scanned code names, or None for a code this shop never signed."""
    try:
        order_id, n = signing.loads(code.strip(), salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return ScannedBag(key=f"{int(order_id)}:{int(n)}", order_id=int(order_id))
