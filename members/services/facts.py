"""The few facts of an order that points need, read off orders' row."""

from __future__ import annotations

from members.services.points import OrderFacts


def order_facts(order) -> OrderFacts:
    return OrderFacts(
        number=order.number,
        member_id=order.member_id,
        store_id=order.store_id,
        paid=order.total,
        points_redeemed=order.points_redeemed,
    )
