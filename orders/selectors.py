"""Reads of the orders app, with their joins already right."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import Member
from catalog.selectors import stock_state
from omostore.money import Money
from orders.models import Cart, CartLine, Order, OrderEvent, OrderLine
from orders.services import line_total
from payments.models import Payment


def member_cart(*, member: Member, store) -> Cart | None:
    """The member's cart of this store, if there is one (reads only: no lock, no insert)."""
    return Cart.objects.filter(member=member, store=store).first()


def priced_cart(*, cart: Cart | None, store) -> dict:
    """The cart with today's server prices (markdowns in their window) and availability."""
    lines = (
        list(
            CartLine.objects.filter(cart=cart)
            .select_related("offer__product", "offer__store")
            .order_by("added_at", "pk")
        )
        if cart is not None
        else []
    )
    now = timezone.now()
    total = Money.zero(store.currency)
    rows = []
    for line in lines:
        offer, product = line.offer, line.offer.product
        unit = offer.current_price(at=now)
        amount = line_total(unit_price=unit, quantity=line.quantity, sold_by=product.sold_by)
        total += amount
        rows.append(
            {
                "line": line,
                "offer": offer,
                "product": product,
                "unit_price": unit,
                "regular_price": Money(offer.price, store.currency)
                if offer.markdown_active(now)
                else None,
                "line_total": amount,
                "stock_state": stock_state(offer),
                "enough_stock": offer.is_active and offer.stock_available >= line.quantity,
            }
        )
    return {"cart": cart, "store": store, "lines": rows, "total": total}


def member_orders(*, member: Member) -> QuerySet[Order]:
    """Every order of the member, all channels, newest first: one history."""
    return (
        Order.objects.filter(member=member)
        .select_related("store")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
        .order_by("-created_at", "-pk")
    )


def member_order(*, member: Member, number: str) -> Order | None:
    """The member's own order, or None: another member's order is as unknown as a missing one."""
    return (
        Order.objects.filter(member=member, number=number)
        .select_related("store")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("pk")),
            Prefetch(
                "events",
                queryset=OrderEvent.objects.select_related("actor").order_by("created_at", "pk"),
            ),
        )
        .first()
    )


def order_snapshot(*, order: Order) -> dict:
    """What a live order page shows; also the websocket snapshot."""
    return {
        "number": order.number,
        "status": order.status,
        "status_display": order.get_status_display(),
        "channel": order.channel,
        "promised_by": order.promised_by.isoformat() if order.promised_by else None,
        "paid_at": order.paid_at.isoformat() if order.paid_at else None,
        "total": Money(order.total, order.currency).as_dict(),
        "timeline": [
            {
                "from": event.from_status,
                "to": event.to_status,
                "at": event.created_at.isoformat(),
                "note": event.note,
            }
            for event in order.events.all()
        ],
    }


def latest_payment(*, order: Order) -> Payment | None:
    return Payment.objects.filter(reference=order.number).order_by("-pk").first()


def order_for_staff(*, order_id: int) -> Order:
    return (
        Order.objects.select_related("store", "member__user")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
        .get(pk=order_id)
    )
