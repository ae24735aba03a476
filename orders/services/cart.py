"""The cart: one per member per store, or an anonymous shopper's by its cookie token.

Quantities are never changed behind the shopper's back: a quantity outside the product's limits
(pieces 1-99, grams 50-5000, whole numbers) is refused with the limits, 0 on a line removes it,
and asking for more than is available now is refused with how many are left. Scan & go has its
own rule, because the shopper already holds the goods: see `STOCK_RULE` and docs/orders.md.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import Member
from catalog import selectors as catalog_selectors
from catalog.models import StoreOffer
from omostore.errors import NotFound
from orders import errors
from orders.models import (
    QUANTITY_LIMITS,
    Cart,
    CartLine,
    Order,
)
from stores.models import Store

logger = logging.getLogger(__name__)

DEFAULT_WEIGHED_GRAMS = 200

STOCK_RULE = (
    "A cart never holds more than is available now: adding or raising a quantity beyond it is "
    "refused at once with how many are left. Checkout checks again and reserves the stock. Scan "
    "& go: the goods are already in the shopper's basket, so nothing is reserved while they "
    "shop; the same count applies at payment, and an item the count says is sold out is paid "
    "at a staffed register, where the staff correct the count."
)


def validate_quantity(*, quantity: object, sold_by: str) -> int:
    """A whole number of pieces (1-99) or grams (50-5000); anything else is refused with the
    limits, never rounded or clamped. A JSON number such as 3.0 is the whole number 3."""
    low, high = QUANTITY_LIMITS[sold_by]
    unit = "grams" if sold_by == "weight" else "pieces"
    if isinstance(quantity, float) and quantity.is_integer():
        quantity = int(quantity)
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


def shopper_name(product) -> str:
    """The product's name in the shopper's language (the one of the request)."""
    if (get_language() or "en").startswith("ja") and product.name_ja:
        return product.name_ja
    return product.name_en


def check_available(*, offer: StoreOffer, quantity: int) -> None:
    """Refuse a cart line of more than is available now, saying how many are left."""
    available = max(offer.stock_available, 0)
    if quantity <= available:
        return
    product = offer.product
    unit = "grams" if product.sold_by == "weight" else "pieces"
    if available == 0:
        message = _("%(name)s is sold out.") % {"name": shopper_name(product)}
    elif product.sold_by == "weight":
        message = _("Only %(available)s g of %(name)s are left.") % {
            "available": available,
            "name": shopper_name(product),
        }
    else:
        message = _("Only %(available)s of %(name)s are left.") % {
            "available": available,
            "name": shopper_name(product),
        }
    raise errors.NotEnoughStock(
        message,
        details={"sku": product.sku, "available": available, "requested": quantity, "unit": unit},
    )


def cart_for_member(*, member: Member, store: Store) -> Cart:
    """The member's cart of the store (with `store` attached), created on first use."""
    cart = Cart.objects.filter(member=member, store=store).first()  # the usual case: one read
    if cart is None:
        try:
            with transaction.atomic():
                cart = Cart.objects.get_or_create(member=member, store=store)[0]
        except IntegrityError:  # two first requests at once
            cart = Cart.objects.get(member=member, store=store)
    cart.store = store
    return cart


def anonymous_cart(*, store: Store, token: str | None, create: bool) -> Cart | None:
    """An anonymous shopper's cart for `store`, found by the token in their cookie."""
    if token:
        cart = Cart.objects.filter(token=token, store=store, member__isnull=True).first()
        if cart is not None:
            cart.store = store
            return cart
    return Cart.objects.create(store=store) if create else None


def _active_offer(*, store: Store, sku: str) -> StoreOffer:
    offer = catalog_selectors.active_offer(store=store, sku=sku)
    if offer is None:
        raise errors.UnknownProduct(_("This store does not sell %(sku)s.") % {"sku": sku})
    return offer


@transaction.atomic
def add_to_cart(*, cart: Cart, sku: str, quantity: object) -> CartLine:
    """Put `quantity` more of the product in the cart (one line per product). Refused, with
    nothing changed, outside the limits or beyond what is available now."""
    offer = _active_offer(store=cart.store, sku=sku)
    quantity = validate_quantity(quantity=quantity, sold_by=offer.product.sold_by)
    line = CartLine.objects.select_for_update().filter(cart=cart, offer=offer).first()
    total = validate_quantity(
        quantity=quantity + (line.quantity if line else 0), sold_by=offer.product.sold_by
    )
    check_available(offer=offer, quantity=total)
    if line is None:
        line = CartLine.objects.create(cart=cart, offer=offer, quantity=total)
    else:
        line.quantity = total
        line.save(update_fields=["quantity"])
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return line


def _cart_line(*, cart: Cart, line_id: int) -> CartLine:
    line = (
        CartLine.objects.select_related("offer__product", "offer__store")
        .filter(pk=line_id, cart=cart)
        .first()
    )
    if line is None:  # another shopper's line is as unknown as a missing one
        raise NotFound(_("No such line in your cart."))
    return line


@transaction.atomic
def set_line_quantity(*, cart: Cart, line_id: int, quantity: object) -> CartLine | None:
    """Set a line's quantity; 0 removes the line (returns None). Refused, with nothing changed,
    outside the limits or beyond what is available now (lowering a quantity is always fine)."""
    line = _cart_line(cart=cart, line_id=line_id)
    if quantity == 0 and not isinstance(quantity, bool):
        line.delete()
        return None
    quantity = validate_quantity(quantity=quantity, sold_by=line.offer.product.sold_by)
    if quantity > line.quantity:
        check_available(offer=line.offer, quantity=quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    return line


@transaction.atomic
def remove_line(*, cart: Cart, line_id: int) -> None:
    _cart_line(cart=cart, line_id=line_id).delete()


@transaction.atomic
def add_recipe_to_cart(*, cart: Cart, recipe_slug: str) -> list[CartLine]:
    """'Add all ingredients': one of each ingredient this store sells and has in stock (weighed
    ones by DEFAULT_WEIGHED_GRAMS, or what is left if less); ingredients already in the cart
    stay as they are."""
    ingredients = catalog_selectors.recipe_offers(recipe_slug=recipe_slug, store=cart.store)
    if ingredients is None:
        raise NotFound(_("No such recipe."))
    in_cart = set(CartLine.objects.filter(cart=cart).values_list("offer_id", flat=True))
    lines = []
    for product, offer in ingredients:
        if offer is None or offer.pk in in_cart:
            continue
        amount = DEFAULT_WEIGHED_GRAMS if product.sold_by == "weight" else 1
        if offer.stock_available < amount:
            continue
        lines.append(CartLine.objects.create(cart=cart, offer=offer, quantity=amount))
        in_cart.add(offer.pk)
    if lines:
        Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return lines


@transaction.atomic
def merge_carts(*, source: Cart, target: Cart) -> Cart:
    """At login the anonymous cart joins the member's; quantities of the same product add up
    within the product's limit (the most a line may hold)."""
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


def restore_cart_from_order(*, order: Order) -> Cart:
    """An order that was never paid gives its lines back to the member's cart of its store (its
    stock was released just before): what they chose is not lost. A product no longer sold is
    left out; a product already in the cart adds up within its limit."""
    cart = cart_for_member(member=order.member, store=order.store)
    offers = catalog_selectors.active_offers_by_id(
        offer_ids=order.lines.values_list("offer_id", flat=True)
    )
    existing = {line.offer_id: line for line in CartLine.objects.filter(cart=cart)}
    for line in order.lines.all():
        offer = offers.get(line.offer_id)
        if offer is None:
            continue
        high = QUANTITY_LIMITS[offer.product.sold_by][1]
        current = existing.get(offer.pk)
        if current is None:
            existing[offer.pk] = CartLine.objects.create(
                cart=cart, offer=offer, quantity=min(line.quantity, high)
            )
        else:
            current.quantity = min(current.quantity + line.quantity, high)
            current.save(update_fields=["quantity"])
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return cart
