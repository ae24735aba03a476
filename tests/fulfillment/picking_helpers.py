"""Paid orders ready to pick, and the staff who pick them, for the pick-and-pack tests."""

from __future__ import annotations

from fulfillment.models import PickTask
from fulfillment.picking import services
from orders.models import Order
from stores.models import StaffRole
from tests import factories
from tests.orders.helpers import TOKYO_NEAR, add, checkout, confirm, member_client


def zoned_offer(store, *, zone="ambient", aisle="A1", bay=1, price=300, stock=20, **product):
    return factories.make_offer(
        store=store,
        product=factories.make_product(zone=zone, **product),
        price=price,
        stock_on_hand=stock,
        aisle=aisle,
        bay=bay,
    )


def paid_order(store, items, *, channel="delivery", member=None) -> Order:
    """A paid order of `items` [(offer, quantity)], through the real cart, checkout and test
    payment (so `order_paid` is sent as in production)."""
    member = member or factories.make_member()
    api = member_client(member)
    for offer, quantity in items:
        response = add(api, offer, quantity)
        assert response.status_code == 201, response.json()
    extra = {"delivery": TOKYO_NEAR} if channel == "delivery" else {}
    response = checkout(api, store, channel=channel, **extra)
    assert response.status_code == 201, response.json()
    assert confirm(api, response).status_code == 200
    return Order.objects.get(number=response.json()["number"])


def tasks_of(order) -> dict[str, PickTask]:
    services.create_pick_tasks(order_id=order.pk)
    return {task.zone: task for task in PickTask.objects.filter(order=order)}


def picker_of(store):
    return factories.make_staff(store=store, role=StaffRole.Role.PICKER)
