"""A sale at a staffed register, in real browsers: the cashier's tablet (1024x768) scans two
products (one weighed), films the member QR on the member's phone (390x844) with its camera,
takes payment from the wallet, and the sale appears live in the member's history."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from catalog.models import StoreOffer
from orders.models import Order, OrderStatus
from payments.models import WalletAccount
from stores.models import StaffRole
from tests import factories
from tests.e2e.test_checkout_journeys import log_in, write_screenshot_video

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "var/screenshots"))


def test_a_register_sale_with_the_member_qr_appears_live_in_the_members_history(
    asgi_server, camera_browser, browser, asgi_page, tmp_path
):
    # given a store with apples by the piece and beef by weight, a member with ¥5,000, a cashier
    store = factories.make_store(name="OMO Nihonbashi")
    apples = factories.make_offer(
        store=store, product=factories.make_product(name_en="Fuji Apple"), price=120
    )
    beef = factories.make_offer(
        store=store,
        product=factories.make_product(name_en="Wagyu Slices", sold_by="weight"),
        price=980,
        stock_on_hand=5000,
    )
    member = factories.make_member(email="hanako@example.com", display_name="Hanako")
    factories.make_wallet(member=member, balance=5000)
    factories.make_staff(store=store, role=StaffRole.Role.EXIT, email="cashier@example.com")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # the member opens their QR on the phone, and their history next to it
    phone = asgi_page(browser)
    phone.set_viewport_size({"width": 390, "height": 844})
    log_in(phone, "hanako@example.com", next_url="/me/qr/")
    phone.wait_for_url(re.compile(r"/me/qr/$"))
    expect(phone.locator("#member-qr")).to_have_attribute("data-loads", "1")
    phone.screenshot(path=SCREENSHOTS / "member-qr-390x844.png")
    qr_video = write_screenshot_video(
        tmp_path / "member-qr.y4m", phone.locator("#member-qr-image").screenshot()
    )
    history = asgi_page(browser)
    history.set_viewport_size({"width": 390, "height": 844})
    log_in(history, "hanako@example.com", next_url="/orders/")
    history.wait_for_url(re.compile(r"/orders/$"))
    expect(history.locator("#history-live")).to_have_attribute("data-state", "live")
    history.evaluate("window.__notReloaded = true")

    # when the cashier scans the apples twice (a wedge scanner types the code and Enter)
    tablet = asgi_page(camera_browser(qr_video))
    tablet.set_viewport_size({"width": 1024, "height": 768})
    log_in(tablet, "cashier@example.com", next_url="/staff/register/")
    tablet.wait_for_url(re.compile(r"/staff/register/$"))
    code = tablet.locator("#register-code")
    for _ in range(2):  # as fast as a scanner types: the second waits for the first
        code.fill(apples.product.barcode)
        code.press("Enter")
    expect(tablet.locator(".register-line")).to_have_count(1)
    expect(tablet.locator(".register-line-qty")).to_have_text("\N{MULTIPLICATION SIGN} 2")
    expect(tablet.locator("#register")).to_have_attribute("data-pending", "0")

    # and the beef, which asks for its weight first
    code.fill(beef.product.barcode)
    code.press("Enter")
    expect(tablet.locator("#register-message")).to_have_attribute("data-state", "warn")
    tablet.locator("#register-grams").fill("250")
    tablet.locator("#register-add").click()
    expect(tablet.locator(".register-line")).to_have_count(2)
    # 2 x ¥120 + 250 g at ¥980 / 100 g
    expect(tablet.locator("#register-total")).to_have_text("¥2,690")

    # and films the member's QR with the tablet's camera
    tablet.locator("#register-camera-box summary").click()
    expect(tablet.locator("#register-member")).to_have_attribute(
        "data-state", "member", timeout=30_000
    )
    expect(tablet.locator("#register-member-text")).to_contain_text(member.member_code)
    expect(tablet.locator("#register-member-text")).to_contain_text("¥5,000")
    tablet.locator("#register-camera-box summary").click()  # camera off
    tablet.locator("input[name=method][value=wallet]").check()
    tablet.screenshot(path=SCREENSHOTS / "register-basket-1024x768.png")
    tablet.locator("#register-pay").click()

    # then the sale is paid from the wallet, with its e-receipt QR
    expect(tablet.locator("#register-done")).to_be_visible()
    number = tablet.locator("#register-done-number").inner_text()
    tablet.screenshot(path=SCREENSHOTS / "register-paid-1024x768.png")

    # and the member's history shows it, live, without a reload
    row = history.locator(f"#order-{number}")
    expect(row).to_be_visible()
    expect(row).to_have_attribute("data-channel", "register")
    expect(row.locator(".order-total")).to_have_text("¥2,690")
    assert history.evaluate("window.__notReloaded === true")
    history.screenshot(path=SCREENSHOTS / "member-history-390x844.png")

    order = Order.objects.get(number=number)
    assert (order.status, order.channel, order.member_id) == (
        OrderStatus.PAID,
        "register",
        member.pk,
    )
    assert WalletAccount.objects.get(member=member).balance == 5000 - 2690
    assert StoreOffer.objects.get(pk=beef.pk).stock_on_hand == 4750

    # and the printable receipt opens from the tablet
    tablet.locator("#register-done-receipt").click()
    expect(tablet.locator("#receipt-number")).to_have_text(number)
    tablet.screenshot(path=SCREENSHOTS / "register-receipt-1024x768.png")

    # and one apple is refunded there, by line, back to the wallet
    apple_line = order.lines.get(offer=apples)
    tablet.locator(f"input[data-line='{apple_line.pk}']").fill("1")
    tablet.locator("#refund-reason").select_option("damaged")
    tablet.locator("#register-refund-form button[type=submit]").click()
    expect(tablet.locator("#register-refunds li")).to_have_count(1)
    expect(tablet.locator("#register-refunds li")).to_contain_text("¥120")
    assert WalletAccount.objects.get(member=member).balance == 5000 - 2690 + 120

    # and the register reads in Japanese too
    tablet.goto("/staff/register/")
    tablet.locator("#lang-ja").click()
    expect(tablet.locator("#register-pay")).to_have_text("会計する")
    # the screen's script has run (it numbers the basket's lines) before anything is scanned
    expect(tablet.locator("#register")).to_have_attribute("data-lines", "0")
    code = tablet.locator("#register-code")
    code.fill(beef.product.barcode)
    tablet.locator("#register-grams").fill("120")
    code.press("Enter")
    expect(tablet.locator(".register-line")).to_have_count(1)
    tablet.screenshot(path=SCREENSHOTS / "register-ja-1024x768.png")
