"""A new shopper's journey in a real browser (issue 10): sign up and confirm by email → scan a
shelf label (a point for the first scan) → heart the product and find it in favourites → the
checkout says the wallet is short → top up with the test card → pay with the wallet using
points → points earned on the points page."""

import re

import pytest
from playwright.sync_api import expect

from catalog import services as catalog_services
from members.models import PointsEntry
from orders.models import Order
from tests import factories
from tests.e2e.member_steps import scan_by_typing, sign_up_and_confirm

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "plum-tofu-harbour-93"


def test_sign_up_scan_favourite_top_up_and_pay_with_points(live_server, browser, new_page):
    store = factories.make_store(code="nihonbashi", name="OMO Nihonbashi")
    product = factories.make_product(name_en="Hokkaido Milk 1 L", name_ja="北海道牛乳 1L")
    offer = factories.make_offer(store=store, product=product, price=1200)
    (label,) = catalog_services.labels_for_offers(offers=[offer])
    page = new_page(browser)

    # sign up: the page says "check your email", the emailed link confirms and logs in
    sign_up_and_confirm(page, email="aoi@example.com", password=PASSWORD)
    expect(page.locator("#account-links")).to_be_visible()

    # scan the shelf label (typed, as from the in-app scanner's keyboard)
    scan_by_typing(page, label.code)
    expect(page.locator("#product-name")).to_have_text("Hokkaido Milk 1 L")
    assert catalog_services.flush_scan_buffer() >= 1
    assert PointsEntry.objects.filter(source="scan").count() == 1

    # heart it; it is in favourites with this store's price
    heart = page.locator("#favourite-heart")
    expect(heart).to_have_attribute("aria-pressed", "false")
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")
    page.locator("#add-to-cart").click()
    expect(page.locator("#add-result")).to_contain_text("Added")
    page.goto(f"/favourites/?store={store.code}")
    expect(page.locator("#favourite-list")).to_contain_text("Hokkaido Milk 1 L")
    expect(page.locator("#favourite-list")).to_contain_text("¥1,200")

    # checkout: the empty wallet is not enough, and nothing is chosen behind the shopper's back
    page.goto(f"/checkout/?store={store.code}")
    expect(page.locator("#wallet-short")).to_be_visible()
    expect(page.locator("#pay-wallet")).to_be_disabled()
    page.locator("#wallet-top-up-link").click()

    # top up ¥3,000 with the test card; back to checkout
    page.wait_for_url(re.compile(r"/wallet/"))
    page.locator("#top-up-amount").fill("3000")
    page.locator("#top-up-submit").click()
    expect(page.locator("#test-pay")).to_be_visible()
    page.locator("#test-approve").click()
    page.wait_for_url(re.compile(r"/checkout/"))

    # pay with the wallet, using the scan's point
    expect(page.locator("#pay-wallet")).to_be_enabled()
    expect(page.locator("#points-use")).to_be_visible()
    page.locator("#use-all-points").click()
    expect(page.locator("#place-order")).to_contain_text("1,199")
    page.locator("#pay-wallet").check()
    page.locator("#place-order").click()
    page.wait_for_url(re.compile(r"/orders/[A-Z0-9-]+/$"))
    order = Order.objects.get()
    assert (order.total, order.points_redeemed, order.status) == (1199, 1, "paid")

    # the points page shows the point used and the 11 earned (¥1,199 paid)
    page.goto("/points/")
    expect(page.locator("#points-balance")).to_have_attribute("data-points", "11")
    expect(page.locator("#points-ledger")).to_contain_text(order.number)
