"""Reads of members, and the one place that gathers a member's data from every app (export)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accounts.models import Member
from orders import selectors as order_selectors
from payments import selectors as payment_selectors
from payments import services as payment_services


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
