"""The shopper's quantities and a cancellation, in a real browser:

- a quantity outside the limits (2.5 pieces, 7 g) is refused on the page with the limits, never
  rounded; more than is left says how many are left; 0 in the cart removes the line;
- an interrupted checkout is found again on the checkout page and paid from there;
- a delivery order cancelled by the store while its page is open says, live, that it was
  refunded and where the money went, and shows no arrival time any more.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from catalog.models import StoreOffer
from orders import services
from orders.models import Order
from stores.models import StaffRole
from tests import factories
from tests.e2e.test_checkout_journeys import (
    committed,
    follow_without_reload,
    log_in,
    was_not_reloaded,
)
from tests.orders.helpers import TOKYO_NEAR, add, checkout, confirm, member_client

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_quantities_are_refused_with_their_limits_and_0_removes_a_line(browser, new_page):
    # given a store selling tofu by the piece (3 left) and potatoes by weight
    store = factories.make_store()
    tofu = factories.make_offer(
        store=store, product=factories.make_product(name_en="Silken Tofu"), stock_on_hand=3
    )
    potatoes = factories.make_offer(
        store=store,
        product=factories.make_product(name_en="Potatoes", sold_by="weight"),
        price=48,
        stock_on_hand=5000,
    )
    page = new_page(browser)

    # when the shopper types 2.5 pieces, then 7 g
    page.goto(f"/stores/{store.code}/products/{tofu.product.sku}/")
    page.locator("#add-quantity").fill("2.5")
    page.locator("#add-to-cart").click()
    result = page.locator("#add-result")
    expect(result).to_have_attribute("data-state", "error")
    expect(result).to_contain_text("whole number of pieces from 1 to 99")
    expect(page.locator("#add-quantity")).to_have_value("2.5")  # never rounded

    page.goto(f"/stores/{store.code}/products/{potatoes.product.sku}/")
    page.locator("#add-quantity").fill("7")
    page.locator("#add-to-cart").click()
    expect(page.locator("#add-result")).to_contain_text("whole number of grams from 50 to 5000")

    # and asks for 5 tofu when 3 are left, then for 2
    page.goto(f"/stores/{store.code}/products/{tofu.product.sku}/")
    page.locator("#add-quantity").fill("5")
    page.locator("#add-to-cart").click()
    expect(page.locator("#add-result")).to_contain_text("Only 3 of Silken Tofu are left.")
    page.locator("#add-quantity").fill("2")
    page.locator("#add-to-cart").click()
    expect(page.locator("#add-result")).to_have_attribute("data-state", "ok")

    # then the cart holds 2 tofu only; typing 0 removes the line
    page.goto(f"/cart/?store={store.code}")
    lines = page.locator(".cart-line")
    expect(lines).to_have_count(1)
    expect(lines.first.locator(".line-limits")).to_contain_text("1 to 99 pieces; 0 removes it.")
    expect(page.locator("#stock-rule")).to_contain_text("Scan & go")
    lines.first.locator(".qty-input").fill("0")
    lines.first.locator(".qty-input").dispatch_event("change")
    expect(page.locator(".cart-line")).to_have_count(0)
    expect(page.locator("#cart-message")).to_have_text("Removed from your cart.")
    expect(page.locator("#cart-empty")).to_be_visible()


def test_an_interrupted_checkout_is_paid_from_the_checkout_page(browser, new_page):
    # given a member whose checkout placed an order but never started its payment
    store = factories.make_store()
    offer = factories.make_offer(store=store, price=640, stock_on_hand=10)
    member = factories.make_member()
    api = member_client(member)
    assert add(api, offer, 1).status_code == 201
    from orders.services import checkout as checkout_module

    order = checkout_module._create_order(
        member=member,
        store=store,
        channel="pickup",
        payment_method="test",
        delivery=None,
        distance=None,
        idempotency_key="interrupted",
        fingerprint="-",
    )
    page = new_page(browser)
    log_in(page, member.user.email, next_url=f"/checkout/?store={store.code}")

    # when they come back to the checkout page and pay the order it shows
    panel = page.locator("#pending-order")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text(order.number)
    expect(panel).to_contain_text("¥640")
    page.locator("#pending-pay").click()
    expect(page.locator("#test-pay")).to_be_visible()
    page.locator("#test-approve").click()

    # then the order is paid, with one payment
    page.wait_for_url(re.compile(rf"/orders/{order.number}/$"))
    expect(page.locator("#order-status")).to_have_attribute("data-status", "paid")
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_a_cancelled_delivery_says_where_the_money_went_live(asgi_server, browser, asgi_page):
    # given a member following their paid delivery order
    store = factories.make_store(delivery_radius_m=3000)
    offer = factories.make_offer(store=store, price=1200, stock_on_hand=10)
    member = factories.make_member()
    api = member_client(member)
    assert add(api, offer, 2).status_code == 201
    response = checkout(api, store, channel="delivery", delivery=TOKYO_NEAR)
    assert confirm(api, response).status_code == 200
    number = response.json()["number"]
    manager = factories.make_staff(store=store, role=StaffRole.Role.MANAGER)
    page = asgi_page(browser)
    log_in(page, member.user.email, next_url=f"/orders/{number}/")
    expect(page.locator("#promised-by")).to_be_visible()
    follow_without_reload(page)

    # when the store cancels it with a full refund
    committed(
        lambda: services.cancel_order_by_staff(
            order=Order.objects.get(number=number),
            actor=manager,
            reason="shortage",
            idempotency_key="e2e",
        )
    )

    # then the page says so, where the money went, and no longer promises an arrival
    expect(page.locator("#order-status")).to_have_attribute("data-status", "cancelled")
    notice = page.locator("#cancel-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("The store ran out of something in it.")
    expect(notice).to_contain_text("Refunded ¥2,400 to the test card.")
    expect(page.locator("#promised-by")).to_be_hidden()
    expect(page.locator("#order-refunded")).to_have_text("¥2,400")
    expect(page.locator("#timeline li[data-kind=refund]")).to_have_count(1)
    assert was_not_reloaded(page)
    assert StoreOffer.objects.get(pk=offer.pk).stock_reserved == 0
