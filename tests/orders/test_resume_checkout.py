"""A checkout interrupted between placing the order and starting its payment (the web process
dies) leaves the order placed with no payment. Replaying the same Idempotency-Key resumes the
payment; the checkout page finds the pending order and offers to pay or cancel it; if it
expires, its lines come back to the cart (issue 7, point 8)."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from orders import services
from orders.models import Order, OrderStatus
from orders.services import checkout as checkout_module
from payments.models import Payment
from tests import factories
from tests.orders.helpers import add, checkout, confirm, member_client

pytestmark = pytest.mark.django_db(transaction=True)


class ProcessKilled(BaseException):
    """What the process dying looks like from inside: nothing after this line runs, and no
    `except Exception` handler sees it (BaseException, like SystemExit)."""


@pytest.fixture
def interrupted(monkeypatch):
    """A checkout whose process dies right after the order is committed, before its payment
    starts; returns (member, api client, store, offer, order number, idempotency key)."""

    def make(*, quantity=2, method="test"):
        store = factories.make_store()
        offer = factories.make_offer(store=store, price=250, stock_on_hand=10)
        member = factories.make_member()
        factories.make_wallet(member=member, balance=10_000)
        api = member_client(member)
        assert add(api, offer, quantity).status_code == 201

        def die(**kwargs):
            raise ProcessKilled

        with monkeypatch.context() as patch:
            patch.setattr(checkout_module.payment_services, "start_payment", die)
            with pytest.raises(ProcessKilled):
                checkout(api, store, channel="pickup", method=method, key="the-key")
        order = Order.objects.get(member=member)
        return member, api, store, offer, order.number

    return make


def test_the_interruption_leaves_a_placed_order_without_a_payment(interrupted):
    _member, api, store, _offer, number = interrupted()

    order = Order.objects.get(number=number)
    assert order.status == OrderStatus.PLACED
    assert not Payment.objects.filter(reference=number).exists()
    assert api.get(f"/api/v1/cart/?store={store.code}").json()["lines"] == []


def test_replaying_the_same_key_resumes_the_payment(interrupted):
    _member, api, store, _offer, number = interrupted()

    replay = checkout(api, store, channel="pickup", key="the-key")
    again = checkout(api, store, channel="pickup", key="the-key")

    assert replay.status_code == 200
    body = replay.json()
    assert body["number"] == number
    assert body["payment"] is not None
    assert (body["payment"]["status"], body["payment"]["amount"]["amount"]) == ("pending", 500)
    assert again.json()["payment"]["id"] == body["payment"]["id"]  # one payment, never two
    assert Payment.objects.filter(reference=number).count() == 1
    assert confirm(api, replay).status_code == 200
    assert Order.objects.get(number=number).status == OrderStatus.PAID


def test_a_wallet_replay_pays_at_once_and_only_once(interrupted):
    member, api, store, _offer, number = interrupted(method="wallet")

    for _ in range(2):
        replay = checkout(api, store, channel="pickup", method="wallet", key="the-key")
        assert replay.status_code == 200
        assert replay.json()["status"] == "paid"

    assert Payment.objects.filter(reference=number).count() == 1
    assert services.cart_for_member(member=member, store=store).lines.count() == 0
    from payments.services import wallet_balance

    assert wallet_balance(member=member).amount == 10_000 - 500


def test_the_checkout_page_finds_the_pending_order_and_pays_it(interrupted):
    member, api, store, _offer, number = interrupted()
    page = Client()
    page.force_login(member.user)

    html = page.get(f"/checkout/?store={store.code}").content.decode()

    assert 'id="pending-order"' in html
    assert f'data-pay-api="/api/v1/orders/{number}/pay/"' in html
    assert f'data-cancel-api="/api/v1/orders/{number}/cancel/"' in html
    assert "¥500" in html
    # "Pay now" resumes the payment, once
    first = api.post(f"/api/v1/orders/{number}/pay/")
    second = api.post(f"/api/v1/orders/{number}/pay/")
    assert first.status_code == second.status_code == 200
    assert first.json()["payment"]["id"] == second.json()["payment"]["id"]
    assert first.json()["payment"]["confirm_url"]
    assert Payment.objects.filter(reference=number).count() == 1


def test_cancelling_the_pending_order_from_the_checkout_page_refills_the_cart(interrupted):
    member, api, store, offer, number = interrupted(quantity=3)

    response = api.post(f"/api/v1/orders/{number}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    cart = api.get(f"/api/v1/cart/?store={store.code}").json()
    assert [(line["sku"], line["quantity"]) for line in cart["lines"]] == [(offer.product.sku, 3)]
    page = Client()
    page.force_login(member.user)
    html = page.get(f"/checkout/?store={store.code}").content.decode()
    assert 'id="pending-order"' not in html
    assert 'id="checkout-form"' in html


def test_when_it_expires_the_cart_comes_back_and_the_stock_is_free(interrupted):
    member, api, store, offer, number = interrupted(quantity=2)
    # the shopper meanwhile put something else in the cart, and one more of the same
    other = factories.make_offer(store=store, stock_on_hand=5)
    assert add(api, other, 1).status_code == 201
    assert add(api, offer, 1).status_code == 201
    Order.objects.filter(number=number).update(
        reserved_until=timezone.now() - datetime.timedelta(seconds=1)
    )

    assert services.expire_unpaid_orders() == 1

    cart = api.get(f"/api/v1/cart/?store={store.code}").json()
    assert sorted((line["sku"], line["quantity"]) for line in cart["lines"]) == sorted(
        [(offer.product.sku, 3), (other.product.sku, 1)]
    )
    offer.refresh_from_db()
    assert offer.stock_reserved == 0
    # and the order page says it was not paid in time, and that nothing was charged
    page = Client()
    page.force_login(member.user)
    html = page.get(f"/orders/{number}/").content.decode()
    assert '<section class="card cancel-notice" id="cancel-notice">' in html
    assert "not paid in time" in html
    assert "Nothing was charged." in html


def test_paying_an_order_that_is_no_longer_placed_is_refused(interrupted):
    _member, api, _store, _offer, number = interrupted()
    api.post(f"/api/v1/orders/{number}/cancel/")

    response = api.post(f"/api/v1/orders/{number}/pay/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_payable"
    assert not Payment.objects.filter(reference=number).exists()


def test_another_members_pending_order_cannot_be_paid_or_seen(interrupted):
    _member, _api, store, _offer, number = interrupted()
    stranger = factories.make_member()

    response = member_client(stranger).post(f"/api/v1/orders/{number}/pay/")
    page = Client()
    page.force_login(stranger.user)
    html = page.get(f"/checkout/?store={store.code}").content.decode()

    assert response.status_code == 404
    assert not re.search(number, html)
