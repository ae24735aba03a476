"""The 4-digit code a shopper shows the rider at the door (on the order page); the rider enters
it to mark the order delivered. Derived from the secret key and the order, never stored, so it
cannot leak from a table; the rider's tries are limited by the dispatcher (fulfillment)."""

from __future__ import annotations

from django.utils.crypto import constant_time_compare, salted_hmac

from orders.models import Order


def delivery_code(order: Order) -> str:
    digest = salted_hmac("omostore.orders.delivery_code", f"{order.pk}:{order.number}").digest()
    return f"{int.from_bytes(digest[:4], 'big') % 10000:04d}"


def delivery_code_matches(order: Order, code: str) -> bool:
    return constant_time_compare(delivery_code(order), (code or "").strip())
