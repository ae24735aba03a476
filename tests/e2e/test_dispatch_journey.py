"""The dispatcher's journey in real browsers on the real ASGI server: a delivery order paid,
picked and packed → the dispatcher's tick assigns it → the rider's phone (a second browser
context with a fake geolocation) scans the bags, rides, moves, enters the code the shopper's page
shows → the shopper's page follows the rider and ends "delivered", without a reload."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from fulfillment.dispatch_service import bags, tick
from fulfillment.models import Trip
from orders.models import Order, OrderStatus
from stores.models import StaffRole
from tests import factories
from tests.e2e.test_checkout_journeys import committed, follow_without_reload, log_in, set_status
from tests.e2e.test_csp import RECORD_VIOLATIONS
from tests.fulfillment.dispatch_helpers import make_bags, make_delivery_order, make_rider

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STORE = {"latitude": 35.6822, "longitude": 139.7733}


def test_the_shopper_watches_the_rider_come_and_deliver(asgi_server, browser, asgi_page):
    # given a paid delivery order 1 km north, promised soon, and a rider on duty
    store = factories.make_store()
    member = factories.make_member(email="hana@example.com")
    order = make_delivery_order(
        store=store,
        status=OrderStatus.PAID,
        north_m=1000,
        promised_in=datetime.timedelta(minutes=5),
        member=member,
    )
    rider = make_rider(store=store, email="kai@example.com")
    shopper = asgi_page(browser)
    shopper.add_init_script(RECORD_VIOLATIONS)
    log_in(shopper, "hana@example.com", next_url=f"/orders/{order.number}/")
    shopper.wait_for_url(re.compile(rf"/orders/{order.number}/$"))
    follow_without_reload(shopper)

    # when the store picks and packs it, and the dispatcher ticks
    set_status(order.number, OrderStatus.PICKING)
    set_status(order.number, OrderStatus.PACKED)
    committed(lambda: make_bags(Order.objects.get(pk=order.pk), 2))  # the packing station's
    report = committed(lambda: tick.plan_and_commit(store=store))
    assert report.status == "committed", report
    trip = Trip.objects.get(rider=rider)

    # then the rider's phone shows the trip, at the store
    phone = asgi_page(browser)
    phone.add_init_script(RECORD_VIOLATIONS)
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.context.grant_permissions(["geolocation"], origin=asgi_server.url)
    phone.context.set_geolocation(STORE)
    log_in(phone, "kai@example.com", next_url="/rider/")
    phone.wait_for_url(re.compile(r"/rider/$"))
    expect(phone.locator("#step-handover")).to_be_visible()
    expect(phone.locator("#rider-map .map-pin")).to_have_count(2)  # the store and the stop

    # when the rider scans both bags (typed here: the label's QR holds the same signed code)
    for bag in bags.bags_for_handover(Order.objects.get(pk=order.pk)):
        phone.locator("#bag-code").fill(bag.code)
        phone.get_by_role("button", name="Scan bag").click()

    # then the trip is out and the shopper's page says so, with the code to show
    expect(phone.locator("#step-stop")).to_be_visible()
    expect(shopper.locator("#order-status")).to_have_attribute("data-status", "out_for_delivery")
    expect(shopper.locator("#delivery-code")).to_be_visible()
    expect(shopper.locator("#tracking")).to_be_visible()
    expect(shopper.locator("#tracking-stops")).to_have_text("You are the next stop")

    # when the rider rides north (the phone reconnects on the way: same trip)
    phone.context.set_geolocation({"latitude": 35.6870, "longitude": 139.7735})
    phone.reload()
    expect(phone.locator("#step-stop")).to_be_visible()

    # then the shopper sees the rider there, with the ETA beside the promise
    expect(shopper.locator("#tracking")).to_have_attribute("data-rider-lat", "35.687")
    expect(shopper.locator("#tracking-eta")).to_contain_text("promised by")

    # when the rider enters the code the shopper shows
    code = shopper.locator("#delivery-code-value").inner_text()
    phone.locator("#delivery-code").fill(code)
    phone.get_by_role("button", name="Delivered").click()

    # then the order is delivered, the rider rides back, the shopper's page never reloaded
    expect(phone.locator("#step-return")).to_be_visible()
    expect(shopper.locator("#order-status")).to_have_attribute("data-status", "delivered")
    expect(shopper.locator("#tracking")).to_be_hidden()
    assert shopper.evaluate("window.__notReloaded === true")
    trip.refresh_from_db()
    assert trip.state == Trip.State.RETURNING

    # and the manager's board shows the day's delivery, live, within the CSP
    factories.make_staff(store=store, role=StaffRole.Role.MANAGER, email="boss@example.com")
    desk = asgi_page(browser)
    desk.add_init_script(RECORD_VIOLATIONS)
    desk.set_viewport_size({"width": 1280, "height": 800})
    log_in(desk, "boss@example.com", next_url=f"/staff/stores/{store.code}/dispatch/")
    desk.wait_for_url(re.compile(r"/dispatch/$"))
    expect(desk.locator("#board-live")).to_have_attribute("data-state", "live")
    expect(desk.locator("#board-map")).to_have_class(re.compile(r"\bleaflet-container\b"))
    expect(desk.locator("#trips")).to_contain_text(rider.display_name)
    for page in (shopper, phone, desk):
        assert page.evaluate("window.__cspViolations") == [], page.url
    assert StaffRole.objects.filter(user=rider.user, role="rider").exists()
