"""The Content Security Policy holds in a real browser: the main pages of every role load in
headless Chromium, on the real ASGI server, with no CSP violation reported (no
`securitypolicyviolation` event, no "Refused to ..." console error) and each page works: the
scanner, the checkout map, the live order page, the staff exit and the pickers' tablet, the
admin, the API docs and the log-in lockout page. Also: a revoked role reaches the page as a
visible, translated notice and the page stops reconnecting.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connections, transaction
from django.test import Client
from playwright.sync_api import Page, expect

from catalog import services as catalog_services
from orders.models import Order
from stores.models import StaffRole
from tests import factories
from tests.orders.helpers import checkout, confirm, member_with_cart

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Recorded before any script of the page runs (Playwright injects it outside the page's CSP).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `(${event.sourceFile || ""}:${event.lineNumber || ""})`
  );
});
"""


def in_thread(work):
    """Run `work()` committed on another thread: the main thread runs Playwright's event loop,
    where the realtime publish after a commit cannot run."""

    def run():
        try:
            with transaction.atomic():
                return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


class CspWatch:
    """Every CSP violation and console error of one page, and the CSP header of each document."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        self.documents: list[tuple[str, str | None]] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._on_console)
        page.on("response", self._on_response)

    def _on_console(self, message) -> None:
        text = message.text
        if message.type == "error" and (
            "Content Security Policy" in text or text.startswith("Refused to")
        ):
            self.console.append(f"{self.page.url}: {text}")

    def _on_response(self, response) -> None:
        if response.request.resource_type == "document":
            self.documents.append((response.url, response.headers.get("content-security-policy")))

    def visit(self, path: str) -> None:
        self.page.goto(path)
        self.page.wait_for_load_state("networkidle")
        self.check()

    def check(self) -> None:
        """No violation so far, on this page or any before it."""
        events = self.page.evaluate("window.__cspViolations || []")
        assert not events, f"CSP violations on {self.page.url}: {events}"
        assert not self.console, "\n".join(self.console)
        missing = [url for url, header in self.documents if not header]
        assert not missing, f"pages without a Content-Security-Policy header: {missing}"
        for url, header in self.documents:
            script_src = next(d for d in header.split(";") if d.strip().startswith("script-src"))
            assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, url


def logged_in(page: Page, user, base_url: str) -> Page:
    """Give the page's browser context a session of `user` (made by Django's test client)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
    )
    return page


@pytest.fixture
def shop():
    """A store with a labelled product and a recipe of reviews, a member with a paid pickup order
    and a cart, and one person for each staff role."""

    def build():
        store = factories.make_store(
            latitude=Decimal("35.682200"), longitude=Decimal("139.773300"), delivery_radius_m=3000
        )
        product = factories.make_product(name_en="Hokkaido Milk 1 L", name_ja="北海道牛乳 1L")
        offer = factories.make_offer(store=store, product=product, price=398, stock_on_hand=20)
        (label,) = catalog_services.labels_for_offers(offers=[offer])
        factories.make_review(product=product)
        member, api = member_with_cart(offer)
        response = checkout(api, store, channel="pickup")
        confirm(api, response)
        api.post(
            "/api/v1/cart/lines/",
            {"store": store.code, "sku": product.sku, "quantity": 1},
            format="json",
        )
        return {
            "store": store,
            "offer": offer,
            "label": label,
            "member": member,
            "order": Order.objects.get(number=response.json()["number"]),
            "picker": factories.make_staff(store=store, role=StaffRole.Role.PICKER),
            "exit": factories.make_staff(store=store, role=StaffRole.Role.EXIT),
            "rider": factories.make_staff(store=store, role=StaffRole.Role.RIDER),
            "manager": factories.make_staff(store=store, role=StaffRole.Role.MANAGER),
        }

    return in_thread(build)


def test_the_shoppers_pages_run_under_the_policy(asgi_server, browser, asgi_page, shop):
    store, label = shop["store"], shop["label"]
    anonymous = CspWatch(asgi_page(browser))
    for path in ["/", "/search/?q=milk", "/login/", "/offline/", f"/s/{label.code}"]:
        anonymous.visit(path)
    expect(anonymous.page.locator("#product-name")).to_have_text("Hokkaido Milk 1 L")
    anonymous.visit(f"/stores/{store.code}/products/{shop['offer'].product.sku}/reviews/")

    shopper = CspWatch(logged_in(asgi_page(browser), shop["member"].user, asgi_server.url))
    # the in-app scanner starts the (fake) camera
    shopper.visit(f"/scan/?store={store.code}")
    expect(shopper.page.locator("#scanner")).to_have_attribute("data-camera", "on")
    shopper.visit(f"/cart/?store={store.code}")
    expect(shopper.page.locator(".cart-line")).to_have_count(1)

    # the checkout map: Leaflet draws, the tile host is allowed, a tap drops the pin
    shopper.visit(f"/checkout/?store={store.code}")
    tiles: list[str] = []
    shopper.page.on(
        "request", lambda r: tiles.append(r.url) if "tile.openstreetmap.org" in r.url else None
    )
    shopper.page.locator("#channel-delivery").check()
    delivery_map = shopper.page.locator("#delivery-map")
    expect(delivery_map).to_have_class(re.compile(r"\bleaflet-container\b"))
    box = delivery_map.bounding_box()
    delivery_map.click(position={"x": box["width"] / 2 + 30, "y": box["height"] / 2 - 25})
    expect(delivery_map.locator(".leaflet-marker-icon")).to_have_count(1)
    shopper.page.wait_for_load_state("networkidle")
    assert tiles, "the map asked for no tiles"
    shopper.check()

    # the live order page over its websocket
    shopper.visit(f"/orders/{shop['order'].number}/")
    expect(shopper.page.locator("#live-state")).to_have_attribute("data-state", "live")
    shopper.visit("/orders/")
    shopper.check()


def test_the_staff_and_manager_pages_run_under_the_policy(asgi_server, browser, asgi_page, shop):
    store = shop["store"]

    exit_staff = CspWatch(logged_in(asgi_page(browser), shop["exit"], asgi_server.url))
    exit_staff.visit("/staff/exit/")
    expect(exit_staff.page.locator("#exit-screen, .exit-screen").first).to_be_visible()

    picker = CspWatch(logged_in(asgi_page(browser), shop["picker"], asgi_server.url))
    picker.visit(f"/staff/stores/{store.code}/")  # the pickers' tablet: five zone sockets
    expect(picker.page.locator("#live-state")).to_have_attribute("data-state", "live")
    picker.check()

    rider = CspWatch(logged_in(asgi_page(browser), shop["rider"], asgi_server.url))
    rider.visit("/rider/")

    manager = CspWatch(logged_in(asgi_page(browser), shop["manager"], asgi_server.url))
    for path in [
        "/admin/",
        "/admin/catalog/storeoffer/",
        f"/admin/catalog/storeoffer/{shop['offer'].pk}/change/",
        "/admin/orders/order/",
        f"/admin/catalog/shelflabel/sheet/?store={store.code}",
    ]:
        manager.visit(path)
    expect(manager.page.locator(".label")).to_have_count(1)
    # the change list's JavaScript (select all, actions) works without inline code
    manager.visit("/admin/catalog/storeoffer/")
    manager.page.locator("#action-toggle").check()
    expect(manager.page.locator(".action-counter")).to_contain_text("1 of 1")
    manager.check()


def test_the_api_docs_run_under_the_policy(asgi_server, browser, asgi_page, shop):
    # API_DOCS_PUBLIC: on in development, where this server runs
    docs = CspWatch(asgi_page(browser))
    docs.visit("/api/docs/")
    expect(docs.page.locator(".swagger-ui .info .title")).to_contain_text("OMO Store API")
    expect(docs.page.locator(".opblock-summary-path").first).to_be_visible()
    docs.check()


def test_the_lockout_page_runs_under_the_policy(asgi_server, browser, asgi_page):
    user = in_thread(lambda: factories.make_user(email="locked@example.com"))
    watch = CspWatch(asgi_page(browser))
    for _ in range(5):
        watch.visit("/login/")
        watch.page.locator("input[name=username]").fill(user.email)
        watch.page.locator("input[name=password]").fill("not the password")
        watch.page.locator("main").get_by_role("button", name="Log in").click()
        watch.page.wait_for_load_state("networkidle")
    expect(watch.page.locator("#login-locked")).to_contain_text("Too many failed log-in attempts")
    watch.check()


def test_a_revoked_role_stops_the_feed_with_a_visible_reason(asgi_server, browser, asgi_page, shop):
    picker = CspWatch(logged_in(asgi_page(browser), shop["picker"], asgi_server.url))
    sockets: list[str] = []
    picker.page.on("websocket", lambda ws: sockets.append(ws.url))
    picker.visit(f"/staff/stores/{shop['store'].code}/")
    expect(picker.page.locator("#live-state")).to_have_attribute("data-state", "live")
    opened = len(sockets)  # one per temperature zone

    in_thread(lambda: StaffRole.objects.filter(user=shop["picker"]).delete())

    notice = picker.page.locator("#live-refused")
    expect(notice).to_be_visible()
    expect(notice).to_have_attribute("data-reason", "forbidden")
    expect(notice).to_contain_text("You no longer have access to these live updates.")
    expect(picker.page.locator("#live-state")).to_have_attribute("data-state", "refused")
    # and it does not come back: no new socket within the first reconnect delays
    picker.page.wait_for_timeout(2500)
    assert len(sockets) == opened, sockets
    picker.check()
