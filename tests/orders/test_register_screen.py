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
