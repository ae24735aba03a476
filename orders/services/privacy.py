"""What closing an account does to its orders: they stay for the books (amounts, lines, dates,
status) but no longer say where the member lives. Called by members' `close_account`."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Member
from orders.models import Cart, Order


@transaction.atomic
def anonymise_member_orders(*, member: Member) -> int:
    """Clear the delivery address and point of every order of the member and drop their open
    carts; returns how many orders were changed."""
    Cart.objects.filter(member=member).delete()
    return (
        Order.objects.filter(member=member)
        .exclude(delivery_address="", delivery_latitude=None, delivery_longitude=None)
        .update(delivery_address="", delivery_latitude=None, delivery_longitude=None)
    )
