"""Pick and pack in a real browser against the real ASGI server: a paid delivery's task appears
live on the picker's tablet, the picker claims it, confirms one item through the fake camera
(a Y4M of a real EAN-13 barcode) and one with a keyboard wedge, has a wrong barcode refused,
weighs an item, bags it and prints the labels; the packer scans the bag and packs the order.
Screenshots of each screen at the tablet's size go to $PICKPACK_SHOTS when it is set."""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Page, expect

from fulfillment.models import Bag, PickTask
from fulfillment.picking import services
from orders.models import Order
from stores.models import StaffRole
from tests import factories
from tests.e2e.ean13 import ean13_frame
from tests.e2e.y4m import write_y4m
from tests.fulfillment.picking_helpers import paid_order, zoned_offer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("PICKPACK_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png")


def off_the_event_loop(work):
    """Run `work` in a thread of its own: Playwright's sync API runs an event loop in this one,
    where the realtime publisher (async_to_sync) cannot run."""

    def run():
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def log_in(page: Page, email: str, *, next_url: str) -> None:
    page.goto(f"/login/?next={next_url}")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()


def test_a_delivery_is_picked_by_camera_and_wedge_then_packed(
    asgi_server, camera_browser, asgi_page, tmp_path
):
    # given a store with milk (ambient aisle A1), beef sold by weight, and its floor staff
    store = factories.make_store()
    milk = zoned_offer(
        store,
        zone="chilled",
        aisle="C2",
        bay=4,
        price=250,
        name_en="Hokkaido Milk 1 L",
        name_ja="北海道牛乳 1L",
    )
    beef = zoned_offer(
        store,
        zone="chilled",
        aisle="C5",
        bay=1,
        price=980,
        stock=5000,
        sold_by="weight",
        name_en="Wagyu slices",
        name_ja="和牛スライス",
    )
    tofu = zoned_offer(store, zone="chilled", aisle="C3", bay=2, name_en="Silken tofu", price=300)
    firm_tofu = zoned_offer(
        store,
        zone="chilled",
        aisle="C3",
        bay=3,
        name_en="Firm tofu",
        price=200,
        category=tofu.product.category,
    )
    member = factories.make_member(email="hanako@example.com")
    factories.make_staff(
        store=store, role=StaffRole.Role.PICKER, email="picker@example.com", display_name="Kenta"
    )
    factories.make_staff(store=store, role=StaffRole.Role.PACKER, email="packer@example.com")
    camera = write_y4m(tmp_path / "milk.y4m", ean13_frame(milk.product.barcode))
    tablet = asgi_page(camera_browser(camera))
    tablet.set_viewport_size(TABLET)

    # when the picker opens the queue, and a delivery is paid meanwhile
    log_in(tablet, "picker@example.com", next_url="/staff/")
    tablet.wait_for_url(re.compile(rf"/staff/stores/{store.code}/$"))
    expect(tablet.locator("#live-state")).to_have_attribute("data-state", "live")
    order = off_the_event_loop(
        lambda: paid_order(store, [(milk, 2), (beef, 300), (tofu, 1)], member=member)
    )
    shopper = asgi_page(camera_browser(camera))
    shopper.set_viewport_size(PHONE)
    log_in(shopper, "hanako@example.com", next_url=f"/orders/{order.number}/")
    shopper.wait_for_url(re.compile(rf"/orders/{order.number}/$"))
    off_the_event_loop(lambda: services.create_pick_tasks(order_id=order.pk))

    # then its task appears without a reload, with its countdown
    card = tablet.locator(".task").filter(has_text=order.number)
    expect(card).to_have_count(1)
    expect(tablet.locator('[data-count-for="chilled"]')).to_have_text("1")
    shot(tablet, "1-queue")

    # when the picker claims it, the pick screen lists the lines in walking order
    card.get_by_role("button", name="Claim").click()
    tablet.wait_for_url(re.compile(r"/tasks/\d+/$"))
    lines = tablet.locator("#lines .line")
    expect(lines).to_have_count(3)
    expect(lines.nth(0)).to_contain_text("Hokkaido Milk 1 L")
    expect(lines.nth(0)).to_have_attribute("aria-current", "step")

    # a wrong barcode is refused with a clear message and the error sound
    tablet.locator("#scan-input").fill(tofu.product.barcode)
    tablet.locator("#scan-input").press("Enter")
    feedback = tablet.locator("#scan-feedback")
    expect(feedback).to_have_attribute("data-state", "error")
    expect(feedback).to_contain_text("Wrong item: this is Silken tofu")
    assert tablet.evaluate("document.body.dataset.lastBeep") == "error"
    shot(tablet, "2-wrong-barcode")

    # the camera reads the milk's EAN-13, the wedge types the second one
    tablet.locator("#camera-toggle").click()
    expect(lines.nth(0).locator(".line-qty")).to_have_text("1 / 2", timeout=30_000)
    tablet.locator("#camera-toggle").click()
    tablet.locator("#scan-input").press_sequentially(milk.product.barcode, delay=5)
    tablet.locator("#scan-input").press("Enter")
    expect(lines.nth(0)).to_have_attribute("data-status", "picked")
    scans = list(
        PickTask.objects.get(order=order)
        .lines.get(offer=milk)
        .scans.values_list("source", flat=True)
    )
    assert scans == ["camera", "wedge"]

    # the shopper's page shows the progress live
    expect(shopper.locator("#picking-progress")).to_have_text("2 of 4 items picked")

    # tofu is not found: the picker offers firm tofu, the shopper accepts it live
    lines.nth(1).get_by_role("button", name="Not found").click()
    tablet.locator("#substitute-list button").filter(has_text="Firm tofu").click()
    expect(lines.nth(1).locator(".line-substitute")).to_have_attribute("data-status", "proposed")
    proposal = shopper.locator("#proposals .proposal")
    expect(proposal).to_contain_text(
        "Silken tofu is out of stock. Firm tofu instead, at ¥200 each?"
    )
    shot(shopper, "6-shopper-proposal")
    proposal.get_by_role("button", name="Accept").click()
    expect(lines.nth(1)).to_have_attribute("data-status", "substituted")
    expect(lines.nth(1).locator(".line-substitute")).to_have_attribute("data-status", "accepted")

    # the beef weighs 320 g (within 10 %)
    lines.nth(2).locator("input.grams").fill("320")
    lines.nth(2).get_by_role("button", name="Weigh").click()
    expect(lines.nth(2)).to_have_attribute("data-status", "picked")
    shot(tablet, "3-pick-screen")

    # finished into one bag, the label prints with the cold-chain mark
    tablet.locator("#bags").fill("1")
    tablet.locator("#finish").click()
    tablet.wait_for_url(re.compile(r"/labels/$"))
    expect(tablet.locator(".bag-label")).to_have_count(1)
    expect(tablet.locator(".bag-label")).to_contain_text("bag 1 of 1")
    expect(tablet.locator(".bag-cold")).to_be_visible()
    shot(tablet, "4-labels")

    # when the packer scans the bag and says all bags are here
    packer = asgi_page(camera_browser(camera))
    packer.set_viewport_size(TABLET)
    log_in(packer, "packer@example.com", next_url="/staff/")
    packer.wait_for_url(re.compile(r"/pack/$"))
    row = packer.locator(".pack-order").filter(has_text=order.number)
    expect(row).to_have_count(1)
    bag = Bag.objects.get(order=order)
    packer.locator("#bag-input").fill(services.bag_qr_payload(bag=bag))
    packer.locator("#bag-input").press("Enter")
    expect(row.locator(".bag-chip")).to_have_attribute("data-scanned", "true")
    shot(packer, "5-packing")
    row.get_by_role("button", name="All 1 bags here").click()
    expect(packer.locator("#pack-feedback")).to_contain_text(f"Order {order.number} is packed")

    # then the order is packed, the tofu's difference refunded, the beef never dearer
    order = Order.objects.get(pk=order.pk)
    assert order.status == "packed"
    assert [r.amount for r in order.refunds.all()] == [tofu.price - firm_tofu.price]
    expect(shopper.locator("#order-status")).to_have_attribute("data-status", "packed")
    expect(shopper.locator("#order-refunded")).to_have_text("¥100")
    shot(shopper, "7-shopper-packed")


def test_a_pickup_order_is_picked_packed_and_collected_at_the_counter(
    asgi_server, browser, asgi_page
):
    # given a pickup order paid by a shopper who follows it on her phone
    store = factories.make_store()
    natto = zoned_offer(store, zone="chilled", name_en="Natto 3-pack", price=120)
    member = factories.make_member(email="taro@example.com")
    factories.make_staff(store=store, role=StaffRole.Role.PICKER, email="kenta@example.com")
    factories.make_staff(store=store, role=StaffRole.Role.PACKER, email="sota@example.com")
    factories.make_staff(store=store, role=StaffRole.Role.EXIT, email="mei@example.com")
    order = off_the_event_loop(
        lambda: paid_order(store, [(natto, 1)], channel="pickup", member=member)
    )
    off_the_event_loop(lambda: services.create_pick_tasks(order_id=order.pk))
    shopper = asgi_page(browser)
    shopper.set_viewport_size(PHONE)
    log_in(shopper, "taro@example.com", next_url=f"/orders/{order.number}/")
    shopper.wait_for_url(re.compile(rf"/orders/{order.number}/$"))

    # when the picker picks it by typing the barcode and finishes into one bag
    tablet = asgi_page(browser)
    tablet.set_viewport_size(TABLET)
    log_in(tablet, "kenta@example.com", next_url="/staff/")
    tablet.locator(".task").filter(has_text=order.number).get_by_role(
        "button", name="Claim"
    ).click()
    tablet.wait_for_url(re.compile(r"/tasks/\d+/$"))
    expect(tablet.locator("#lines .line")).to_have_count(1)
    # the Wi-Fi drops just as the item is scanned: the scan waits on the tablet
    tablet.context.set_offline(True)
    tablet.locator("#scan-input").fill(natto.product.barcode)
    tablet.locator("#scan-input").press("Enter")
    expect(tablet.locator("#scan-feedback")).to_have_attribute("data-state", "warn-offline")
    expect(tablet.locator("#pick-task")).to_have_attribute("data-outbox", "1")
    # and is sent, once, when it is back
    tablet.context.set_offline(False)
    expect(tablet.locator("#lines .line").first).to_have_attribute("data-status", "picked")
    expect(tablet.locator("#pick-task")).to_have_attribute("data-outbox", "0")
    assert PickTask.objects.get(order=order).lines.get().quantity_picked == 1
    tablet.locator("#finish").click()
    tablet.wait_for_url(re.compile(r"/labels/$"))

    # and the packer scans the bag and packs it
    packer = asgi_page(browser)
    packer.set_viewport_size(TABLET)
    log_in(packer, "sota@example.com", next_url="/staff/")
    packer.wait_for_url(re.compile(r"/pack/$"))
    bag = Bag.objects.get(order=order)
    packer.locator("#bag-input").fill(services.bag_qr_payload(bag=bag))
    packer.locator("#bag-input").press("Enter")
    row = packer.locator(".pack-order").filter(has_text=order.number)
    expect(row.locator(".bag-chip")).to_have_attribute("data-scanned", "true")
    row.get_by_role("button", name="All 1 bags here").click()

    # then the shopper's page shows the pickup code, live
    expect(shopper.locator("#order-status")).to_have_attribute("data-status", "ready_for_pickup")
    expect(shopper.locator("#pickup-ready")).to_be_visible()
    short = shopper.locator("#pickup-short")
    expect(short).to_have_text(re.compile(r"^\d{6}$"))
    # (read as properties: a string for wait_for_function is an eval, which the page's CSP forbids)
    pickup_qr = shopper.locator("#pickup-qr")
    expect(pickup_qr).to_have_js_property("complete", True)
    assert pickup_qr.evaluate("image => image.naturalWidth") > 0
    shot(shopper, "8-shopper-pickup-code")

    # when the counter types the code and hands the bag over
    counter = asgi_page(browser)
    counter.set_viewport_size(TABLET)
    log_in(counter, "mei@example.com", next_url="/staff/")
    counter.wait_for_url(re.compile(r"/counter/$"))
    counter.locator("#pickup-input").fill(short.inner_text())
    counter.locator("#pickup-input").press("Enter")
    expect(counter.locator("#pickup-feedback")).to_contain_text(f"Order {order.number} for")
    shot(counter, "9-counter")
    counter.locator("#hand-over").click()
    expect(counter.locator("#pickup-feedback")).to_contain_text("handed over")

    # then the shopper's page says collected
    expect(shopper.locator("#order-status")).to_have_attribute("data-status", "collected")
    assert Order.objects.get(pk=order.pk).status == "collected"


def test_a_manager_reassigns_a_task_from_the_queue_in_japanese(asgi_server, browser, asgi_page):
    # given two orders waiting in the queue, and a picker of the store
    store = factories.make_store()
    tea = zoned_offer(store, zone="ambient", name_en="Sencha", name_ja="煎茶")
    ice = zoned_offer(store, zone="frozen", name_en="Matcha ice", name_ja="抹茶アイス")
    factories.make_staff(store=store, role=StaffRole.Role.MANAGER, email="aiko@example.com")
    kenta = factories.make_staff(
        store=store, role=StaffRole.Role.PICKER, email="kenta@example.com", display_name="伊藤"
    )
    order = off_the_event_loop(lambda: paid_order(store, [(tea, 1), (ice, 2)]))
    off_the_event_loop(lambda: services.create_pick_tasks(order_id=order.pk))
    page = asgi_page(browser)
    page.set_viewport_size(TABLET)
    log_in(page, "aiko@example.com", next_url="/staff/")
    page.wait_for_url(re.compile(rf"/staff/stores/{store.code}/$"))
    page.locator("#lang-ja").click()
    expect(page.locator(".zone-frozen .zone-name")).to_have_text("冷凍")

    # when the manager gives the frozen task to Ito-san
    card = page.locator(".task.zone-frozen")
    expect(card).to_have_count(1)
    shot(page, "10-manager-queue-ja")
    card.locator("select.reassign").select_option(label="伊藤")

    # then the card shows it taken by him, live, and the order is being picked
    expect(page.locator(".task.zone-frozen .taken")).to_contain_text("伊藤")
    task = PickTask.objects.get(order=order, zone="frozen")
    assert (task.status, task.picker_id) == ("claimed", kenta.pk)
    assert Order.objects.get(pk=order.pk).status == "picking"
