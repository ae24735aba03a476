"""The register screen wears the staff tablet's chrome, never the shopper's menu, and the staff
tablet's tabs offer the register to the people who may work it."""

import pytest
from django.test import Client

from fulfillment.api import COUNTER_ROLES, PACK_ROLES, PICK_ROLES
from orders.services.register import REGISTER_ROLES
from stores.models import StaffRole
from stores.roles import STAFF_TABS, Role
from stores.selectors import staff_tabs
from tests import factories

pytestmark = pytest.mark.django_db


def staff_client(store, role):
    client = Client()
    user = factories.make_staff(store=store, role=role)
    client.force_login(user)
    return client, user


def test_the_tabs_roles_are_the_screens_own_roles():
    assert dict(STAFF_TABS) == {
        "pick": frozenset(PICK_ROLES),
        "pack": frozenset(PACK_ROLES),
        "counter": frozenset(COUNTER_ROLES),
        "register": frozenset(REGISTER_ROLES),
        "dispatch": frozenset({Role.MANAGER}),
    }


@pytest.mark.parametrize("role", [StaffRole.Role.EXIT, StaffRole.Role.MANAGER])
def test_the_register_has_the_staff_header_not_the_shopper_menu(store, role):
    client, _user = staff_client(store, role)
    page = client.get("/staff/register/").content.decode()
    assert 'class="tbar"' in page
    assert 'class="topbar"' not in page and 'id="cart-link"' not in page
    assert 'href="/scan/"' not in page and 'href="/search/"' not in page
    assert 'class="tbar-store" href="/staff/"' in page  # back to the staff home
    assert f'href="/staff/register/?store={store.code}" aria-current="page"' in page
    assert "js/register.js" in page and "js/cart.js" in page  # OmoShop, the API helper


def test_register_staff_of_several_stores_choose_one_in_the_staff_header(store):
    other = factories.make_store(name="Second Street")
    client, user = staff_client(store, StaffRole.Role.EXIT)
    factories.grant_store_role(user=user, store=other, role=StaffRole.Role.MANAGER)
    response = client.get("/staff/register/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="register-stores"' in page
    for each in (store, other):
        assert f'href="/staff/register/?store={each.code}"' in page
    assert 'class="tbar"' in page and "css/tablet.css" in page
    assert 'class="topbar"' not in page and 'id="cart-link"' not in page
    assert 'href="/scan/"' not in page and 'href="/search/"' not in page
    assert "css/site.css" not in page
    # no store chosen yet: the header names the staff side and offers no store's tabs
    assert '<a class="tbar-store" href="/staff/" title="Staff home">OMO Staff</a>' in page
    assert 'class="tbar-tabs"' not in page and "/staff/stores/" not in page
    assert 'action="/logout/"' in page


def test_the_register_tab_is_for_exit_staff_and_managers_of_that_store(store):
    other = factories.make_store()
    picker_client, picker = staff_client(store, StaffRole.Role.PICKER)
    queue = picker_client.get(f"/staff/stores/{store.code}/").content.decode()
    assert queue.count("/staff/register/") == 0
    exit_client, exit_user = staff_client(store, StaffRole.Role.EXIT)
    counter = exit_client.get(f"/staff/stores/{store.code}/counter/").content.decode()
    assert f'href="/staff/register/?store={store.code}"' in counter
    assert staff_tabs(user=exit_user, store_id=other.pk) == []
    assert staff_tabs(user=picker, store_id=store.pk) == ["pick"]
    assert staff_tabs(user=exit_user, store_id=store.pk) == ["counter", "register"]


def cash_sale(client, store) -> dict:
    """A paid cash sale of one item through the register's API: its JSON (numbers and URLs)."""
    offer = factories.make_offer(store=store, price=120, stock_on_hand=10)
    response = client.post(
        "/api/v1/staff/register/sales/",
        {
            "store": store.code,
            "items": [{"code": offer.product.barcode, "quantity": 1}],
            "payment_method": "cash",
            "cash_tendered": 500,
        },
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=f"receipt-{store.code}",
    )
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.parametrize("role", [StaffRole.Role.EXIT, StaffRole.Role.MANAGER])
def test_the_sales_receipt_has_the_staff_header_and_leads_back_to_the_register(store, role):
    client, _user = staff_client(store, role)
    sale = cash_sale(client, store)
    response = client.get(sale["receipt_url"])
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="tbar"' in page and "css/tablet.css" in page
    assert 'class="topbar"' not in page and 'id="cart-link"' not in page
    assert 'href="/scan/"' not in page and 'href="/search/"' not in page
    assert "css/site.css" not in page
    assert f'<a class="tbar-store" href="/staff/" title="Staff home">{store.name}</a>' in page
    register = f"/staff/register/?store={store.code}"
    assert f'href="{register}" aria-current="page"' in page  # the Register tab, current
    assert f'id="register-next-customer" href="{register}"' in page
    assert f'<strong id="receipt-number">{sale["number"]}</strong>' in page
    # the refund form still works here: its script and the API helper it calls are loaded
    assert "js/register_sale.js" in page and "js/cart.js" in page
    # only the receipt prints: what is for the cashier is marked so
    assert 'class="register-sale-side no-print"' in page


def test_the_customers_e_receipt_keeps_the_shop_layout(store):
    client, _user = staff_client(store, StaffRole.Role.EXIT)
    sale = cash_sale(client, store)
    page = Client().get(sale["e_receipt_url"]).content.decode()
    assert sale["number"] in page
    assert 'class="topbar"' in page and "css/site.css" in page
    assert 'class="tbar"' not in page and "register-next-customer" not in page
    assert "register-refund" not in page  # refunds are the staff's, not the customer's


def test_staff_screens_name_the_store_in_the_pages_language():
    store = factories.make_store(name="OMO Nihonbashi", name_ja="OMO日本橋")
    client, _user = staff_client(store, StaffRole.Role.EXIT)
    for path in ("/staff/register/", "/staff/exit/"):
        japanese = client.get(path, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
        english = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "OMO日本橋" in japanese and "OMO Nihonbashi" not in japanese, path
        assert "OMO Nihonbashi" in english, path
