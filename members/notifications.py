"""The kinds of notification a member gets, and how each travels as a Web Push.

TTL: how long a push service keeps a message for a phone that is offline (a "your rider is here"
is worthless an hour later). Urgency (RFC 8030 §5.3): a phone on low battery delivers only
`high` at once."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from members.models import NotificationKind as Kind


@dataclass(frozen=True)
class KindRule:
    label: object
    ttl: int  # seconds
    urgency: str  # very-low | low | normal | high


RULES: dict[str, KindRule] = {
    Kind.PICKING_STARTED: KindRule(_("Your order is being picked"), 30 * 60, "normal"),
    Kind.SUBSTITUTION_NEEDED: KindRule(_("A substitution needs your answer"), 10 * 60, "high"),
    Kind.OUT_FOR_DELIVERY: KindRule(_("Your order is on its way"), 30 * 60, "high"),
    Kind.DELIVERED: KindRule(_("Your order was delivered"), 60 * 60, "normal"),
    Kind.READY_FOR_PICKUP: KindRule(_("Your order is ready for pickup"), 4 * 3600, "high"),
    Kind.FAVOURITE_MARKED_DOWN: KindRule(_("A favourite is reduced"), 6 * 3600, "low"),
    Kind.FAVOURITE_BACK_IN_STOCK: KindRule(_("A favourite is back in stock"), 6 * 3600, "low"),
    Kind.POINTS_EXPIRING: KindRule(_("Points expire soon"), 24 * 3600, "very-low"),
}

# Which order status changes are worth a notification, and as which kind.
ORDER_STATUS_KINDS = {
    "picking": Kind.PICKING_STARTED,
    "out_for_delivery": Kind.OUT_FOR_DELIVERY,
    "delivered": Kind.DELIVERED,
    "ready_for_pickup": Kind.READY_FOR_PICKUP,
}
