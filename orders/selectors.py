"""Reads of the orders app, with their joins already right: the cart, the order and the order
list take a fixed number of queries whatever the number of lines."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import Member
from catalog.selectors import stock_state
from omostore.money import Money
from orders import live
from orders.models import (
    QUANTITY_LIMITS,
    Cart,
    CartLine,
    Order,
    OrderEvent,
    OrderLine,
    OrderRefund,
    OrderRefundLine,
    OrderStatus,
)
from orders.services.checkout import line_total
from payments import selectors as payment_selectors
from payments.models import Payment
from stores.models import Store


def member_cart(*, member: Member, store) -> Cart | None:
    """The member's cart of this store, if there is one (reads only: no lock, no insert)."""
    return Cart.objects.filter(member=member, store=store).first()


def anonymous_cart_by_token(*, token: str) -> Cart | None:
    """An anonymous shopper's cart, by the token in their cookie, with its store."""
    return Cart.objects.select_related("store").filter(token=token, member__isnull=True).first()


def cart_line_with_cart(*, line_id: int) -> CartLine | None:
    """A cart line with its cart and store (the API then checks whose cart it is)."""
    return CartLine.objects.select_related("cart__store").filter(pk=line_id).first()


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
                "available": max(offer.stock_available, 0) if offer.is_active else 0,
                "enough_stock": offer.is_active and offer.stock_available >= line.quantity,
                "limits": QUANTITY_LIMITS[product.sold_by],
            }
        )
    return {"cart": cart, "store": store, "lines": rows, "total": total}


def _refunds_prefetch() -> Prefetch:
    return Prefetch(
        "refunds",
        queryset=OrderRefund.objects.order_by("pk").prefetch_related(
            Prefetch("lines", queryset=OrderRefundLine.objects.order_by("pk"))
        ),
    )


def member_orders(*, member: Member) -> QuerySet[Order]:
    """Every order of the member, all channels, newest first: one history."""
    return (
        Order.objects.filter(member=member)
        .select_related("store")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
        .order_by("-created_at", "-pk")
    )


def _full_order() -> QuerySet[Order]:
    return Order.objects.select_related("store", "member").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("pk")),
        Prefetch("events", queryset=OrderEvent.objects.order_by("pk")),
        _refunds_prefetch(),
    )


def member_order(*, member: Member, number: str) -> Order | None:
    """The member's own order with its lines, timeline and refunds, or None: another member's
    order is as unknown as a missing one."""
    return _full_order().filter(member=member, number=number).first()


def order_with_timeline(*, order_id: int) -> Order:
    """An order with everything its live page shows (the websocket snapshot)."""
    return _full_order().get(pk=order_id)


def order_after_its_payment(*, order: Order) -> Order:
    """A order placed in this request, read again after its payment changed it (a wallet pays
    at once): its row and timeline from the database; its lines (a price snapshot) and refunds
    (none: a payment that pays a placed order refunds nothing) as `place_order` left them.
    Two queries instead of four; anything else is read in full."""
    cached = getattr(order, "_prefetched_objects_cache", {})
    if "lines" not in cached:
        return order_with_timeline(order_id=order.pk)
    fresh = (
        Order.objects.select_related("store", "member")
        .prefetch_related(Prefetch("events", queryset=OrderEvent.objects.order_by("pk")))
        .get(pk=order.pk)
    )
    if fresh.status != OrderStatus.PAID:
        return order_with_timeline(order_id=order.pk)
    fresh._prefetched_objects_cache.update(lines=cached["lines"], refunds=[])
    return fresh


def order_snapshot(*, order: Order) -> dict:
    """What the live order page shows; the order group's snapshot (docs/realtime.md). Needs the
    order from `member_order` / `order_with_timeline` (store, events and refunds fetched)."""
    zone = order.store.time_zone
    refunds = list(order.refunds.all())
    return {
        "number": order.number,
        "store": order.store.code,
        "channel": order.channel,
        "status": order.status,
        "status_display": order.get_status_display(),
        "placed_at": live.local_iso(order.created_at, zone),
        "paid_at": live.local_iso(order.paid_at, zone),
        "promised_by": live.promised_by(order),
        "total": order.total_money.as_dict(),
        "refunded": live.refunded_total(refunds, order.currency),
        "refunds": [live.refund_entry(refund, time_zone=zone) for refund in refunds],
        "timeline": [live.timeline_entry(event, time_zone=zone) for event in order.events.all()],
    }


def store_feed_orders(*, store: Store) -> list[dict]:
    """The store group's `orders`: paid orders the floor still has to finish, oldest payment
    first (docs/realtime.md)."""
    orders = Order.objects.filter(store=store, status__in=live.STORE_FEED_STATUSES).select_related(
        "store"
    )
    return sorted((live.order_summary(order) for order in orders), key=live.feed_sort_key)


def latest_payment(*, order: Order) -> Payment | None:
    return payment_selectors.latest_payment_for(reference=order.number)


def last_delivery_contact(*, member: Member) -> dict[str, str]:
    """The phone and notes of the member's last delivery order, to pre-fill the checkout
    (empty strings when there is none)."""
    last = (
        Order.objects.filter(member=member, channel="delivery")
        .exclude(delivery_phone="")
        .order_by("-created_at", "-pk")
        .values("delivery_phone", "delivery_notes")
        .first()
    )
    return {
        "phone": last["delivery_phone"] if last else "",
        "notes": last["delivery_notes"] if last else "",
    }


def pending_order(*, member: Member, store: Store) -> Order | None:
    """The member's newest order of this store still waiting for its payment (a checkout that
    was interrupted), or None."""
    return (
        Order.objects.filter(member=member, store=store, status=OrderStatus.PLACED)
        .select_related("store")
        .order_by("-created_at", "-pk")
        .first()
    )


def member_bought(*, member_id: int, product_id: int) -> bool:
    """Whether the member paid for the product in any channel (and was not refunded the whole
    order)."""
    return (
        OrderLine.objects.filter(
            order__member_id=member_id,
            offer__product_id=product_id,
            order__paid_at__isnull=False,
        )
        .exclude(order__status__in=[OrderStatus.CANCELLED, OrderStatus.REFUNDED])
        .exists()
    )


def order_for_staff(*, order_id: int) -> Order:
    return (
        Order.objects.select_related("store", "member__user")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
        .get(pk=order_id)
    )


def staff_order(*, number: str, store_ids: list[int] | None) -> Order | None:
    """An order of one of `store_ids` (None: any store), with its lines, timeline and refunds;
    None for an order of another store (as unknown as a missing one)."""
    orders = _full_order().filter(number=number)
    if store_ids is not None:
        orders = orders.filter(store_id__in=store_ids)
    return orders.first()


def lines_for_picking(*, order_id: int) -> list[OrderLine]:
    """An order's lines with their offer and product (zone, aisle, bay, barcode): what pick
    and pack turns into pick lines."""
    return list(
        OrderLine.objects.filter(order_id=order_id).select_related("offer__product").order_by("pk")
    )


def paid_orders_without(*, channels, since, exclude_ids) -> list[int]:
    """Ids of orders of `channels` paid since `since`, still paid (not picked or cancelled),
    and not among `exclude_ids` (a subquery): the catch-up sweep of an app that missed
    `order_paid`."""
    return list(
        Order.objects.filter(
            channel__in=list(channels), status=OrderStatus.PAID, paid_at__gte=since
        )
        .exclude(pk__in=exclude_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def orders_paid_since(*, since) -> QuerySet[Order]:
    """Orders paid at or after `since`, any channel, oldest first (members' catch-up of points)."""
    return Order.objects.filter(paid_at__gte=since).order_by("paid_at", "pk")


def points_earned(*, member: Member, numbers: list[str]) -> dict[str, int]:
    """{order number: points its purchase earned} for these orders of the member (one read)."""
    return live.points_earned(member_id=member.pk, numbers=numbers)


def history_snapshot(*, member: Member) -> dict:
    """The member history group's snapshot: the newest orders as `live.history_row`s, with the
    points each earned (one question to the apps above for all of them)."""
    orders = list(
        Order.objects.filter(member=member)
        .select_related("store")
        .prefetch_related("lines", "refunds")
        .order_by("-created_at", "-pk")[: live.HISTORY_SNAPSHOT_ORDERS]
    )
    earned = live.points_earned(member_id=member.pk, numbers=[order.number for order in orders])
    return {
        "orders": [live.history_row(order, points=earned.get(order.number, 0)) for order in orders]
    }


def register_sale(*, store: Store, number: str) -> Order | None:
    """A register sale of `store` with its lines, refunds and sale row, or None (another
    store's sale is as unknown as a missing one)."""
    return (
        Order.objects.filter(store=store, number=number, channel="register")
        .select_related("store", "member__user", "register_sale__cashier")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
        .first()
    )


def recent_register_sales(*, store: Store, limit: int = 10) -> list[Order]:
    return list(
        Order.objects.filter(store=store, channel="register")
        .select_related("register_sale")
        .order_by("-created_at", "-pk")[:limit]
    )
