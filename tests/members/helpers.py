"""Helpers of the members tests: a paid order made the way a shopper makes one."""

from tests import factories
from tests.orders.helpers import add, checkout, confirm, member_client


def make_paid_order(*, member, store, price=500, quantity=1, channel="in_store", offer=None):
    """A member's order paid with the test provider through the API (so `order_paid` is sent)."""
    from orders.models import Order

    offer = offer or factories.make_offer(store=store, price=price)
    client = member_client(member)
    assert add(client, offer, quantity).status_code == 201
    response = checkout(client, store, channel=channel)
    assert response.status_code == 201, response.content
    assert confirm(client, response).status_code == 200
    return Order.objects.get(number=response.json()["number"])
