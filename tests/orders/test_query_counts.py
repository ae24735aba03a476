"""The cart, checkout and order APIs run a bounded number of queries, the same for one line as
for many (checkout excepted: it reserves each line's stock with one conditional UPDATE; the
ledger's movements are one bulk INSERT)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.orders.helpers import add, checkout, confirm, member_client

pytestmark = pytest.mark.django_db


def queries(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code < 300, response.json()
    return len(captured), response


def shopper_with_lines(n: int):
    store = factories.make_store()
    offers = [factories.make_offer(store=store, stock_on_hand=50) for _ in range(n)]
    api = member_client(factories.make_member())
    for offer in offers:
        assert add(api, offer, 1).status_code == 201
    return store, offers, api


def counts_for(n: int) -> dict[str, int]:
    store, _offers, api = shopper_with_lines(n)
    extra = factories.make_offer(store=store, stock_on_hand=50)
    result = {}
    result["cart"], cart = queries(lambda: api.get(f"/api/v1/cart/?store={store.code}"))
    result["add"], _ = queries(lambda: add(api, extra, 1))
    line = cart.json()["lines"][0]["id"]
    result["patch"], _ = queries(
        lambda: api.patch(f"/api/v1/cart/lines/{line}/", {"quantity": 2}, format="json")
    )
    result["checkout"], response = queries(lambda: checkout(api, store, channel="pickup"))
    number = response.json()["number"]
    confirm(api, response)
    result["order"], _ = queries(lambda: api.get(f"/api/v1/orders/{number}/"))
    result["orders"], _ = queries(lambda: api.get("/api/v1/orders/"))
    return result


def test_the_cart_and_order_apis_cost_the_same_for_one_line_or_eight():
    one, eight = counts_for(1), counts_for(8)

    for name in ("cart", "add", "patch", "order", "orders"):
        assert one[name] == eight[name], (name, one[name], eight[name])
    assert one["cart"] <= 3
    assert one["add"] <= 12
    assert one["patch"] <= 8
    assert one["order"] <= 6
    assert one["orders"] <= 4


def test_a_checkout_costs_a_bounded_number_of_queries_and_one_more_per_extra_line():
    two, nine = counts_for(1), counts_for(8)  # the cart holds n + 1 lines at checkout

    # 16 here, 4 of them savepoints of the test's own transaction: the budget is 20
    assert two["checkout"] <= 16, two["checkout"]
    # one conditional reservation UPDATE per extra line; its movements are one INSERT
    assert nine["checkout"] - two["checkout"] <= 7


def test_a_scan_and_go_checkout_paid_from_the_wallet_at_once_stays_bounded():
    # given a member with a wallet and 2 lines in the cart
    store = factories.make_store()
    member = factories.make_member()
    factories.make_wallet(member=member, balance=100_000)
    api = member_client(member)
    for offer in [factories.make_offer(store=store, stock_on_hand=50) for _ in range(2)]:
        assert add(api, offer, 1).status_code == 201

    # when they check out in store and the wallet pays at once
    count, response = queries(lambda: checkout(api, store, channel="in_store", method="wallet"))

    # then the order is paid and sold, the whole of it (reserve, pay, sell, answer) in a bounded
    # number of queries: 27 statements, and the savepoints of the test's own transaction
    assert response.json()["status"] == "paid"
    assert count <= 31, count
