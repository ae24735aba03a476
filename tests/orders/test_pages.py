"""The server-rendered shopper and exit-staff pages of the orders app, through the test client:
who may see which page, what the history lists, and the exit pass image."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from orders import selectors
from orders.models import Order, OrderStatus
from stores.models import StaffRole
from tests import factories
from tests.orders.helpers import TOKYO_NEAR, add, checkout, confirm, member_client

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def place_order(member, offer, *, channel="in_store", pay=True, quantity=1) -> Order:
    """An order of `member` for `quantity` of `offer`, through the cart and checkout API."""
    api = member_client(member)
    assert add(api, offer, quantity).status_code == 201
    extra = {"delivery": TOKYO_NEAR} if channel == "delivery" else {}
    response = checkout(api, offer.store, channel=channel, **extra)
    assert response.status_code == 201, response.json()
    if pay:
        assert confirm(api, response).status_code == 200
    return Order.objects.get(number=response.json()["number"])


def assert_login_redirect(response, path):
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert path in response["Location"].replace("%2F", "/")


@pytest.fixture
def offer(store):
    return factories.make_offer(
        store=store,
        product=factories.make_product(name_en="Hokkaido Milk 1 L"),
        price=398,
        stock_on_hand=50,
    )


# --- Cart -----------------------------------------------------------------------------------------


def test_the_cart_page_shows_an_anonymous_shopper_an_empty_cart(client, store):
    response = client.get(f"/cart/?store={store.code}")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="cart-empty">' in html  # not hidden
    assert 'class="card cart-line"' not in html
    assert "no-cache" in response["Cache-Control"]


def test_the_cart_page_shows_the_members_lines_priced_by_the_server(store, offer):
    member = factories.make_member()
    assert add(member_client(member), offer, 2).status_code == 201

    response = logged_in(member.user).get(f"/cart/?store={store.code}")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="card cart-line"') == 1
    assert "Hokkaido Milk 1 L" in html
    assert re.search(r'id="cart-total">\s*¥796\s*<', html)
    assert f'href="/checkout/?store={store.code}"' in html


def test_an_unknown_store_is_a_404(client, store):
    assert client.get("/cart/?store=no-such-store").status_code == 404


# --- Checkout -------------------------------------------------------------------------------------


def test_checkout_needs_a_login(client, store):
    response = client.get(f"/checkout/?store={store.code}")

    assert_login_redirect(response, "/checkout/")


def test_checkout_is_for_members_only(store):
    picker = factories.make_staff(store=store, role=StaffRole.Role.PICKER)

    response = logged_in(picker).get(f"/checkout/?store={store.code}")

    assert response.status_code == 403


def test_checkout_offers_the_channels_and_the_test_provider(store, offer):
    member = factories.make_member()
    assert add(member_client(member), offer).status_code == 201

    response = logged_in(member.user).get(f"/checkout/?store={store.code}")

    assert response.status_code == 200
    html = response.content.decode()
    for channel in ("in_store", "pickup", "delivery"):
        assert f'id="channel-{channel}"' in html
    assert 'id="pay-test"' in html
    assert 'id="delivery-map"' in html


# --- History --------------------------------------------------------------------------------------


def test_the_history_lists_every_channel_newest_first_with_badges(store, offer):
    member = factories.make_member()
    in_store = place_order(member, offer, channel="in_store")
    pickup = place_order(member, offer, channel="pickup")
    delivery = place_order(member, offer, channel="delivery", pay=False)
    someone_elses = place_order(factories.make_member(), offer, channel="pickup")

    response = logged_in(member.user).get("/orders/")

    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r'id="order-([\w-]+)" data-channel="(\w+)" data-status="(\w+)"', html)
    assert rows == [
        (delivery.number, "delivery", "placed"),
        (pickup.number, "pickup", "paid"),
        (in_store.number, "in_store", "paid"),
    ]
    assert someone_elses.number not in html
    for channel, label in [
        ("in_store", "In store"),
        ("pickup", "Pickup"),
        ("delivery", "Delivery"),
    ]:
        assert f'<span class="channel-badge channel-{channel}">{label}</span>' in html


def test_the_history_needs_a_login(client):
    assert_login_redirect(client.get("/orders/"), "/orders/")


def _history_queries(member) -> int:
    client = logged_in(member.user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/orders/")
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_history_takes_the_same_number_of_queries_for_1_or_10_orders(store):
    # given two members, one with 1 order and one with 10 (each of two lines)
    offers = [factories.make_offer(store=store, stock_on_hand=100) for _ in range(2)]
    one, ten = factories.make_member(), factories.make_member()
    for member, count in [(one, 1), (ten, 10)]:
        for _ in range(count):
            api = member_client(member)
            for offer in offers:
                assert add(api, offer).status_code == 201
            response = checkout(api, store, channel="pickup")
            assert confirm(api, response).status_code == 200

    # when / then
    assert _history_queries(one) == _history_queries(ten)


def test_the_history_shows_what_each_order_earned_in_the_page_and_its_snapshot(
    store, django_capture_on_commit_callbacks
):
    # given a member's two paid orders (¥1,250 and ¥100 at 1 point per ¥100) and an unpaid one
    member = factories.make_member()
    big = factories.make_offer(store=store, price=1250, stock_on_hand=10)
    small = factories.make_offer(store=store, price=100, stock_on_hand=10)
    with django_capture_on_commit_callbacks(execute=True):  # members grants after the commit
        twelve = place_order(member, big, channel="pickup")
        one = place_order(member, small, channel="pickup")
        unpaid = place_order(member, small, channel="pickup", pay=False)

    # when the member opens the history, in English and in Japanese
    html = logged_in(member.user).get("/orders/").content.decode()
    client = logged_in(member.user)
    japanese = client.get("/orders/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()

    # then each paid row says what it earned, the unpaid one nothing
    earned = dict(
        re.findall(r'order-row" id="order-([\w-]+)".*?(?:data-points="(\d+)"|</li>)', html, re.S)
    )
    assert earned == {twelve.number: "12", one.number: "1", unpaid.number: ""}
    assert ">+12 points</span>" in html and ">+1 point</span>" in html
    assert ">+12ポイント</span>" in japanese
    # and the live page's snapshot (the history group's) carries the same numbers
    snapshot = selectors.history_snapshot(member=member)
    assert {row["number"]: row["points"] for row in snapshot["orders"]} == {
        twelve.number: 12,
        one.number: 1,
        unpaid.number: 0,
    }


# --- The order page -------------------------------------------------------------------------------


def test_a_member_sees_their_own_order(store, offer):
    member = factories.make_member()
    order = place_order(member, offer, channel="pickup")

    response = logged_in(member.user).get(f"/orders/{order.number}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-ws-path="/ws/orders/{order.number}/"' in html
    assert 'data-status="paid"' in html
    assert "Hokkaido Milk 1 L" in html


def test_another_members_order_is_a_404(store, offer):
    order = place_order(factories.make_member(), offer)

    response = logged_in(factories.make_member().user).get(f"/orders/{order.number}/")

    assert response.status_code == 404


def test_the_order_page_needs_a_login(client, store, offer):
    order = place_order(factories.make_member(), offer)

    assert_login_redirect(client.get(f"/orders/{order.number}/"), f"/orders/{order.number}/")


def test_a_paid_in_store_order_page_shows_the_exit_pass(store, offer):
    member = factories.make_member()
    order = place_order(member, offer, channel="in_store")

    html = logged_in(member.user).get(f"/orders/{order.number}/").content.decode()

    assert '<section class="card exit-pass" id="exit-pass">' in html  # not hidden
    assert "<svg" in html.split('id="exit-pass-qr"')[1].split("</div>")[0]
    assert re.search(r'<code id="exit-pass-code">[\w.:-]{20,}</code>', html)


# --- The exit pass image --------------------------------------------------------------------------


def test_the_exit_pass_image_carries_a_code_that_staff_can_verify(store, offer):
    # given a paid scan & go order
    member = factories.make_member()
    order = place_order(member, offer, channel="in_store", quantity=2)

    # when the shopper's app loads the exit pass image
    response = logged_in(member.user).get(f"/orders/{order.number}/exit-pass.svg")

    # then it is a fresh SVG whose code verifies at the exit of the store
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "no-store" in response["Cache-Control"]
    assert response.content.lstrip().startswith(b"<svg")
    code = response["X-Exit-Pass-Code"]
    assert response["X-Exit-Pass-Expires"]
    staff = APIClient()
    staff.force_authenticate(factories.make_staff(store=store, role=StaffRole.Role.EXIT))
    verified = staff.post(
        "/api/v1/staff/exit-passes/verify/", {"store": store.code, "code": code}, format="json"
    )
    assert verified.status_code == 200, verified.json()
    assert verified.json()["number"] == order.number
    assert [(line["sku"], line["quantity"]) for line in verified.json()["lines"]] == [
        (offer.product.sku, 2)
    ]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.EXITED


def test_another_members_exit_pass_is_a_404(store, offer):
    order = place_order(factories.make_member(), offer, channel="in_store")

    response = logged_in(factories.make_member().user).get(f"/orders/{order.number}/exit-pass.svg")

    assert response.status_code == 404
    assert "X-Exit-Pass-Code" not in response


def test_an_unpaid_order_has_no_exit_pass(store, offer):
    member = factories.make_member()
    order = place_order(member, offer, channel="in_store", pay=False)

    response = logged_in(member.user).get(f"/orders/{order.number}/exit-pass.svg")

    assert response.status_code == 409
    assert "X-Exit-Pass-Code" not in response
    assert "no-store" in response["Cache-Control"]


# --- The staff exit screen ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [StaffRole.Role.EXIT, StaffRole.Role.MANAGER])
def test_exit_staff_and_managers_of_the_store_open_the_exit_screen(store, role):
    staff = logged_in(factories.make_staff(store=store, role=role))

    for url in ["/staff/exit/", f"/staff/exit/?store={store.code}"]:
        response = staff.get(url)
        assert response.status_code == 200, url
        assert f'data-store="{store.code}"' in response.content.decode()


def assert_staff_chrome(page: str) -> None:
    """The staff tablet's header (fulfillment/tablet_base.html), never the shopper's menu."""
    assert 'class="tbar"' in page and "css/tablet.css" in page
    assert 'class="topbar"' not in page and "css/site.css" not in page
    assert 'id="cart-link"' not in page
    assert 'href="/scan/"' not in page and 'href="/search/"' not in page
    assert 'class="tbar-store" href="/staff/"' in page  # back to the staff home
    assert 'action="/logout/"' in page and 'id="lang-ja"' in page


@pytest.mark.parametrize("url", ["/staff/exit/", "/staff/exit/?store={code}"])
def test_the_exit_screen_has_the_staff_header_and_the_exit_staffs_tabs(store, url):
    staff = logged_in(factories.make_staff(store=store, role=StaffRole.Role.EXIT))

    page = staff.get(url.format(code=store.code)).content.decode()

    assert_staff_chrome(page)
    assert f'<a class="tbar-store" href="/staff/" title="Staff home">{store.name}</a>' in page
    counter = f"/staff/stores/{store.code}/counter/"
    assert f'href="{counter}" aria-current="page"' in page  # exit staff land on the counter
    assert f'href="/staff/register/?store={store.code}"' in page
    assert f"/staff/stores/{store.code}/pack/" not in page  # no tab they may not open
    # what the screen's script needs: its elements, the API helper, the QR reader
    for element_id in ("exit-screen", "exit-result", "exit-video", "exit-form", "exit-code"):
        assert f'id="{element_id}"' in page, element_id
    assert "js/cart.js" in page and "js/qr_camera.js" in page and "js/exit.js" in page


def test_a_manager_sees_every_tab_on_the_exit_screen(store):
    manager = logged_in(factories.make_staff(store=store, role=StaffRole.Role.MANAGER))

    page = manager.get(f"/staff/exit/?store={store.code}").content.decode()

    assert_staff_chrome(page)
    for tab in ("", "pack/", "counter/", "dispatch/"):
        assert f'href="/staff/stores/{store.code}/{tab}"' in page, tab


def test_exit_staff_of_several_stores_choose_one_in_the_staff_header(store):
    other = factories.make_store(name="Second Street")
    staff = factories.make_staff(store=store, role=StaffRole.Role.EXIT)
    factories.grant_store_role(user=staff, store=other, role=StaffRole.Role.EXIT)

    response = logged_in(staff).get("/staff/exit/")

    assert response.status_code == 200
    page = response.content.decode()
    assert_staff_chrome(page)
    assert 'id="exit-stores"' in page
    for each in (store, other):
        assert f'href="/staff/exit/?store={each.code}"' in page
    # no store chosen yet: the header names the staff side and offers no store's tabs
    assert '<a class="tbar-store" href="/staff/" title="Staff home">OMO Staff</a>' in page
    assert 'class="tbar-tabs"' not in page and "/staff/stores/" not in page


def test_exit_staff_of_another_store_are_refused(store):
    elsewhere = factories.make_staff(store=factories.make_store(), role=StaffRole.Role.EXIT)

    response = logged_in(elsewhere).get(f"/staff/exit/?store={store.code}")

    assert response.status_code == 403


def test_a_picker_cannot_open_the_exit_screen(store):
    picker = logged_in(factories.make_staff(store=store, role=StaffRole.Role.PICKER))

    assert picker.get("/staff/exit/").status_code == 403
    assert picker.get(f"/staff/exit/?store={store.code}").status_code == 403


def test_a_shopper_cannot_open_the_exit_screen(store):
    shopper = logged_in(factories.make_member().user)

    assert shopper.get("/staff/exit/").status_code == 403
    assert shopper.get(f"/staff/exit/?store={store.code}").status_code == 403


def test_the_exit_screen_needs_a_login(client, store):
    assert_login_redirect(client.get("/staff/exit/"), "/staff/exit/")
