"""A substitute agreed for units of a line (pick and pack's substitutions): the substitute becomes
a line of its own, holding its stock until the order leaves the store, and the replaced units of
the original line go back on sale. Money is not touched here: the caller refunds any price
difference (`refund_order_amount`), so the shopper never pays more than the original."""

from __future__ import annotations

from django.db import transaction

from orders.models import Order, OrderLine
from orders.services.stock_allocation import allocate_new_lines, release_line_units


@transaction.atomic
def substitute_line_units(
    *, line: OrderLine, units: int, offer, unit_price: int, actor=None
) -> OrderLine:
    """Replace `units` of `line` with `offer` at `unit_price` each (per piece): the new line
    holds them in the offer's reserved stock (InsufficientStock, with nothing changed, when
    they are not there); the line releases as many as it still holds of the replaced units."""
    order = Order.objects.select_for_update().get(pk=line.order_id)
    line.order = order
    if (
        line.quantity_allocated
        or OrderLine.objects.filter(pk=line.pk, quantity_allocated__gt=0).exists()
    ):
        release_line_units(line=line, units=units, actor=actor, reason="substituted", strict=False)
    product = offer.product
    substitute = OrderLine.objects.create(
        order=order,
        offer=offer,
        sku=product.sku,
        name_en=product.name_en,
        name_ja=product.name_ja,
        sold_by=product.sold_by,
        quantity=units,
        quantity_allocated=units,
        unit_price=unit_price,
        line_total=unit_price * units,
    )
    allocate_new_lines(order=order, lines=[substitute], actor=actor)
    return substitute
