"""One member's whole journey, in real browsers: a new shopper signs up (confirmed by email),
scans a shelf label, hearts the product, then at a staffed register shows the member QR on the
phone (390x844); the cashier's tablet (1024x768) scans the product by wedge, films the QR with
its camera and takes cash; the sale appears live in the member's history on the phone, with the
points it earned, and the points page adds them to the scan's point.

The shopping pages run on `live_server` (WSGI, where the sign-up's email lands in `mail.outbox`);
the live pages on `asgi_server` (websockets). The phone is one browser context on `localhost`
for both (cookies do not depend on the port), so the member stays logged in from one to the
other; the tablet is its own browser, filming the phone's QR."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from accounts.models import Member
from catalog import services as catalog_services
from members.models import PointsEntry
from members.services.points import spend_per_point
from orders.models import Order, OrderStatus
from stores.models import StaffRole
from tests import factories
from tests.e2e.member_steps import scan_by_typing, sign_up_and_confirm
from tests.e2e.test_checkout_journeys import log_in, write_screenshot_video

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "var/screenshots"))
PASSWORD = "plum-tofu-harbour-93"


def test_sign_up_scan_favourite_and_a_register_sale_shows_live_with_its_points(
    live_server, asgi_server, browser, new_page, camera_browser, asgi_page, tmp_path
):
    # given a store with a labelled product on the shelf, and its cashier
    store = factories.make_store(code="nihonbashi", name="OMO Nihonbashi")
    product = factories.make_product(name_en="Hokkaido Milk 1 L", name_ja="北海道牛乳 1L")
    offer = factories.make_offer(store=store, product=product, price=1280, stock_on_hand=20)
    (label,) = catalog_services.labels_for_offers(offers=[offer])
    factories.make_staff(store=store, role=StaffRole.Role.EXIT, email="cashier@example.com")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # the phone reaches the live pages on the same host as the shop, so its session cookie goes
    live_host = urlsplit(live_server.url).hostname
    live_url = f"http://{live_host}:{urlsplit(asgi_server.url).port}"

    # when a new shopper signs up on their phone and confirms by the emailed link
    phone = new_page(browser)
    phone.set_viewport_size({"width": 390, "height": 844})
    sign_up_and_confirm(phone, email="aoi@example.com", password=PASSWORD)

    # and scans the shelf label (typed, as from the in-app scanner's keyboard): a point
    scan_by_typing(phone, label.code)
    expect(phone.locator("#product-name")).to_have_text("Hokkaido Milk 1 L")
    assert catalog_services.flush_scan_buffer() >= 1
    assert PointsEntry.objects.filter(source="scan").count() == 1

    # and hearts it
    heart = phone.locator("#favourite-heart")
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")
    phone.goto(f"/favourites/?store={store.code}")
    expect(phone.locator("#favourite-list")).to_contain_text("Hokkaido Milk 1 L")

    # and at the register shows the member QR, with the order history open in another tab
    phone.goto(f"{live_url}/me/qr/")
    expect(phone.locator("#member-qr")).to_have_attribute("data-loads", "1")
    qr_video = write_screenshot_video(
        tmp_path / "member-qr.y4m", phone.locator("#member-qr-image").screenshot()
    )
    history = phone.context.new_page()
    history_errors: list[str] = []
    history.on("pageerror", lambda error: history_errors.append(str(error)))
    history.set_viewport_size({"width": 390, "height": 844})
    history.goto(f"{live_url}/orders/")
    expect(history.locator("#history-live")).to_have_attribute("data-state", "live")
    expect(history.locator("#history-empty")).to_be_visible()  # nothing bought yet, said so
    history.evaluate("window.__notReloaded = true")

    # and the cashier's tablet scans the milk twice by wedge and films the member QR
    tablet = asgi_page(camera_browser(qr_video))
    tablet.set_viewport_size({"width": 1024, "height": 768})
    log_in(tablet, "cashier@example.com", next_url="/staff/register/")
    tablet.wait_for_url(re.compile(r"/staff/register/$"))
    code = tablet.locator("#register-code")
    for _ in range(2):
        code.fill(product.barcode)
        code.press("Enter")
    expect(tablet.locator(".register-line-qty")).to_have_text("\N{MULTIPLICATION SIGN} 2")
    expect(tablet.locator("#register")).to_have_attribute("data-pending", "0")
    expect(tablet.locator("#register-total")).to_have_text("¥2,560")
    tablet.locator("#register-camera-box summary").click()
    expect(tablet.locator("#register-member")).to_have_attribute(
        "data-state", "member", timeout=30_000
    )
    tablet.locator("#register-camera-box summary").click()  # camera off
    member = Member.objects.get(user__email="aoi@example.com")
    expect(tablet.locator("#register-member-text")).to_contain_text(member.member_code)

    # and takes ¥3,000 in cash (the new member's wallet is empty; the QR still earns points)
    tablet.locator("input[name=method][value=cash]").check()
    tablet.locator("#register-cash").fill("3000")
    tablet.locator("#register-pay").click()
    expect(tablet.locator("#register-done")).to_be_visible()
    number = tablet.locator("#register-done-number").inner_text()

    # then the sale is the member's, paid in cash, and earned the store's rate of points
    order = Order.objects.get(number=number)
    assert (order.status, order.channel, order.total) == (OrderStatus.PAID, "register", 2560)
    assert order.member_id == member.pk
    rate = spend_per_point(store_id=store.pk)
    assert rate == 100  # no rule of its own: the default, 1 point per ¥100
    earned = 2560 // rate

    # and the phone's history shows it live, without a reload, with the points it earned
    row = history.locator(f"#order-{number}")
    expect(row).to_be_visible()
    expect(row).to_have_attribute("data-channel", "register")
    expect(history.locator("#history-empty")).to_have_count(0)
    expect(row.locator(".order-total")).to_have_text("¥2,560")
    expect(row.locator(".order-points")).to_have_text(f"+{earned} points")
    expect(row.locator(".order-points")).to_have_attribute("data-points", str(earned))
    assert history.evaluate("window.__notReloaded === true")
    history.screenshot(path=SCREENSHOTS / "member-history-points-390x844.png")

    # and the page drawn afresh (its snapshot) says the same
    history.reload()
    expect(history.locator("#history-live")).to_have_attribute("data-state", "live")
    expect(history.locator(f"#order-{number} .order-points")).to_have_text(f"+{earned} points")
    assert not history_errors, history_errors

    # and the points page adds them to the scan's point
    phone.goto(f"{live_server.url}/points/")
    expect(phone.locator("#points-balance")).to_have_attribute("data-points", str(1 + earned))
    expect(phone.locator("#points-ledger")).to_contain_text(number)
