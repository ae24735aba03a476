"""Writes of the orders app: the cart, checkout, the status pipeline, cancellation, exit passes.

Every status change goes through `set_status`, which checks `orders.statuses`, writes an
`OrderEvent` and publishes the change after the commit.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Member
from catalog import services as catalog_services
from catalog.models import RecipeIngredient, StoreOffer
from omostore import realtime
from omostore.errors import Forbidden, NotFound
from omostore.geo import distance_m
from omostore.money import Money
from orders import errors
from orders.models import (
    QUANTITY_LIMITS,
    Cart,
    CartLine,
    Channel,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)
from orders.statuses import CANCELLABLE_BY_MEMBER, can_transition
from payments import services as payment_services
from payments.errors import InsufficientFunds
from payments.models import Payment, PaymentMethod
from stores.models import Store
from stores.roles import Role
from stores.selectors import has_store_role

logger = logging.getLogger(__name__)

DELIVERY_PROMISE = datetime.timedelta(minutes=30)
DEFAULT_WEIGHED_GRAMS = 200
EXIT_PASS_SALT = "orders.exit-pass"  # noqa: S105 (a signing salt, not a secret)


# --- Cart -----------------------------------------------------------------------------------------


def validate_quantity(*, quantity: object, sold_by: str) -> int:
    """A whole number of pieces (1-99) or grams (50-5000); anything else is refused."""
    low, high = QUANTITY_LIMITS[sold_by]
    unit = "grams" if sold_by == "weight" else "pieces"
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not low <= quantity <= high:
        message = (
            _("The quantity must be a whole number of grams from %(low)s to %(high)s.")
            if sold_by == "weight"
            else _("The quantity must be a whole number of pieces from %(low)s to %(high)s.")
        )
        raise errors.InvalidQuantity(
            message % {"low": low, "high": high},
            details={"min": low, "max": high, "unit": unit},
        )
    return quantity


def cart_for_member(*, member: Member, store: Store) -> Cart:
    try:
        with transaction.atomic():
            return Cart.objects.get_or_create(member=member, store=store)[0]
    except IntegrityError:  # two first requests at once
        return Cart.objects.get(member=member, store=store)


def anonymous_cart(*, store: Store, token: str | None, create: bool) -> Cart | None:
    """An anonymous shopper's cart for `store`, found by the token in their cookie."""
    if token:
        cart = Cart.objects.filter(token=token, store=store, member__isnull=True).first()
        if cart is not None:
            return cart
    return Cart.objects.create(store=store) if create else None


def _active_offer(*, store: Store, sku: str) -> StoreOffer:
    offer = (
        StoreOffer.objects.select_related("product", "store")
        .filter(store=store, product__sku=sku, is_active=True)
        .first()
    )
    if offer is None:
        raise errors.UnknownProduct(_("This store does not sell %(sku)s.") % {"sku": sku})
    return offer


@transaction.atomic
def add_to_cart(*, cart: Cart, sku: str, quantity: int) -> CartLine:
    """Put `quantity` more of the product in the cart (one line per product)."""
    offer = _active_offer(store=cart.store, sku=sku)
    validate_quantity(quantity=quantity, sold_by=offer.product.sold_by)
    line = CartLine.objects.select_for_update().filter(cart=cart, offer=offer).first()
    if line is None:
        line = CartLine.objects.create(cart=cart, offer=offer, quantity=quantity)
    else:
        line.quantity = validate_quantity(
            quantity=line.quantity + quantity, sold_by=offer.product.sold_by
        )
        line.save(update_fields=["quantity"])
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return line


def _cart_line(*, cart: Cart, line_id: int) -> CartLine:
    line = CartLine.objects.select_related("offer__product").filter(pk=line_id, cart=cart).first()
    if line is None:  # another shopper's line is as unknown as a missing one
        raise NotFound(_("No such line in your cart."))
    return line


@transaction.atomic
def set_line_quantity(*, cart: Cart, line_id: int, quantity: int) -> CartLine:
    line = _cart_line(cart=cart, line_id=line_id)
    line.quantity = validate_quantity(quantity=quantity, sold_by=line.offer.product.sold_by)
    line.save(update_fields=["quantity"])
    return line


@transaction.atomic
def remove_line(*, cart: Cart, line_id: int) -> None:
    _cart_line(cart=cart, line_id=line_id).delete()


@transaction.atomic
def add_recipe_to_cart(*, cart: Cart, recipe_slug: str) -> list[CartLine]:
    """'Add all ingredients': one of each ingredient this store sells and has in stock."""
    ingredients = RecipeIngredient.objects.filter(
        recipe__slug=recipe_slug, recipe__is_published=True, product__isnull=False
    ).select_related("product")
    if not ingredients.exists():
        raise NotFound(_("No such recipe."))
    lines = []
    for ingredient in ingredients:
        product = ingredient.product
        offer = StoreOffer.objects.filter(store=cart.store, product=product, is_active=True).first()
        if offer is None or offer.stock_available <= 0:
            continue
        amount = DEFAULT_WEIGHED_GRAMS if product.sold_by == "weight" else 1
        if not CartLine.objects.filter(cart=cart, offer=offer).exists():
            lines.append(add_to_cart(cart=cart, sku=product.sku, quantity=amount))
    return lines


@transaction.atomic
def merge_carts(*, source: Cart, target: Cart) -> Cart:
    """At login the anonymous cart joins the member's; quantities add up within the limits."""
    if source.pk == target.pk or source.store_id != target.store_id:
        return target
    for line in source.lines.select_related("offer__product"):
        existing = CartLine.objects.filter(cart=target, offer=line.offer).first()
        high = QUANTITY_LIMITS[line.offer.product.sold_by][1]
        if existing is None:
            line.cart = target
            line.save(update_fields=["cart"])
        else:
            existing.quantity = min(existing.quantity + line.quantity, high)
            existing.save(update_fields=["quantity"])
    source.delete()
    return target


# --- Checkout -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryRequest:
    address: str
    latitude: Decimal
    longitude: Decimal


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
        )
    except IntegrityError:  # the same key, twice at once: the first one won
        existing = Order.objects.filter(member=member, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return _replayed(existing, fingerprint)

    try:
        payment = payment_services.start_payment(
            member=member,
            reference=order.number,
            amount=order.total,
            currency=order.currency,
            method=payment_method,
            idempotency_key=f"order:{order.number}",
        )
    except Exception:
        _cancel_unpaid(order_id=order.pk, note="payment could not start")
        raise
    order.refresh_from_db()
    return order, payment, True


def _replayed(order: Order, fingerprint: str) -> tuple[Order, Payment | None, bool]:
    if order.request_fingerprint != fingerprint:
        raise errors.IdempotencyKeyReused(
            _("This Idempotency-Key was already used for a different checkout.")
        )
    return order, Payment.objects.filter(reference=order.number).order_by("-pk").first(), False


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
) -> Order:
    cart = Cart.objects.filter(member=member, store=store).first()
    lines = list(
        CartLine.objects.filter(cart=cart).select_related("offer__product", "offer__store")
        if cart
        else []
    )
    if not lines:
        raise errors.EmptyCart(_("Your cart is empty."))
    now = timezone.now()
    priced = []
    for line in lines:
        offer, product = line.offer, line.offer.product
        if not offer.is_active:
            raise errors.UnknownProduct(
                _("%(name)s is no longer sold here.") % {"name": product.name_en}
            )
        validate_quantity(quantity=line.quantity, sold_by=product.sold_by)
        unit = offer.current_price(at=now)  # the server's price, never the client's
        total = line_total(unit_price=unit, quantity=line.quantity, sold_by=product.sold_by)
        priced.append((line, unit, total))
    order_total = sum((total for _, _, total in priced), Money.zero(store.currency))
    if payment_method == PaymentMethod.WALLET:
        balance = payment_services.wallet_balance(member=member)
        if balance.currency != order_total.currency or balance < order_total:
            # Refused before anything is reserved; the spend itself re-checks under its lock.
            raise InsufficientFunds(
                _("Your wallet holds %(balance)s; this order costs %(total)s. Top it up first.")
                % {"balance": balance, "total": order_total},
                details={"balance": balance.as_dict(), "total": order_total.as_dict()},
            )
    catalog_services.reserve_stock(quantities={line.offer_id: line.quantity for line in lines})
    order = Order.objects.create(
        store=store,
        member=member,
        channel=channel,
        currency=store.currency,
        total=order_total.amount,
        payment_method=payment_method,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        reserved_until=now + datetime.timedelta(minutes=reservation_minutes()),
        stock_reserved=True,
        delivery_address=delivery.address.strip()[:255] if delivery else "",
        delivery_latitude=delivery.latitude if delivery else None,
        delivery_longitude=delivery.longitude if delivery else None,
        delivery_distance_m=distance,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            offer=line.offer,
            sku=line.offer.product.sku,
            name_en=line.offer.product.name_en,
            name_ja=line.offer.product.name_ja,
            sold_by=line.offer.product.sold_by,
            quantity=line.quantity,
            unit_price=unit.amount,
            line_total=total.amount,
        )
        for line, unit, total in priced
    )
    OrderEvent.objects.create(order=order, from_status="", to_status=OrderStatus.PLACED)
    cart.lines.all().delete()
    return order


# --- Status pipeline ------------------------------------------------------------------------------


def order_group(order: Order) -> str:
    return realtime.group_name("order", order.pk)


def set_status(*, order: Order, to_status: str, actor=None, note: str = "") -> OrderEvent:
    """Move the order along the pipeline, or raise InvalidTransition. The UPDATE is guarded by
    the status it read, so two racing changes cannot both win. Needs a transaction."""
    from_status = order.status
    if not can_transition(channel=order.channel, from_status=from_status, to_status=to_status):
        raise errors.InvalidTransition(
            _("An order that is %(from)s cannot become %(to)s.")
            % {"from": from_status, "to": to_status},
            details={"from": from_status, "to": to_status},
        )
    changed = Order.objects.filter(pk=order.pk, status=from_status).update(
        status=to_status, updated_at=timezone.now()
    )
    if not changed:
        raise errors.InvalidTransition(_("The order changed meanwhile; reload it."))
    order.status = to_status
    event = OrderEvent.objects.create(
        order=order, from_status=from_status, to_status=to_status, actor=actor, note=note
    )
    payload = {
        "number": order.number,
        "status": to_status,
        "from": from_status,
        "at": event.created_at.isoformat(),
        "note": note,
    }
    realtime.publish(order_group(order), "order.status", payload)
    realtime.publish(realtime.group_name("store", order.store_id), "order.status", payload)
    return event


def _order_quantities(order: Order) -> dict[int, int]:
    quantities: dict[int, int] = {}
    for offer_id, quantity in order.lines.values_list("offer_id", "quantity"):
        quantities[offer_id] = quantities.get(offer_id, 0) + quantity
    return quantities


def _release(order: Order) -> None:
    if order.stock_reserved:
        catalog_services.release_stock(quantities=_order_quantities(order))
        Order.objects.filter(pk=order.pk).update(stock_reserved=False)
        order.stock_reserved = False


@transaction.atomic
def _cancel_unpaid(*, order_id: int, note: str, actor=None) -> bool:
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status != OrderStatus.PLACED:
        return False
    _release(order)
    set_status(order=order, to_status=OrderStatus.CANCELLED, actor=actor, note=note)
    return True


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
        _cancel_unpaid(order_id=order.pk, note=f"payment {payment.status}")


def expire_unpaid_orders(*, now: datetime.datetime | None = None) -> int:
    """Release the stock of orders whose payment did not arrive in time. Safe to run twice."""
    now = now or timezone.now()
    expired = 0
    for order_id in Order.objects.filter(
        status=OrderStatus.PLACED, reserved_until__lt=now
    ).values_list("pk", flat=True):
        if _cancel_unpaid(order_id=order_id, note="not paid in time; stock released"):
            expired += 1
            order = Order.objects.get(pk=order_id)
            for payment in Payment.objects.filter(
                reference=order.number, status=Payment.Status.PENDING
            ):
                payment_services.cancel_payment(payment=payment)
    return expired


@transaction.atomic
def cancel_order(*, order: Order, member: Member, actor=None) -> Order:
    """The member cancels before picking starts; a paid order is refunded in full."""
    order = Order.objects.select_for_update().get(pk=order.pk, member=member)
    if order.status not in CANCELLABLE_BY_MEMBER or (
        order.channel == Channel.IN_STORE and order.status == OrderStatus.PAID
    ):
        raise errors.NotCancellable(
            _("This order can no longer be cancelled here; please ask at the counter.")
        )
    _release(order)
    set_status(
        order=order, to_status=OrderStatus.CANCELLED, actor=actor, note="cancelled by member"
    )
    for payment in Payment.objects.filter(reference=order.number):
        if payment.status == Payment.Status.SUCCEEDED and payment.refundable_amount:
            payment_services.refund_payment(
                payment=payment,
                amount=payment.refundable_amount,
                reason="order cancelled by the member",
                idempotency_key=f"cancel:{order.number}:{payment.pk}",
                actor=actor,
            )
        elif payment.status == Payment.Status.PENDING:
            payment_services.cancel_payment(payment=payment)
    return order


@transaction.atomic
def refund_order(*, order: Order, amount: int, actor, reason: str = "") -> Order:
    """A manager refunds part or all of a paid order; a full refund of a finished order marks
    it refunded."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    payment = (
        Payment.objects.filter(reference=order.number, status=Payment.Status.SUCCEEDED)
        .order_by("pk")
        .first()
    )
    if payment is None:
        raise errors.NotCancellable(_("This order has no payment to refund."))
    payment_services.refund_payment(
        payment=payment,
        amount=amount,
        reason=reason or "refund by the store",
        idempotency_key=f"manager-refund:{order.number}:{payment.refunded_amount}:{amount}",
        actor=actor,
    )
    payment.refresh_from_db()
    if payment.refundable_amount == 0 and can_transition(
        channel=order.channel, from_status=order.status, to_status=OrderStatus.REFUNDED
    ):
        _release(order)
        set_status(order=order, to_status=OrderStatus.REFUNDED, actor=actor, note=reason)
    return order


# --- Exit pass ------------------------------------------------------------------------------------


def _exit_signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=EXIT_PASS_SALT)


def issue_exit_pass(*, order: Order) -> tuple[str, datetime.datetime]:
    """A signed, short-lived code for the exit QR of a paid scan & go order."""
    if order.channel != Channel.IN_STORE or order.status != OrderStatus.PAID:
        raise errors.ExitPassInvalid(_("Exit passes are for paid in-store orders."))
    code = _exit_signer().sign_object({"n": order.number, "s": order.store_id}, compress=True)
    expires = timezone.now() + datetime.timedelta(seconds=settings.EXIT_PASS_MAX_AGE_SECONDS)
    return code, expires


@transaction.atomic
def verify_exit_pass(*, code: str, store: Store, staff_user) -> Order:
    """The first scan at the exit completes the order; any later scan says it was used."""
    if not has_store_role(user=staff_user, store_id=store.pk, roles=[Role.EXIT, Role.MANAGER]):
        raise Forbidden(_("Only exit staff of this store verify exit passes."))
    try:
        data = _exit_signer().unsign_object(
            code.strip(), max_age=settings.EXIT_PASS_MAX_AGE_SECONDS
        )
    except signing.SignatureExpired:
        raise errors.ExitPassExpired(
            _("This exit pass has expired: ask the shopper to refresh it in the app.")
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise errors.ExitPassInvalid(_("This is not a valid exit pass.")) from None
    if not isinstance(data, dict) or data.get("s") != store.pk:
        raise errors.ExitPassWrongStore(_("This exit pass belongs to another store."))
    order = Order.objects.select_for_update().filter(number=data.get("n"), store=store).first()
    if order is None:
        raise errors.ExitPassInvalid(_("This is not a valid exit pass."))
    if order.status == OrderStatus.EXITED:
        raise errors.ExitPassUsed(
            _("This exit pass was already used."),
            details={"verified_at": order.exit_verified_at.isoformat()},
        )
    if order.status != OrderStatus.PAID:
        raise errors.ExitPassInvalid(
            _("This order is %(status)s.") % {"status": order.get_status_display().lower()}
        )
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(exit_verified_at=now, exit_verified_by=staff_user)
    order.exit_verified_at, order.exit_verified_by = now, staff_user
    set_status(order=order, to_status=OrderStatus.EXITED, actor=staff_user, note="exit verified")
    return order
