"""Every admin screen, walked as the manager of store B: nothing of store A can be listed,
opened, changed, deleted or chosen.

The world has two stores. Everything that belongs to store A alone carries the marker
`zzalpha` in its text (the store's name, its products, its shoppers, their orders), so a page
that leaks any of it, whether in a row, a filter, a select or an inline, is caught by one string
search. Each registered admin must say in `OWNERSHIP` how its rows belong to stores: a new admin
that is not listed there fails `test_every_admin_says_how_its_rows_belong_to_stores`.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib import admin
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import User
from catalog import services as catalog_services
from catalog.models import Product, ScanEvent
from fulfillment.models import (
    Bag,
    PickLine,
    PickScan,
    PickTask,
    Rider,
    Substitution,
    Trip,
    TripStop,
)
from members.models import StorePointsRule
from orders.models import Cart, CartLine, Order, OrderEvent, OrderLine, OrderRefund
from payments.models import PaymentMethod
from stores.models import StaffRole, Store
from stores.roles import Role
from stores.services import grant_store_role
from tests import factories

pytestmark = pytest.mark.django_db

MARKER = "zzalpha"
GLOBAL = "global"  # shared rows (categories, recipes) every manager may see
SUPERUSER_ONLY = "superuser only"  # screens a manager must not open at all


def _stores_of_product(product: Product):
    stores = set(product.offers.values_list("store_id", flat=True))
    return stores or GLOBAL  # a product no store sells yet is the shared catalogue's


# How each admin's rows belong to stores: GLOBAL, SUPERUSER_ONLY, or a function from a row to
# the set of its stores. A manager may reach a row only when it is GLOBAL or shares a store with
# theirs.
OWNERSHIP = {
    "stores.store": lambda store: {store.pk},
    "stores.staffrole": lambda role: {role.store_id},
    "accounts.user": lambda user: set(user.staff_roles.values_list("store_id", flat=True)),
    "accounts.member": lambda member: set(member.orders.values_list("store_id", flat=True)),
    "catalog.category": GLOBAL,
    "catalog.recipe": GLOBAL,
    "catalog.product": _stores_of_product,
    "catalog.storeoffer": lambda offer: {offer.store_id},
    "catalog.shelflabel": lambda label: {label.offer.store_id},
    "catalog.review": lambda review: set(review.product.offers.values_list("store_id", flat=True)),
    "catalog.scanevent": lambda scan: {scan.store_id},
    "catalog.stockmovement": lambda movement: {movement.offer.store_id},
    "catalog.pricechange": lambda change: {change.offer.store_id},
    "orders.order": lambda order: {order.store_id},
    "orders.cart": lambda cart: {cart.store_id},
    "orders.orderrefund": lambda refund: {refund.order.store_id},
    "fulfillment.rider": lambda rider: {rider.store_id},
    "fulfillment.trip": lambda trip: {trip.store_id},
    "fulfillment.picktask": lambda task: {task.store_id},
    "fulfillment.pickscan": lambda scan: {scan.line.task.store_id},
    "fulfillment.substitution": lambda substitution: {substitution.line.task.store_id},
    "fulfillment.bag": lambda bag: {bag.task.store_id},
    "members.storepointsrule": lambda rule: {rule.store_id},
    "payments.payment": SUPERUSER_ONLY,
    "payments.refund": SUPERUSER_ONLY,
    "payments.walletaccount": SUPERUSER_ONLY,
    "payments.webhookevent": SUPERUSER_ONLY,
    "auth.group": SUPERUSER_ONLY,
    "axes.accessattempt": SUPERUSER_ONLY,
    "axes.accessfailurelog": SUPERUSER_ONLY,
    "axes.accesslog": SUPERUSER_ONLY,
}


def _model_key(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _store_world(store: Store, *, marker: str) -> dict:
    """One store with a row of every kind; its text carries `marker`."""
    product = factories.make_product(name_en=f"{marker} tofu", name_ja=f"{marker} 豆腐")
    offer = factories.make_offer(store=store, product=product, aisle="Z9")
    label = factories.make_label(offer=offer)
    catalog_services.receive_stock(offer=offer, units=5, actor=None, reason=f"{marker} delivery")
    catalog_services.change_price(offer=offer, actor=None, price=318, reason=f"{marker} price")
    picker = factories.make_staff(
        store=store, role=Role.PICKER, email=f"{marker}-picker@example.com"
    )
    shopper = factories.make_member(
        email=f"{marker}-shopper@example.com", display_name=f"{marker} shopper"
    )
    factories.make_review(product=product, member=shopper, title=f"{marker} review")
    ScanEvent.objects.create(
        event_id=f"00000000-0000-0000-0000-{store.pk:012d}",
        store=store,
        product=product,
        label=label,
        member=shopper,
        device_id=f"{marker}-device",
        source=ScanEvent.Source.TYPED,
        scanned_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
    )
    order = Order.objects.create(
        store=store,
        member=shopper,
        channel="delivery",
        currency="JPY",
        total=298,
        payment_method=PaymentMethod.TEST,
        idempotency_key=f"{marker}-key",
        request_fingerprint="x" * 64,
        delivery_address=f"{marker} 1-1 Nihonbashi",
        delivery_latitude=store.latitude,
        delivery_longitude=store.longitude,
    )
    order_line = OrderLine.objects.create(
        order=order,
        offer=offer,
        sku=product.sku,
        name_en=product.name_en,
        name_ja=product.name_ja,
        sold_by="piece",
        quantity=1,
        unit_price=298,
        line_total=298,
    )
    OrderEvent.objects.create(order=order, from_status="", to_status="placed", note=marker)
    task = PickTask.objects.create(
        store=store,
        order=order,
        zone="ambient",
        due_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
    )
    pick_line = PickLine.objects.create(
        task=task,
        order_line=order_line,
        offer=offer,
        position=0,
        sku=product.sku,
        name_en=product.name_en,
        name_ja=product.name_ja,
        sold_by="piece",
        quantity_ordered=1,
    )
    PickScan.objects.create(
        line=pick_line,
        client_id=f"{marker}-scan",
        barcode=product.barcode,
        source="typed",
        quantity=1,
    )
    Bag.objects.create(order=order, task=task, zone="ambient", number=1)
    Substitution.objects.create(
        line=pick_line,
        offer=offer,
        quantity=1,
        price=100,
        expires_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
    )
    OrderRefund.objects.create(
        order=order,
        idempotency_key=f"{marker}-refund",
        amount=100,
        currency="JPY",
        destination="test",
        reason="goodwill",
        note=f"{marker} refund",
    )
    rider_user = factories.make_staff(
        store=store, role=Role.RIDER, email=f"{marker}-rider@example.com"
    )
    rider = Rider.objects.create(user=rider_user, store=store, display_name=f"{marker} rider")
    now = datetime.datetime(2026, 11, 1, 9, tzinfo=datetime.UTC)
    trip = Trip.objects.create(
        store=store, rider=rider, planned_leaves_at=now, planned_returns_at=now
    )
    TripStop.objects.create(trip=trip, order=order, sequence=1, planned_arrival_at=now)
    cart = Cart.objects.create(store=store, member=shopper)
    CartLine.objects.create(cart=cart, offer=offer, quantity=1)
    factories.make_wallet(member=shopper, balance=1000)
    factories.make_payment(member=shopper, reference=order.number)
    StorePointsRule.objects.create(store=store, spend_per_point=100)
    return {"product": product, "offer": offer, "picker": picker, "shopper": shopper}


@pytest.fixture
def world():
    store_a = factories.make_store(name=f"{MARKER} store", code="alpha")
    store_b = factories.make_store(name="Bravo store", code="bravo")
    a = _store_world(store_a, marker=MARKER)
    b = _store_world(store_b, marker="bravo")
    # Shared rows: a category, a recipe, a product no store sells yet, a picker of both stores.
    factories.make_recipe(ingredients=[b["product"], "salt"])
    factories.make_product(name_en="Unlisted yuzu")
    both = factories.make_staff(store=store_b, role=Role.PICKER, email="both@example.com")
    grant_store_role(user=both, store=store_a, role=Role.PACKER)
    manager = factories.make_staff(store=store_b, role=Role.MANAGER, email="boss-b@example.com")
    factories.make_user(is_superuser=True, is_staff=True, email=f"{MARKER}-root@example.com")
    return {"a": store_a, "b": store_b, "manager": manager, "alpha": a, "bravo": b}


def _owner(model, obj):
    rule = OWNERSHIP[_model_key(model)]
    return rule if rule in (GLOBAL, SUPERUSER_ONLY) else rule(obj)


def _allowed(model, obj, store_b) -> bool:
    owner = _owner(model, obj)
    if owner == GLOBAL:
        return True
    if owner == SUPERUSER_ONLY:
        return False
    return store_b.pk in owner


def _admin_url(model_admin, view: str, *args) -> str:
    meta = model_admin.model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def _rows_of(model_admin):
    return list(model_admin.model._default_manager.all())


def test_every_admin_says_how_its_rows_belong_to_stores():
    unknown = sorted(
        _model_key(model) for model in admin.site._registry if _model_key(model) not in OWNERSHIP
    )
    assert unknown == [], f"add these admins to OWNERSHIP in {__file__}: {unknown}"


def _walk_screens(client, world, model_admin, failures: list) -> None:
    """The list, every row's pages and the add form of one admin, as the manager of B."""
    model_key = _model_key(model_admin.model)
    rows = _rows_of(model_admin)
    forbidden = [obj for obj in rows if not _allowed(model_admin.model, obj, world["b"])]

    def check(condition: bool, what: str) -> None:
        if not condition:
            failures.append(f"{model_key}: {what}")

    # The list: no row of store A, nothing of store A in filters or columns.
    listing = client.get(_admin_url(model_admin, "changelist"))
    if OWNERSHIP[model_key] == SUPERUSER_ONLY:
        check(listing.status_code == 403, f"list answered {listing.status_code}, not 403")
    else:
        check(listing.status_code == 200, f"list answered {listing.status_code}")
        html = listing.content.decode().lower()
        check(MARKER not in html, "the list shows something of store A")
        for obj in forbidden:
            check(_admin_url(model_admin, "change", obj.pk) not in html, f"list links {obj!r}")

    # Each forbidden row: not viewable, not changeable, not deletable, no history.
    for obj in forbidden:
        before = model_admin.model._default_manager.filter(pk=obj.pk).values().get()
        for view in ("change", "history", "delete"):
            page = client.get(_admin_url(model_admin, view, obj.pk))
            check(page.status_code in (302, 403, 404), f"{view} of {obj!r}: {page.status_code}")
            check(MARKER not in page.content.decode().lower(), f"{view} of {obj!r} leaks")
        client.post(_admin_url(model_admin, "change", obj.pk), {"name": "taken over"})
        client.post(_admin_url(model_admin, "delete", obj.pk), {"post": "yes"})
        after = model_admin.model._default_manager.filter(pk=obj.pk).values().first()
        check(after == before, f"{obj!r} was changed or deleted")

    # Every page the manager may open (the add form, each allowed row) offers nothing of A.
    pages = [_admin_url(model_admin, "add")] + [
        _admin_url(model_admin, "change", obj.pk) for obj in rows if obj not in forbidden
    ]
    for url in pages:
        page = client.get(url)
        check(page.status_code in (200, 403), f"{url} answered {page.status_code}")
        check(MARKER not in page.content.decode().lower(), f"{url} shows something of store A")


def _walk_forms(world, model_admin, failures: list) -> None:
    """The querysets behind every choice field of the add and change forms and their inlines,
    whether rendered as a select, a raw id or an autocomplete: nothing of store A validates."""
    model_key = _model_key(model_admin.model)
    request = RequestFactory().get("/admin/")
    request.user = world["manager"]
    if not model_admin.has_view_or_change_permission(request):
        return  # the screens answer 403 (checked by the walk)
    objects = [None] + [
        obj for obj in _rows_of(model_admin) if _allowed(model_admin.model, obj, world["b"])
    ]
    for obj in objects:
        forms = []
        if obj is None and model_admin.has_add_permission(request):
            forms.append(model_admin.get_form(request, None, change=False))
        elif obj is not None:
            forms.append(model_admin.get_form(request, obj, change=True))
        forms += [
            formset.form for formset, _ in model_admin.get_formsets_with_inlines(request, obj)
        ]
        for form_class in forms:
            for name, field in form_class.base_fields.items():
                if not isinstance(field, ModelChoiceField | ModelMultipleChoiceField):
                    continue
                if _model_key(field.queryset.model) not in OWNERSHIP:
                    continue
                for choice in field.queryset:
                    if not _allowed(field.queryset.model, choice, world["b"]):
                        failures.append(f"{model_key}: form field {name} offers {choice!r}")


def test_a_manager_of_store_b_reaches_nothing_of_store_a(client, world):
    """One walk over every registered admin (one world: building it is the slow part)."""
    client.force_login(world["manager"])
    failures: list[str] = []
    for model_admin in admin.site._registry.values():
        _walk_screens(client, world, model_admin, failures)
        _walk_forms(world, model_admin, failures)
    assert failures == []


def test_the_autocomplete_of_stores_lists_only_the_managers_stores(client, world):
    client.force_login(world["manager"])
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "stores", "model_name": "staffrole", "field_name": "store", "term": ""},
    )
    assert response.status_code == 200
    assert [int(r["id"]) for r in response.json()["results"]] == [world["b"].pk]


def test_the_label_sheet_prints_nothing_of_another_store(client, world):
    client.force_login(world["manager"])
    sheet = client.get("/admin/catalog/shelflabel/sheet/", {"store": world["a"].code})
    assert sheet.status_code == 200
    assert MARKER not in sheet.content.decode().lower()
    assert 'class="label"' not in sheet.content.decode()


# --- Granting roles -------------------------------------------------------------------------------


def _grant(client, *, email, store, role, password=""):
    return client.post(
        "/admin/stores/staffrole/add/",
        {"email": email, "store": store.pk, "role": role, "password": password},
    )


def test_a_manager_cannot_make_themselves_manager_of_another_store(client, world):
    client.force_login(world["manager"])
    _grant(client, email="boss-b@example.com", store=world["a"], role=Role.MANAGER)
    _grant(client, email="boss-b@example.com", store=world["a"], role=Role.PICKER)
    assert not StaffRole.objects.filter(user=world["manager"], store=world["a"]).exists()


def test_a_manager_cannot_make_a_manager_even_in_their_own_store(client, world):
    client.force_login(world["manager"])
    response = _grant(client, email="both@example.com", store=world["b"], role=Role.MANAGER)
    assert response.status_code == 200  # the form again, with its error
    assert not StaffRole.objects.filter(user__email="both@example.com", role=Role.MANAGER).exists()
    assert not User.objects.get(email="both@example.com").is_staff


def test_a_manager_grants_a_floor_role_in_their_store_by_email(client, world):
    client.force_login(world["manager"])
    # an existing account
    response = _grant(client, email="bravo-shopper@example.com", store=world["b"], role="exit")
    assert response.status_code == 302
    assert StaffRole.objects.filter(
        user__email="bravo-shopper@example.com", store=world["b"], role="exit"
    ).exists()
    # a new hire without an account gets one, with the first password the manager set
    response = _grant(
        client,
        email="new.rider@example.com",
        store=world["b"],
        role="rider",
        password="fresh-rider-Pa55",
    )
    assert response.status_code == 302
    assert User.objects.get(email="new.rider@example.com").check_password("fresh-rider-Pa55")
    assert User.objects.get(email="new.rider@example.com").groups.filter(name="role:rider").exists()


def test_a_manager_revokes_floor_roles_of_their_store_only(client, world):
    client.force_login(world["manager"])
    both = User.objects.get(email="both@example.com")
    role_b = StaffRole.objects.get(user=both, store=world["b"])
    role_a = StaffRole.objects.get(user=both, store=world["a"])
    client.post(f"/admin/stores/staffrole/{role_b.pk}/delete/", {"post": "yes"})
    client.post(f"/admin/stores/staffrole/{role_a.pk}/delete/", {"post": "yes"})
    assert list(StaffRole.objects.filter(user=both).values_list("store_id", flat=True)) == [
        world["a"].pk
    ]
    # the picker group went with the last picker role; the packer group stays
    assert set(both.groups.values_list("name", flat=True)) == {"role:packer"}


def test_members_show_their_code_not_their_email_to_a_manager(client, world):
    client.force_login(world["manager"])
    shopper = world["bravo"]["shopper"]
    page = client.get(f"/admin/accounts/member/{shopper.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert shopper.member_code in html
    assert shopper.user.email not in html


def test_a_superuser_still_sees_both_stores(client, world):
    client.force_login(User.objects.get(email=f"{MARKER}-root@example.com"))
    html = client.get("/admin/catalog/storeoffer/").content.decode()
    assert html.count("/change/") >= 2
    assert re.search(MARKER, html, re.IGNORECASE)
