"""Checkouts racing for the same stock, with real threads and their own database connections."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client

from catalog.models import PriceChange, StockMovement, StoreOffer
from orders.models import Order, OrderLine
from orders.statuses import OPEN_STATUSES
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
            is_json = response.get("Content-Type", "").startswith("application/json")
            return response.status_code, response.json() if is_json else None
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


def test_a_manager_saving_a_price_while_twenty_checkouts_reserve_loses_no_reservation(store):
    # given an offer with plenty of stock, 20 members with 2 of it in their cart, and its
    # manager on the offer's page
    offer = factories.make_offer(store=store, price=300, stock_on_hand=100)
    shoppers = [member_with_cart(offer, 2)[1] for _ in range(20)]
    manager = Client()
    manager.force_login(factories.make_staff(store=store, role="manager"))
    page = f"/admin/catalog/storeoffer/{offer.pk}/change/"
    assert manager.get(page).status_code == 200
    form = {
        "price": 280,
        "aisle": offer.aisle,
        "bay": offer.bay,
        "is_active": "on",
        "markdown_price": "",
        "markdown_starts_at_0": "",
        "markdown_starts_at_1": "",
        "markdown_ends_at_0": "",
        "markdown_ends_at_1": "",
        # what an old form held: ignored, stock is not the form's to write
        "stock_on_hand": 100,
        "stock_reserved": 0,
        "_save": "Save",
    }

    # when the manager saves a new price while the 20 check out, all at once
    results = _race(
        [*shoppers, manager],
        lambda client: (
            client.post(page, form)
            if client is manager
            else checkout(client, store, channel="pickup")
        ),
    )

    # then every checkout and the save went through
    assert [status for status, _ in results[:-1]] == [201] * 20, results
    assert results[-1][0] == 302
    offer = StoreOffer.objects.get(pk=offer.pk)
    assert offer.price == 280
    # and reserved is exactly what the open orders' lines hold
    held = OrderLine.objects.filter(offer=offer, order__status__in=OPEN_STATUSES).aggregate(
        n=Sum("quantity_allocated")
    )["n"]
    assert (offer.stock_on_hand, offer.stock_reserved, held) == (100, 40, 40)
    # and every change has its line in the ledger or the price history
    reserves = StockMovement.objects.filter(offer=offer, kind=StockMovement.Kind.RESERVE)
    assert reserves.count() == 20
    assert sorted(reserves.values_list("reserved_after", flat=True)) == list(range(2, 41, 2))
    assert set(reserves.values_list("order_line_id", flat=True)) == set(
        OrderLine.objects.filter(offer=offer).values_list("pk", flat=True)
    )
    assert PriceChange.objects.filter(offer=offer, old_price=300, new_price=280).count() == 1
