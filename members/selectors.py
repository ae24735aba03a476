"""Reads of members, and the one place that gathers a member's data from every app (export)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Min, QuerySet, Sum
from django.utils import timezone

from accounts.models import Member
from catalog import selectors as catalog_selectors
from members.models import (
    Favourite,
    InboxMessage,
    NotificationKind,
    NotificationPreference,
    PointsAccount,
    PointsEntry,
    PointsGrant,
    PointsSource,
)
from omostore.money import Money
from orders import selectors as order_selectors
from payments import selectors as payment_selectors
from payments import services as payment_services


@dataclass(frozen=True)
class FavouriteRow:
    """A favourite as one store sells it: `offer` is None when the store does not sell it."""

    favourite: Favourite
    offer: Any
    price: Money | None
    regular_price: Money | None  # set when the price is a markdown
    stock_state: str  # in_stock | low | out | not_sold


def member_favourites(*, member: Member, store) -> list[FavouriteRow]:
    """The member's favourites, newest first, each with this store's price and stock (two
    queries)."""
    favourites = list(
        Favourite.objects.filter(member=member).select_related("product", "product__category")
    )
    offers = catalog_selectors.offers_of_products(
        store=store, product_ids=[f.product_id for f in favourites]
    )
    rows = []
    for favourite in favourites:
        offer = offers.get(favourite.product_id)
        if offer is None:
            rows.append(FavouriteRow(favourite, None, None, None, "not_sold"))
            continue
        price = offer.current_price()
        regular = Money(offer.price, price.currency) if price.amount != offer.price else None
        rows.append(
            FavouriteRow(favourite, offer, price, regular, catalog_selectors.stock_state(offer))
        )
    return rows


def favourite_skus(*, member: Member, skus: list[str] | None = None) -> list[str]:
    """Which of `skus` (all when None) the member hearted."""
    queryset = Favourite.objects.filter(member=member)
    if skus is not None:
        queryset = queryset.filter(product__sku__in=skus)
    return list(queryset.values_list("product__sku", flat=True))


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def member_data_export(*, member: Member) -> dict[str, Any]:
    """Everything the shop keeps about the member, as plain JSON (the "download my data" file)."""
    user = member.user
    orders = []
    for order in order_selectors.member_orders(member=member):
        orders.append(
            {
                "number": order.number,
                "store": order.store.name,
                "channel": order.channel,
                "status": order.status,
                "currency": order.currency,
                "total": order.total,
                "payment_method": order.payment_method,
                "delivery_address": order.delivery_address,
                "created_at": _iso(order.created_at),
                "paid_at": _iso(order.paid_at),
                "lines": [
                    {
                        "sku": line.sku,
                        "name": line.name_en,
                        "quantity": line.quantity,
                        "unit_price": line.unit_price,
                        "line_total": line.line_total,
                    }
                    for line in order.lines.all()
                ],
            }
        )
    balance = payment_services.wallet_balance(member=member)
    return {
        "exported_at": _iso(timezone.now()),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "member_code": member.member_code,
            "home_store": member.home_store.name if member.home_store else None,
            # What the inbox and Web Push are written in (null: not known, the site's default).
            "language": member.language or None,
        },
        "delivery_addresses": [
            {
                "label": address.label,
                "address": address.address,
                "latitude": str(address.latitude),
                "longitude": str(address.longitude),
                "created_at": _iso(address.created_at),
            }
            for address in member.addresses.all()
        ],
        "orders": orders,
        "wallet": {
            "currency": balance.currency,
            "balance": balance.amount,
            "entries": [
                {
                    "kind": entry.kind,
                    "amount": entry.amount,
                    "balance_after": entry.balance_after,
                    "reference": entry.payment.reference if entry.payment else None,
                    "created_at": _iso(entry.created_at),
                }
                for entry in payment_selectors.wallet_entries(member=member)
            ],
        },
        "favourites": [
            {"sku": f.product.sku, "name": f.product.name_en, "since": _iso(f.created_at)}
            for f in member.favourites.select_related("product")
        ],
        "points": {
            "balance": points_summary(member=member).balance,
            "entries": [
                {
                    "kind": e.kind,
                    "source": e.source,
                    "points": e.points,
                    "balance_after": e.balance_after,
                    "reference": e.reference,
                    "created_at": _iso(e.created_at),
                }
                for e in points_entries(member=member)
            ],
        },
        "inbox": [
            {"kind": m.kind, "title": m.title, "body": m.body, "created_at": _iso(m.created_at)}
            for m in inbox(member=member)
        ],
        "push_subscriptions": [
            {"endpoint": p.endpoint, "created_at": _iso(p.created_at)}
            for p in member.push_subscriptions.all()
        ],
        "reviews": [
            {
                "product": review.product.sku,
                "rating": review.rating,
                "title": review.title,
                "text": review.text,
                "created_at": _iso(getattr(review, "created_at", None)),
            }
            for review in member.reviews.select_related("product")
        ],
    }


@dataclass(frozen=True)
class PointsSummary:
    balance: int
    expiring_soon: int  # points that expire within POINTS_EXPIRING_SOON_DAYS
    next_expiry: Any  # when the first of them expires (None when nothing is due soon)


def points_summary(*, member: Member) -> PointsSummary:
    """The balance and what of it expires soon (two queries)."""
    now = timezone.now()
    account = PointsAccount.objects.filter(member=member).first()
    soon = PointsGrant.objects.filter(
        member=member,
        remaining__gt=0,
        expires_at__gt=now,
        expires_at__lte=now + datetime.timedelta(days=settings.POINTS_EXPIRING_SOON_DAYS),
    ).aggregate(points=Sum("remaining"), first=Min("expires_at"))
    return PointsSummary(
        balance=account.balance if account else 0,
        expiring_soon=soon["points"] or 0,
        next_expiry=soon["first"],
    )


def points_entries(*, member: Member) -> QuerySet[PointsEntry]:
    """The member's points ledger, newest first."""
    return PointsEntry.objects.filter(member=member).order_by("-created_at", "-pk")


def inbox(*, member: Member) -> QuerySet[InboxMessage]:
    return InboxMessage.objects.filter(member=member).order_by("-created_at", "-pk")


def unread_count(*, member: Member) -> int:
    return InboxMessage.objects.filter(member=member, read_at__isnull=True).count()


def push_kinds(*, member: Member) -> list[str]:
    """The kinds the member gets as a push (every kind unless turned off)."""
    off = set(
        NotificationPreference.objects.filter(member=member, push=False).values_list(
            "kind", flat=True
        )
    )
    return [kind for kind in NotificationKind.values if kind not in off]


def nearest_store(*, latitude: float, longitude: float):
    """The active store closest to the point, with `distance_m` set on it (None if no store)."""
    from omostore.geo import distance_m
    from stores import selectors as store_selectors

    best = None
    for store in store_selectors.active_stores():
        store.distance_m = round(
            distance_m(latitude, longitude, float(store.latitude), float(store.longitude))
        )
        if best is None or store.distance_m < best.distance_m:
            best = store
    return best


def purchase_points_by_order(*, member_id: int, numbers: list[str]) -> dict[str, int]:
    """{order number: points its purchase earned} for these orders of the member, in one query
    (an order earns once, by its `purchase:<number>` grant; orders that earned nothing are
    left out). What the history page shows on each row."""
    rows = PointsEntry.objects.filter(
        member_id=member_id,
        reference__in=list(numbers),
        kind=PointsEntry.Kind.EARN,
        source=PointsSource.PURCHASE,
    ).values_list("reference", "points")
    earned: dict[str, int] = {}
    for number, points in rows:
        earned[number] = earned.get(number, 0) + points
    return earned
