"""One cart, one checkout, in a real browser against the real ASGI server (websockets included):

- scan & go: a shelf label filmed by the in-app scanner → add to cart → check out in store → pay
  with the test provider → the exit pass QR → a second browser, the exit staff's tablet, films
  that QR and verifies it → the shopper's order page shows the order as exited, live;
- delivery: search → add → check out for delivery with a pin set on the map → pay → the order page
  follows the status changes made in the store, without a reload.
"""

from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connections, transaction
from PIL import Image
from playwright.sync_api import Page, expect

from catalog import labels
from catalog import services as catalog_services
from omostore.geo import distance_m
from orders import services
from orders.models import Order, OrderStatus
from stores.models import StaffRole
from tests import factories
from tests.e2e.y4m import HEIGHT, WIDTH, write_qr_video, write_y4m

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ORDER_URL = re.compile(r"/orders/(?P<number>[A-Z0-9-]+)/$")


def log_in(page: Page, email: str, *, next_url: str) -> None:
    page.goto(f"/login/?next={next_url}")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()


def pay_with_the_test_card(page: Page) -> str:
    """On the checkout page with the channel chosen: pay with the test provider, approve, and
    land on the order page; returns the order number."""
    page.locator("#pay-test").check()
    page.locator("#place-order").click()
    expect(page.locator("#test-pay")).to_be_visible()
    page.locator("#test-approve").click()
    page.wait_for_url(ORDER_URL)
    return ORDER_URL.search(page.url)["number"]


def follow_without_reload(page: Page) -> None:
    """Wait until the order page follows its order over the websocket, and mark the document so
    that a later check can tell it was never reloaded."""
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    page.evaluate("window.__notReloaded = true")


def was_not_reloaded(page: Page) -> bool:
    return page.evaluate("window.__notReloaded === true")


def committed(change):
    """Run `change()` in a transaction of its own, committed, on another thread.

    The main thread runs Playwright's event loop, where the realtime publish after the commit
    (async_to_sync) may not run; the thread's connection is closed after use."""

    def run():
        try:
            with transaction.atomic():
                return change()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def set_status(number: str, to_status: str) -> None:
    committed(
        lambda: services.set_status(
            order=Order.objects.select_for_update().get(number=number), to_status=to_status
        )
    )


def write_screenshot_video(path, png: bytes):
    """A fake camera filming `png` (a screenshot of a phone's QR) held up on a white page."""
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    picture.thumbnail((WIDTH - 40, HEIGHT - 40))
    frame = Image.new("RGB", (WIDTH, HEIGHT), "white")
    frame.paste(picture, ((WIDTH - picture.width) // 2, (HEIGHT - picture.height) // 2))
    return write_y4m(path, frame)


def test_scan_and_go_ends_with_the_exit_pass_verified_at_the_door(
    asgi_server, camera_browser, asgi_page, tmp_path
):
    # given a labelled product on the shelf, a member and the store's exit staff
    store = factories.make_store()
    product = factories.make_product(name_en="Hokkaido Milk 1 L", name_ja="北海道牛乳 1L")
    offer = factories.make_offer(store=store, product=product, price=398, stock_on_hand=10)
    (label,) = catalog_services.labels_for_offers(offers=[offer])
    factories.make_member(email="hanako@example.com")
    staff = factories.make_staff(store=store, role=StaffRole.Role.EXIT, email="exit@example.com")
    label_video = write_qr_video(
        tmp_path / "label.y4m", labels.qr_png(f"{asgi_server.url}/s/{label.code}")
    )
    shopper = asgi_page(camera_browser(label_video))

    # when the member logs in, scans the label and puts two in the cart
    log_in(shopper, "hanako@example.com", next_url="/scan/")
    shopper.wait_for_url(re.compile(rf"/s/{label.code}\?src=scanner$"))
    expect(shopper.locator("#product-name")).to_have_text("Hokkaido Milk 1 L")
    shopper.locator("#add-to-cart-form [data-step='1']").click()
    expect(shopper.locator("#add-quantity")).to_have_value("2")
    shopper.locator("#add-to-cart").click()
    expect(shopper.locator("#add-result")).to_have_attribute("data-state", "ok")
    shopper.locator("#add-result a.view-cart").click()

    # and checks out in store, paying with the test card
    shopper.wait_for_url(re.compile(r"/cart/\?store="))
    expect(shopper.locator(".cart-line")).to_have_count(1)
    expect(shopper.locator("#cart-total")).to_have_text("¥796")
    shopper.locator("#checkout-link").click()
    shopper.wait_for_url(re.compile(r"/checkout/\?store="))
    shopper.locator("#channel-in_store").check()
    number = pay_with_the_test_card(shopper)

    # then the order page shows the paid order with its exit pass
    expect(shopper.locator("#order-status")).to_have_attribute("data-status", "paid")
    exit_pass = shopper.locator("#exit-pass")
    expect(exit_pass).to_be_visible()
    expect(shopper.locator("#exit-pass-qr svg, #exit-pass-qr img")).to_be_visible()
    code = shopper.locator("#exit-pass-code")
    expect(code).to_have_text(re.compile(r"^[\w.:-]{20,}$"))
    follow_without_reload(shopper)

    # when the exit staff's tablet films the QR on the shopper's screen
    shown = {code.inner_text()}  # the page renews the pass every minute: maybe mid-screenshot
    qr_video = write_screenshot_video(
        tmp_path / "exit-pass.y4m", shopper.locator("#exit-pass-qr").screenshot()
    )
    shown.add(code.inner_text())
    tablet = asgi_page(camera_browser(qr_video))
    log_in(tablet, "exit@example.com", next_url="/staff/exit/")
    tablet.wait_for_url(re.compile(r"/staff/exit/$"))

    # then the pass is verified once, with the items to spot-check
    result = tablet.locator("#exit-result")
    expect(result).to_have_attribute("data-result", "ok", timeout=30_000)
    assert tablet.evaluate("document.body.dataset.lastScan") in shown  # read by the camera
    expect(tablet.locator("#exit-verdict")).to_have_text("OK — let them out")
    expect(tablet.locator("#exit-order-number")).to_have_text(number)
    expect(tablet.locator("#exit-order-total")).to_have_text("¥796")
    item = tablet.locator("#exit-items li")
    expect(item).to_have_count(1)
    expect(item.locator("span")).to_have_text("Hokkaido Milk 1 L")
    expect(item.locator("strong")).to_have_text("\N{MULTIPLICATION SIGN} 2")

    # and the shopper's page shows the order as exited, live
    expect(shopper.locator("#order-status")).to_have_attribute("data-status", "exited")
    expect(shopper.locator("#order-status")).to_have_text("Left the store")
    expect(shopper.locator("#exit-done")).to_be_visible()
    expect(exit_pass).to_be_hidden()
    expect(shopper.locator("#timeline li").last).to_have_attribute("data-to", "exited")
    assert was_not_reloaded(shopper)

    order = Order.objects.get(number=number)
    assert (order.status, order.channel, order.exit_verified_by_id) == (
        OrderStatus.EXITED,
        "in_store",
        staff.pk,
    )
    offer.refresh_from_db()
    assert (offer.stock_on_hand, offer.stock_reserved) == (8, 0)


def test_a_delivery_from_search_with_a_map_pin_is_followed_live(asgi_server, browser, asgi_page):
    # given a store at a known place (3 km delivery radius) selling tea, and a member
    store = factories.make_store(
        latitude=Decimal("35.682200"), longitude=Decimal("139.773300"), delivery_radius_m=3000
    )
    product = factories.make_product(name_en="Uji Sencha 100 g", name_ja="宇治煎茶 100g")
    factories.make_offer(store=store, product=product, price=1280, stock_on_hand=5)
    factories.make_member(email="taro@example.com")
    shopper = asgi_page(browser)

    # when the member searches and adds the tea
    log_in(shopper, "taro@example.com", next_url="/search/")
    shopper.wait_for_url(re.compile(r"/search/$"))
    shopper.locator("#search-q").fill("sencha")
    shopper.locator("#search-q").press("Enter")
    result = shopper.locator("#results .result").filter(has_text="Uji Sencha 100 g")
    expect(result).to_have_count(1)
    result.get_by_role("button", name="Add to cart").click()
    expect(result.locator(".add-result")).to_have_attribute("data-state", "ok")
    result.locator("a.view-cart").click()
    shopper.wait_for_url(re.compile(r"/cart/\?store="))
    shopper.locator("#checkout-link").click()

    # and asks for delivery, typing the address and dropping the pin on the map near the store
    shopper.wait_for_url(re.compile(r"/checkout/\?store="))
    shopper.locator("#channel-delivery").check()
    expect(shopper.locator("#delivery-fields")).to_be_visible()
    shopper.locator("#delivery-address").fill("2-1 Nihonbashi, Chuo-ku, room 301")
    shopper.locator("#delivery-phone").fill("+81 90-1234-5678")
    shopper.locator("#delivery-notes").fill("Ring twice")
    delivery_map = shopper.locator("#delivery-map")
    expect(delivery_map).to_have_class(re.compile(r"\bleaflet-container\b"))
    box = delivery_map.bounding_box()
    assert box is not None
    # The map fits the 3 km circle: 40 px off its centre is well inside the radius.
    delivery_map.click(position={"x": box["width"] / 2 + 30, "y": box["height"] / 2 - 25})
    expect(delivery_map.locator(".leaflet-marker-icon")).to_have_count(1)
    expect(shopper.locator("#delivery-point")).to_have_attribute("data-state", "ok")
    expect(shopper.locator("#delivery-latitude")).not_to_have_value("")
    number = pay_with_the_test_card(shopper)

    # then the order page shows the paid delivery and its promise
    expect(shopper.locator("#order-status")).to_have_attribute("data-status", "paid")
    expect(shopper.locator("#promised-by")).to_be_visible()
    order = Order.objects.get(number=number)
    assert order.channel == "delivery" and order.promised_by is not None
    assert order.delivery_address == "2-1 Nihonbashi, Chuo-ku, room 301"
    pinned = distance_m(
        float(store.latitude),
        float(store.longitude),
        float(order.delivery_latitude),
        float(order.delivery_longitude),
    )
    assert 100 < pinned < 3000
    assert order.delivery_distance_m == pytest.approx(pinned, abs=5)
    follow_without_reload(shopper)

    # when the store starts picking, then packs the order
    set_status(number, OrderStatus.PICKING)

    # then the page follows without a reload
    status = shopper.locator("#order-status")
    expect(status).to_have_attribute("data-status", "picking")
    expect(status).to_have_text("Being picked")
    expect(shopper.locator("#timeline li").last).to_have_attribute("data-to", "picking")

    set_status(number, OrderStatus.PACKED)
    expect(status).to_have_attribute("data-status", "packed")
    expect(status).to_have_text("Packed")
    expect(shopper.locator("#timeline li")).to_have_count(4)  # placed, paid, picking, packed
    expect(shopper.locator("#cancel-order")).to_be_hidden()
    assert was_not_reloaded(shopper)
