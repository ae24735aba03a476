"""The stock each order line holds (`OrderLine.quantity_allocated`, grams for weighed lines),
kept equal to what catalog's ledger says the line reserved.

Every change here is one conditional UPDATE of the line plus the matching call to catalog's
stock services (which write the offer and its `StockMovement`), in one transaction. So for
every offer, `stock_reserved` equals the sum of the allocations of the lines that hold it.

- checkout allocates every line in full (`allocate_new_lines`);
- a cancellation, an expiry or a full refund releases everything (`release_order_allocations`);
- a line refund, a shortage found while picking, or a substitution releases exactly some
  units of one line (`release_line_units`); a substitute line gets its own allocation
  (`allocate_line_units`);
- goods leaving the store turn the allocations into sales (`sell_order_allocations`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from catalog import services as catalog_services
from catalog.services import StockUnits
from orders import errors
from orders.models import Order, OrderLine


def _units(units) -> int:
    if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
        raise errors.InvalidQuantity(
            _("A quantity must be a whole number above zero."), details={"quantity": units}
        )
    return units


def allocate_new_lines(*, order: Order, lines: Iterable[OrderLine], actor=None) -> None:
    """Reserve every unit of lines just created with `quantity_allocated == quantity` (checkout
    writes them so, saving an UPDATE). Raises catalog's InsufficientStock listing every short
    line; the caller's transaction must then be undone. Needs a transaction."""
    catalog_services.reserve_stock(
        lines=[
            StockUnits(offer_id=line.offer_id, units=line.quantity_allocated, order_line_id=line.pk)
            for line in lines
            if line.quantity_allocated
        ],
        order_number=order.number,
        actor=actor,
    )


@transaction.atomic
def allocate_line_units(*, line: OrderLine, units: int, actor=None, reason: str = "") -> None:
    """Hold `units` more for `line` (a substitute line, a weighed line picked heavier), or
    raise InsufficientStock with nothing changed."""
    units = _units(units)
    catalog_services.reserve_stock(
        lines=[StockUnits(offer_id=line.offer_id, units=units, order_line_id=line.pk)],
        order_number=line.order.number,
        actor=actor,
    )
    OrderLine.objects.filter(pk=line.pk).update(quantity_allocated=F("quantity_allocated") + units)
    line.refresh_from_db(fields=["quantity_allocated"])


@transaction.atomic
def release_line_units(
    *, line: OrderLine, units: int, actor=None, reason: str = "", strict: bool = True
) -> int:
    """Give back `units` that `line` holds (a shortage found while picking, a substitution, a
    line refund): the line's allocation and the offer's reserved stock go down together, with
    a `release` movement naming the line. Returns the units released.

    With `strict` (the default) asking for more than the line holds is refused
    (InvalidQuantity) and nothing changes; without it, what the line still holds is released
    (a refund of units already sold releases nothing)."""
    units = _units(units)
    held = OrderLine.objects.filter(pk=line.pk).values_list("quantity_allocated", flat=True).get()
    if units > held:
        if strict:
            raise errors.InvalidQuantity(
                _("This line holds %(held)s; %(units)s cannot be released.")
                % {"held": held, "units": units},
                details={"line_id": line.pk, "held": held, "units": units},
            )
        units = held
    if units == 0:
        return 0
    changed = OrderLine.objects.filter(pk=line.pk, quantity_allocated__gte=units).update(
        quantity_allocated=F("quantity_allocated") - units
    )
    if not changed:  # released meanwhile by another transaction
        raise errors.InvalidQuantity(_("The line changed meanwhile; reload it."))
    catalog_services.release_stock(
        lines=[StockUnits(offer_id=line.offer_id, units=units, order_line_id=line.pk)],
        order_number=line.order.number,
        actor=actor,
        reason=reason,
    )
    line.quantity_allocated = held - units
    return units


def _take_all(order: Order) -> list[StockUnits]:
    """Set every line's allocation to zero and return what they held. Needs the order's lock
    (every caller holds it)."""
    held = list(
        order.lines.select_for_update()
        .filter(quantity_allocated__gt=0)
        .values_list("pk", "offer_id", "quantity_allocated")
    )
    if not held:
        return []
    OrderLine.objects.filter(pk__in=[pk for pk, _offer, _units in held]).update(
        quantity_allocated=0
    )
    return [
        StockUnits(offer_id=offer_id, units=units, order_line_id=pk) for pk, offer_id, units in held
    ]


def release_order_allocations(*, order: Order, actor=None, reason: str = "") -> int:
    """Give back everything the order's lines still hold (cancelled, expired, fully refunded).
    Returns the units released. Needs a transaction holding the order's lock."""
    held = _take_all(order)
    if held:
        catalog_services.release_stock(
            lines=held, order_number=order.number, actor=actor, reason=reason
        )
    return sum(item.units for item in held)


def sell_order_allocations(*, order: Order, actor=None, reason: str = "") -> int:
    """The goods left the store (scan & go paid, an order collected or sent out): what the
    lines hold comes off the shelf for good, one `sell` movement per line. Returns the units
    sold. Needs a transaction holding the order's lock."""
    held = _take_all(order)
    if held:
        catalog_services.sell_reserved_stock(
            lines=held, order_number=order.number, actor=actor, reason=reason
        )
    return sum(item.units for item in held)
