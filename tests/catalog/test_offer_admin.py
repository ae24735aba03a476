"""The manager's offer screens: stock is read-only and changes only through "Receive
delivery", "Stock count" and "Record waste" (each with a reason, each in the ledger); prices go
through the price service with their history; refusals are clear form errors with nothing
changed. Run as a store manager, never a superuser."""

import datetime
import zoneinfo

import pytest
from django.db import transaction

from catalog import services
from catalog.models import PriceChange, StockMovement, StoreOffer
from tests import factories

pytestmark = pytest.mark.django_db

OFFERS = "/admin/catalog/storeoffer/"
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


@pytest.fixture
def manager(store):
    return factories.make_staff(store=store, role="manager")


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


def stock(offer) -> tuple[int, int]:
    offer = StoreOffer.objects.get(pk=offer.pk)
    return offer.stock_on_hand, offer.stock_reserved


def change_form_data(offer, **changes) -> dict:
    """What the offer's change form posts back, as loaded, with `changes`."""
    data = {
        "price": offer.price,
        "aisle": offer.aisle,
        "bay": offer.bay or "",
        "is_active": "on" if offer.is_active else "",
        "markdown_price": offer.markdown_price or "",
        "markdown_starts_at_0": "",
        "markdown_starts_at_1": "",
        "markdown_ends_at_0": "",
        "markdown_ends_at_1": "",
        "_save": "Save",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != "" or key.startswith("mark")}


def test_saving_a_price_keeps_the_reservations_made_while_the_form_was_open(as_manager, store):
    # given an offer with 2 units reserved, whose page the manager opens
    offer = factories.make_offer(store=store, price=300, stock_on_hand=10)
    with transaction.atomic():
        services.reserve_stock(quantities={offer.pk: 2})
    page = as_manager.get(f"{OFFERS}{offer.pk}/change/")
    assert page.status_code == 200
    loaded = StoreOffer.objects.get(pk=offer.pk)

    # when checkouts reserve 3 more while the form is open, and the manager then saves a new
    # price (with the stock numbers of an old form in the post, which are ignored)
    with transaction.atomic():
        services.reserve_stock(quantities={offer.pk: 3})
    response = as_manager.post(
        f"{OFFERS}{offer.pk}/change/",
        change_form_data(loaded, price=280, stock_on_hand=99, stock_reserved=2),
    )

    # then the price changed, with its history, and every reservation is still there
    assert response.status_code == 302, response.content.decode()[:2000]
    assert StoreOffer.objects.get(pk=offer.pk).price == 280
    assert stock(offer) == (10, 5)
    change = PriceChange.objects.get(offer=offer)
    assert (change.old_price, change.new_price, change.actor.email) == (
        300,
        280,
        response.wsgi_request.user.email,
    )


def test_the_change_form_shows_stock_read_only_with_its_actions(as_manager, store):
    offer = factories.make_offer(store=store, stock_on_hand=10)

    html = as_manager.get(f"{OFFERS}{offer.pk}/change/").content.decode()

    assert 'name="stock_on_hand"' not in html and 'name="stock_reserved"' not in html
    for kind in ("receive", "count", "waste"):
        assert f"{OFFERS}{offer.pk}/stock/{kind}/" in html


def test_receive_a_delivery_from_the_offer_page(as_manager, store, manager):
    offer = factories.make_offer(store=store, stock_on_hand=4)
    url = f"{OFFERS}{offer.pk}/stock/receive/"
    assert as_manager.get(url).status_code == 200

    response = as_manager.post(url, {f"units_{offer.pk}": 12, "reason": "DN-1042", "apply": "1"})

    assert response.status_code == 302
    assert stock(offer) == (16, 0)
    movement = StockMovement.objects.get(offer=offer)
    assert (movement.kind, movement.on_hand_change, movement.reason, movement.actor) == (
        "receive",
        12,
        "DN-1042",
        manager,
    )


def test_a_count_below_what_orders_hold_is_a_form_error_and_changes_nothing(as_manager, store):
    # given two offers, the second with 4 of its 5 units held by orders
    fine = factories.make_offer(store=store, stock_on_hand=10)
    held = factories.make_offer(store=store, stock_on_hand=5)
    with transaction.atomic():
        services.reserve_stock(quantities={held.pk: 4})

    # when a count of both says 8 and 3
    response = as_manager.post(
        OFFERS,
        {
            "action": "stock_count",
            "_selected_action": [fine.pk, held.pk],
            f"units_{fine.pk}": 8,
            f"units_{held.pk}": 3,
            "reason": "evening count",
            "apply": "1",
        },
    )

    # then the form says why, at the offer's row, and neither offer changed
    assert response.status_code == 400
    html = response.content.decode()
    assert "On hand cannot go below the 4 units that orders hold" in html
    assert stock(fine) == (10, 0) and stock(held) == (5, 4)
    assert not StockMovement.objects.filter(kind="count").exists()


def test_record_waste_for_several_offers_at_once(as_manager, store):
    offers = [factories.make_offer(store=store, stock_on_hand=10) for _ in range(2)]

    response = as_manager.post(
        OFFERS,
        {
            "action": "record_waste",
            "_selected_action": [o.pk for o in offers],
            **{f"units_{o.pk}": 2 for o in offers},
            "reason": "past sell-by date",
            "apply": "1",
        },
    )

    assert response.status_code == 302
    assert [stock(o) for o in offers] == [(8, 0), (8, 0)]
    assert StockMovement.objects.filter(kind="waste", reason="past sell-by date").count() == 2


def test_a_stock_move_without_a_reason_is_refused(as_manager, store):
    offer = factories.make_offer(store=store, stock_on_hand=10)

    response = as_manager.post(
        f"{OFFERS}{offer.pk}/stock/receive/", {f"units_{offer.pk}": 3, "apply": "1"}
    )

    assert response.status_code == 400
    assert stock(offer) == (10, 0)


def test_another_stores_offer_has_no_stock_page(as_manager):
    elsewhere = factories.make_offer(store=factories.make_store(), stock_on_hand=10)

    response = as_manager.post(
        f"{OFFERS}{elsewhere.pk}/stock/receive/",
        {f"units_{elsewhere.pk}": 3, "reason": "x", "apply": "1"},
    )

    assert response.status_code in (302, 404)
    assert stock(elsewhere) == (10, 0)


def test_a_markdown_ending_in_the_past_is_refused_with_nothing_changed(as_manager, store):
    offer = factories.make_offer(store=store, price=400)

    response = as_manager.post(
        OFFERS,
        {
            "action": "mark_down",
            "_selected_action": [offer.pk],
            "percent_off": 20,
            "ends_at": "2020-01-01 21:00",
            "apply": "1",
        },
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "already passed" in html
    assert "Marked down" not in html
    assert StoreOffer.objects.get(pk=offer.pk).markdown_price is None
    assert not PriceChange.objects.exists()


def test_the_markdown_form_lists_its_offers_and_takes_the_stores_local_time(as_manager, store):
    # given two offers of a Tokyo store
    offers = [
        factories.make_offer(store=store, price=400),
        factories.make_offer(store=store, price=1000),
    ]
    selected = [o.pk for o in offers]

    # when the manager opens the form, then marks them down 25% until 21:00 Tokyo time
    form = as_manager.post(OFFERS, {"action": "mark_down", "_selected_action": selected})
    ends = (datetime.datetime.now(TOKYO) + datetime.timedelta(days=1)).replace(
        hour=21, minute=0, second=0, microsecond=0
    )
    response = as_manager.post(
        OFFERS,
        {
            "action": "mark_down",
            "_selected_action": selected,
            "percent_off": 25,
            "ends_at": ends.strftime("%Y-%m-%d %H:%M"),
            "apply": "1",
        },
    )

    # then the form named both offers and the store's zone, and both are marked down until
    # 21:00 in Tokyo (12:00 UTC), each with its history
    html = form.content.decode()
    assert all(str(o.product) in html for o in offers) and "Asia/Tokyo" in html
    assert response.status_code == 302
    for offer, markdown in zip(offers, [300, 750], strict=True):
        offer = StoreOffer.objects.get(pk=offer.pk)
        assert offer.markdown_price == markdown
        assert offer.markdown_ends_at == ends
        assert offer.markdown_ends_at.astimezone(datetime.UTC).hour == 12
    assert PriceChange.objects.filter(new_markdown_price__isnull=False).count() == 2


def test_a_markdown_not_below_the_price_is_a_form_error(as_manager, store):
    offer = factories.make_offer(store=store, price=300)

    response = as_manager.post(
        f"{OFFERS}{offer.pk}/change/", change_form_data(offer, markdown_price=300)
    )

    assert response.status_code == 200  # the admin's own form page, with the error
    assert "A markdown must be below the price" in response.content.decode()
    assert StoreOffer.objects.get(pk=offer.pk).markdown_price is None
    assert not PriceChange.objects.exists()


def test_the_offer_list_shows_stock_without_inputs_for_it(as_manager, store):
    factories.make_offer(store=store, stock_on_hand=7, price=500, markdown_price=400)

    html = as_manager.get(OFFERS).content.decode()

    assert "form-0-price" in html
    assert "form-0-stock_on_hand" not in html and "form-0-markdown_ends_at" not in html
