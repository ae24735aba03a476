"""The cart: one per member per store, or an anonymous shopper's by its cookie token."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Member
from catalog.models import RecipeIngredient, StoreOffer
from omostore.errors import NotFound
from orders import errors
from orders.models import (
    QUANTITY_LIMITS,
    Cart,
    CartLine,
)
from stores.models import Store

logger = logging.getLogger(__name__)

DEFAULT_WEIGHED_GRAMS = 200


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
