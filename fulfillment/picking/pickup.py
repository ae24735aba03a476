"""Pickup codes and the counter's hand-over: a packed pickup order (`ready_for_pickup`) has a
QR of its number signed with `django.core.signing` and a 6-digit short code derived from it (an
HMAC of the number under the project's secret), so the counter accepts either and nobody can
guess one from an order number. Handing over moves the order to `collected`."""

from __future__ import annotations

from django.core import signing
from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from fulfillment.models import Bag
from fulfillment.picking import errors
from orders import services as order_services
from orders.models import Channel, Order, OrderStatus

PICKUP_SALT = "fulfillment.pickup"


def short_code(*, number: str) -> str:
    digest = salted_hmac(PICKUP_SALT, number, algorithm="sha256").hexdigest()
    return f"{int(digest[:12], 16) % 1_000_000:06d}"


def pickup_code(*, order: Order) -> dict[str, str]:
    """What the shopper shows at the counter: the signed QR payload and the short code."""
    if order.channel != Channel.PICKUP or order.status != OrderStatus.READY_FOR_PICKUP:
        raise errors.PickupNotReady(_("This order is not ready for pickup."))
    return {
        "qr": signing.Signer(salt=PICKUP_SALT).sign(order.number),
        "short": short_code(number=order.number),
    }


def find_pickup(*, store_id: int, code: str) -> Order:
    """The store's order ready for pickup that `code` (a scanned QR or a typed short code)
    names, or PickupNotFound: a forged code, another store's order, or one not ready."""
    code = (code or "").strip()
    if code.isdigit() and len(code) == 6:
        ready = Order.objects.filter(
            store_id=store_id, channel=Channel.PICKUP, status=OrderStatus.READY_FOR_PICKUP
        ).values_list("number", flat=True)
        number = next((n for n in ready if short_code(number=n) == code), None)
    else:
        try:
            number = signing.Signer(salt=PICKUP_SALT).unsign(code)
        except signing.BadSignature:
            number = None
    order = (
        Order.objects.select_related("store")
        .filter(store_id=store_id, number=number or "", channel=Channel.PICKUP)
        .first()
    )
    if order is None:
        raise errors.PickupNotFound(_("No pickup order of this store has this code."))
    if order.status == OrderStatus.COLLECTED:
        raise errors.PickupNotReady(_("This order was already collected."))
    if order.status != OrderStatus.READY_FOR_PICKUP:
        raise errors.PickupNotReady(_("This order is not ready for pickup."))
    return order


def bags_to_hand_over(*, order: Order) -> list[Bag]:
    return list(Bag.objects.filter(order=order).order_by("number"))


@transaction.atomic
def hand_over(*, store_id: int, number: str, staff) -> Order:
    """The counter gives the bags to the shopper: the order is collected."""
    order = (
        Order.objects.select_for_update()
        .select_related("store")
        .filter(store_id=store_id, number=number, channel=Channel.PICKUP)
        .first()
    )
    if order is None:
        raise errors.PickupNotFound(_("No pickup order of this store has this code."))
    if order.status != OrderStatus.READY_FOR_PICKUP:
        raise errors.PickupNotReady(_("This order is not ready for pickup."))
    order_services.set_status(
        order=order, to_status=OrderStatus.COLLECTED, actor=staff, note="handed over"
    )
    return order
