"""Checkouts racing for the same stock, with real threads and their own database connections."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from catalog.models import StoreOffer
from orders.models import Order
from tests import factories
from tests.orders.helpers import add, checkout, member_with_cart

pytestmark = pytest.mark.django_db(transaction=True)


def _race(clients, action):
    """Run `action(client)` in one thread per client, all released at once by a barrier."""
    barrier = threading.Barrier(len(clients))

    def run(client):
        try:
            barrier.wait(timeout=30)
            response = action(client)
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(run, clients))


def test_fifty_checkouts_for_the_last_three_units(store):
    # given the last 3 units, and 50 members with one in their cart each
    offer = factories.make_offer(store=store, stock_on_hand=3)
    clients = [member_with_cart(offer)[1] for _ in range(50)]

    # when they all check out at once
    results = _race(clients, lambda client: checkout(client, store))

    # then exactly 3 orders exist and 47 got a clean "insufficient stock"
    statuses = [status for status, _ in results]
    assert statuses.count(201) == 3, results
    assert statuses.count(409) == 47, results
    assert all(body["error"]["code"] == "insufficient_stock" for s, body in results if s == 409)
    assert not [s for s in statuses if s >= 500]
    offer = StoreOffer.objects.get(pk=offer.pk)
    assert (offer.stock_on_hand, offer.stock_reserved) == (3, 3)
    assert Order.objects.count() == 3


def test_carts_holding_the_same_products_in_opposite_order_never_deadlock(store):
    # given many shoppers, half adding A then B, half B then A (so their rows differ in order)
    a = factories.make_offer(store=store, stock_on_hand=100)
    b = factories.make_offer(store=store, stock_on_hand=100)
    clients = []
    for i in range(20):
        first, second = (a, b) if i % 2 else (b, a)
        _, client = member_with_cart(first)
        add(client, second)
        clients.append(client)

    # when they all check out at once
    results = _race(clients, lambda client: checkout(client, store))

    # then every checkout went through, no deadlock, and the stock adds up
    assert [status for status, _ in results] == [201] * 20, results
    for offer in (a, b):
        assert StoreOffer.objects.get(pk=offer.pk).stock_reserved == 20
