"""Checkout: a priced, reserved order from the cart, and its payment started."""

from __future__ import annotations

import datetime
import logging
import re
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Member
from omostore.domain_events import send_after_commit
from omostore.geo import distance_m
from omostore.money import Money
from orders import errors, live, signals
from orders.models import (
    CancelReason,
    CartLine,
    Channel,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    new_order_number,
)
from orders.services.cancellation import cancel_unpaid_order
from orders.services.cart import shopper_name, validate_quantity
from orders.services.stock_allocation import allocate_new_lines
from payments import selectors as payment_selectors
from payments import services as payment_services
from payments.errors import InsufficientFunds
from payments.models import Payment, PaymentMethod
from stores.models import Store

logger = logging.getLogger(__name__)

DELIVERY_PROMISE = datetime.timedelta(minutes=30)


@dataclass(frozen=True)
class DeliveryRequest:
    address: str
    latitude: Decimal
    longitude: Decimal
    phone: str = ""
    notes: str = ""


# Digits, "+", spaces and hyphens; 6-20 characters (the API's serializer uses the same pattern).
DELIVERY_PHONE_PATTERN = r"^[0-9+ \-]{6,20}$"
DELIVERY_NOTES_MAX = 200


def check_delivery_contact(*, delivery: DeliveryRequest) -> None:
    """The phone the rider calls and the notes, or a clear InvalidCheckout (400)."""
    phone = delivery.phone.strip()
    if not re.fullmatch(DELIVERY_PHONE_PATTERN, phone) or not re.search(r"[0-9]", phone):
        raise errors.InvalidCheckout(
            _(
                "A delivery needs a contact phone: 6-20 characters, "
                "digits, +, spaces and hyphens only."
            )
        )
    if len(delivery.notes.strip()) > DELIVERY_NOTES_MAX:
        raise errors.InvalidCheckout(
            _("Delivery notes are at most %(max)d characters.") % {"max": DELIVERY_NOTES_MAX}
        )


def line_total(*, unit_price: Money, quantity: int, sold_by: str) -> Money:
    if sold_by == "weight":  # the price is per 100 g and the quantity in grams
        return unit_price.multiply_ratio(quantity, 100)
    return unit_price * quantity


def store_is_open(*, store: Store, at: datetime.datetime) -> bool:
    local = at.astimezone(zoneinfo.ZoneInfo(store.time_zone)).time()
    if store.opens_at == store.closes_at:
        return True  # open around the clock
    if store.opens_at < store.closes_at:
        return store.opens_at <= local < store.closes_at
    return local >= store.opens_at or local < store.closes_at  # open past midnight


def check_delivery(*, store: Store, delivery: DeliveryRequest | None, at) -> int:
    """The distance in metres, or a clear error outside the radius or the opening hours."""
    if delivery is None or not delivery.address.strip():
        raise errors.InvalidCheckout(_("A delivery needs an address and a location."))
    check_delivery_contact(delivery=delivery)
    distance = round(
        distance_m(
            float(store.latitude),
            float(store.longitude),
            float(delivery.latitude),
            float(delivery.longitude),
        )
    )
    if distance > store.delivery_radius_m:
        raise errors.OutsideDeliveryArea(
            _(
                "This address is %(distance).1f km from the store; "
                "we deliver within %(radius).1f km."
            )
            % {"distance": distance / 1000, "radius": store.delivery_radius_m / 1000},
            details={"distance_m": distance, "radius_m": store.delivery_radius_m},
        )
    if not store_is_open(store=store, at=at):
        raise errors.StoreClosed(
            _("Deliveries run while the store is open, %(opens)s-%(closes)s (%(zone)s).")
            % {
                "opens": f"{store.opens_at:%H:%M}",
                "closes": f"{store.closes_at:%H:%M}",
                "zone": store.time_zone,
            },
        )
    return distance


def _payment_method_available(method: str) -> bool:
    if method == PaymentMethod.TEST:
        return settings.TEST_PAYMENTS_ENABLED
    if method == PaymentMethod.CARD:
        return bool(settings.STRIPE_SECRET_KEY)
    return method == PaymentMethod.WALLET


def reservation_minutes() -> int:
    return settings.ORDER_RESERVATION_MINUTES


def place_order(
    *,
    member: Member,
    store: Store,
    channel: str,
    payment_method: str,
    delivery: DeliveryRequest | None,
    idempotency_key: str,
    fingerprint: str,
    points: int = 0,
) -> tuple[Order, Payment | None, bool]:
    """Check out the member's cart: an order with a price snapshot, its stock reserved, and its
    payment started. Returns (order, payment, created). The same idempotency key returns the
    same order (created False); the same key with a different request is refused."""
    existing = Order.objects.filter(member=member, idempotency_key=idempotency_key).first()
    if existing is not None:
        return _replayed(existing, fingerprint)
    if channel not in Channel.values:
        raise errors.InvalidCheckout(_("channel must be in_store, pickup or delivery."))
    if payment_method not in PaymentMethod.values or not _payment_method_available(payment_method):
        raise errors.InvalidCheckout(
            _("Payment method %(method)s is not available.") % {"method": payment_method}
        )
    now = timezone.now()
    distance = None
    if channel == Channel.DELIVERY:
        distance = check_delivery(store=store, delivery=delivery, at=now)
    elif channel == Channel.PICKUP and not store_is_open(store=store, at=now):
        raise errors.StoreClosed(_("Pickup orders are taken while the store is open."))

    try:
        order = _create_order(
            member=member,
            store=store,
            channel=channel,
            payment_method=payment_method,
            delivery=delivery if channel == Channel.DELIVERY else None,
            distance=distance,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            points=points,
        )
    except IntegrityError:  # the same key, twice at once: the first one won
        existing = Order.objects.filter(member=member, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return _replayed(existing, fingerprint)

    return order, start_order_payment(order=order, new=True), True


def start_order_payment(*, order: Order, new: bool = False) -> Payment:
    """Start (or resume) the payment of a placed order. Idempotent: the payment's key is the
    order's, so a second call returns the same payment and never charges twice; a card payment
    whose PaymentIntent was never created gets it now. A payment that cannot start cancels the
    order, and its lines go back to the cart."""
    try:
        payment = payment_services.start_payment(
            member=order.member,
            reference=order.number,
            amount=order.total,
            currency=order.currency,
            method=order.payment_method,
            idempotency_key=f"order:{order.number}",
            # an order placed in this request has no payment yet: no replay to look for
            new_key=new,
        )
    except Exception:
        cancel_unpaid_order(
            order_id=order.pk,
            reason=CancelReason.PAYMENT_NOT_STARTED,
            note="payment could not start",
        )
        raise
    return payment


def resume_payment(*, order: Order) -> tuple[Order, Payment]:
    """Pay a placed order whose payment was interrupted (from the checkout page or the order
    page): the same payment as before, or a new one if none was started."""
    if order.status != OrderStatus.PLACED:
        raise errors.NotPayable(
            _("This order is %(status)s; there is nothing to pay.")
            % {"status": order.get_status_display()},
            details={"status": order.status},
        )
    payment = start_order_payment(order=order)
    return order, payment


def _replayed(order: Order, fingerprint: str) -> tuple[Order, Payment | None, bool]:
    """The answer to a checkout sent again with the same key. An order still placed whose
    payment never started (the process died in between) gets its payment now."""
    if order.request_fingerprint != fingerprint:
        raise errors.IdempotencyKeyReused(
            _("This Idempotency-Key was already used for a different checkout.")
        )
    if order.status == OrderStatus.PLACED:
        return order, start_order_payment(order=order), False
    return order, payment_selectors.latest_payment_for(reference=order.number), False


def _redeem_points(*, member, store, points, priced, total, idempotency_key, order_number):
    """Take `points` off the order (1 point = 1 minor unit), at most all but one minor unit (a
    payment is never of nothing), shared over the lines in proportion to their totals so that a
    refund of a line gives back what was paid for it. The points are taken by the receiver of
    `signals.redeem_points` (members), inside this transaction."""
    if points < 0 or points >= total.amount:
        raise errors.InvalidCheckout(
            _("You can use from 1 to %(most)d points on this order.")
            % {"most": max(total.amount - 1, 0)},
            details={"most": max(total.amount - 1, 0)},
        )
    taken = [
        result
        for _receiver, result in signals.redeem_points.send(
            sender=Order,
            member=member,
            store=store,
            points=points,
            goods_total=total.amount,
            idempotency_key=idempotency_key,
            order_number=order_number,
        )
        if result
    ]
    if taken != [points]:
        raise errors.InvalidCheckout(_("Points cannot be used here."))
    shares = Money(points, total.currency).allocate(
        [line_total.amount for _, _, line_total in priced]
    )
    priced = [
        (line, unit, line_total - share)
        for (line, unit, line_total), share in zip(priced, shares, strict=True)
    ]
    return priced, total - Money(points, total.currency)


@transaction.atomic
def _create_order(
    *,
    member: Member,
    store: Store,
    channel: str,
    payment_method: str,
    delivery: DeliveryRequest | None,
    distance: int | None,
    idempotency_key: str,
    fingerprint: str,
    points: int = 0,
) -> Order:
    lines = list(
        CartLine.objects.filter(cart__member=member, cart__store=store).select_related(
            "offer__product", "offer__store"
        )
    )
    if not lines:
        raise errors.EmptyCart(_("Your cart is empty."))
    now = timezone.now()
    priced = []
    for line in lines:
        offer, product = line.offer, line.offer.product
        if not offer.is_active:
            raise errors.UnknownProduct(
                _("%(name)s is no longer sold here.") % {"name": shopper_name(product)}
            )
        validate_quantity(quantity=line.quantity, sold_by=product.sold_by)
        unit = offer.current_price(at=now)  # the server's price, never the client's
        total = line_total(unit_price=unit, quantity=line.quantity, sold_by=product.sold_by)
        priced.append((line, unit, total))
    order_total = sum((total for _, _, total in priced), Money.zero(store.currency))
    number = new_order_number()
    if points:
        priced, order_total = _redeem_points(
            member=member,
            store=store,
            points=points,
            priced=priced,
            total=order_total,
            idempotency_key=idempotency_key,
            order_number=number,
        )
    if payment_method == PaymentMethod.WALLET:
        balance = payment_services.wallet_balance(member=member)
        if balance.currency != order_total.currency or balance < order_total:
            # Refused before anything is reserved; the spend itself re-checks under its lock.
            raise InsufficientFunds(
                _("Your wallet holds %(balance)s; this order costs %(total)s. Top it up first.")
                % {"balance": balance, "total": order_total},
                details={"balance": balance.as_dict(), "total": order_total.as_dict()},
            )
    order = Order.objects.create(
        number=number,
        store=store,
        member=member,
        channel=channel,
        currency=store.currency,
        total=order_total.amount,
        points_redeemed=points,
        payment_method=payment_method,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        reserved_until=now + datetime.timedelta(minutes=reservation_minutes()),
        delivery_address=delivery.address.strip()[:255] if delivery else "",
        delivery_latitude=delivery.latitude if delivery else None,
        delivery_longitude=delivery.longitude if delivery else None,
        delivery_distance_m=distance,
        delivery_phone=delivery.phone.strip() if delivery else "",
        delivery_notes=delivery.notes.strip() if delivery else "",
    )
    order_lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            offer=line.offer,
            sku=line.offer.product.sku,
            name_en=line.offer.product.name_en,
            name_ja=line.offer.product.name_ja,
            sold_by=line.offer.product.sold_by,
            quantity=line.quantity,
            quantity_allocated=line.quantity,
            unit_price=unit.amount,
            line_total=total.amount,
        )
        for line, unit, total in priced
    )
    placed = OrderEvent.objects.create(
        order=order,
        kind=OrderEvent.Kind.STATUS_CHANGED,
        from_status="",
        to_status=OrderStatus.PLACED,
        payload={"from": "", "to": OrderStatus.PLACED, "reason": ""},
    )
    send_after_commit(signals.order_placed, sender=Order, order=order)
    live.publish_history(order=order)
    CartLine.objects.filter(cart_id=lines[0].cart_id).delete()
    # Each line holds all its units: one conditional UPDATE and one movement per line, or
    # InsufficientStock listing every short line and this whole transaction undone. Last, so
    # the offers' rows (which every checkout of those products waits for) are locked only
    # until the commit that follows.
    allocate_new_lines(order=order, lines=order_lines)
    # What `orders.selectors.order_with_timeline` would read back, known here: the checkout's
    # answer need not read the order again while nothing else changed it.
    order._prefetched_objects_cache = {"lines": order_lines, "events": [placed], "refunds": []}
    return order
