"""Every stock change goes through catalog's stock services: one conditional UPDATE and one
movement in the ledger, on hand >= reserved >= 0 always, a clear refusal with nothing changed
otherwise."""

import datetime

import pytest
import time_machine
from django.db import transaction

from catalog import services, signals
from catalog.models import StockMovement, StoreOffer
from catalog.selectors import SoldOutPeriod, sold_out_periods
from catalog.services import StockUnits
from tests import factories

pytestmark = pytest.mark.django_db

K = StockMovement.Kind


def stock(offer) -> tuple[int, int]:
    offer = StoreOffer.objects.get(pk=offer.pk)
    return offer.stock_on_hand, offer.stock_reserved


def ledger(offer) -> list[tuple]:
    return list(
        StockMovement.objects.filter(offer=offer)
        .order_by("pk")
        .values_list("kind", "on_hand_change", "reserved_change", "on_hand_after", "reserved_after")
    )


def test_a_day_of_stock_is_written_down_move_by_move(store):
    # given an offer with nothing on hand
    offer = factories.make_offer(store=store, stock_on_hand=0)
    manager = factories.make_staff(store=store, role="manager")

    # when a delivery comes in, an order reserves, is sold, another releases, some spoil and
    # a count corrects the rest
    services.receive_stock(offer=offer, units=10, actor=manager, reason="delivery DN-1")
    with transaction.atomic():
        services.reserve_stock(
            lines=[StockUnits(offer_id=offer.pk, units=3, order_line_id=41)], order_number="AB-1"
        )
        services.reserve_stock(
            lines=[StockUnits(offer_id=offer.pk, units=2, order_line_id=42)], order_number="AB-2"
        )
        services.sell_reserved_stock(
            lines=[StockUnits(offer_id=offer.pk, units=3, order_line_id=41)], order_number="AB-1"
        )
        services.release_stock(
            lines=[StockUnits(offer_id=offer.pk, units=2, order_line_id=42)], order_number="AB-2"
        )
    services.record_waste(offer=offer, units=1, actor=manager, reason="bruised")
    services.count_stock(offer=offer, on_hand=5, actor=manager, reason="evening count")

    # then the offer holds what the ledger says, step by step
    assert stock(offer) == (5, 0)
    assert ledger(offer) == [
        (K.RECEIVE, 10, 0, 10, 0),
        (K.RESERVE, 0, 3, 10, 3),
        (K.RESERVE, 0, 2, 10, 5),
        (K.SELL, -3, -3, 7, 2),
        (K.RELEASE, 0, -2, 7, 0),
        (K.WASTE, -1, 0, 6, 0),
        (K.COUNT, -1, 0, 5, 0),
    ]
    sold = StockMovement.objects.get(kind=K.SELL)
    assert (sold.order_number, sold.order_line_id, sold.actor) == ("AB-1", 41, None)
    waste = StockMovement.objects.get(kind=K.WASTE)
    assert (waste.reason, waste.actor) == ("bruised", manager)


def test_a_count_below_what_orders_hold_is_refused_and_changes_nothing(store):
    # given 5 on hand of which orders hold 4
    offer = factories.make_offer(store=store, stock_on_hand=5)
    with transaction.atomic():
        services.reserve_stock(quantities={offer.pk: 4})
    before = ledger(offer)

    # when a count says 3, or 4 units spoil
    with pytest.raises(services.InvalidStockChange) as count:
        services.count_stock(offer=offer, on_hand=3, actor=None, reason="count")
    with pytest.raises(services.InvalidStockChange):
        services.record_waste(offer=offer, units=2, actor=None, reason="spoilt")

    # then both are refused with what orders hold, and nothing changed
    assert count.value.details == {"on_hand": 5, "reserved": 4, "requested_on_hand": 3}
    assert "4" in count.value.message
    assert stock(offer) == (5, 4)
    assert ledger(offer) == before


@pytest.mark.parametrize("units", [0, -1, 2.5, True, "3"])
def test_a_quantity_that_is_no_quantity_is_refused(store, units):
    offer = factories.make_offer(store=store, stock_on_hand=5)

    with pytest.raises(services.InvalidStockChange):
        services.receive_stock(offer=offer, units=units, actor=None, reason="delivery")

    assert stock(offer) == (5, 0)
    assert not StockMovement.objects.exists()


def test_a_manager_move_needs_a_reason(store):
    offer = factories.make_offer(store=store, stock_on_hand=5)

    with pytest.raises(services.InvalidStockChange):
        services.receive_stock(offer=offer, units=3, actor=None, reason="  ")

    assert stock(offer) == (5, 0)


def test_a_short_reservation_lists_every_short_offer(store):
    plenty = factories.make_offer(store=store, stock_on_hand=50)
    short = factories.make_offer(store=store, stock_on_hand=1)
    inactive = factories.make_offer(store=store, stock_on_hand=9, is_active=False)

    with pytest.raises(services.InsufficientStock) as error, transaction.atomic():
        services.reserve_stock(quantities={plenty.pk: 2, short.pk: 2, inactive.pk: 1})

    assert sorted((line["requested"], line["available"]) for line in error.value.details["lines"])
    assert {line["sku"] for line in error.value.details["lines"]} == {
        short.product.sku,
        inactive.product.sku,
    }
    assert stock(plenty) == (50, 0)  # the transaction was undone
    assert not StockMovement.objects.exists()


def test_releasing_more_than_is_reserved_is_refused(store):
    offer = factories.make_offer(store=store, stock_on_hand=5)

    with pytest.raises(services.InvalidStockChange), transaction.atomic():
        services.release_stock(quantities={offer.pk: 1})

    assert stock(offer) == (5, 0)


@pytest.mark.django_db(transaction=True)
def test_stock_services_need_a_transaction(store):
    offer = factories.make_offer(store=store, stock_on_hand=5)

    with pytest.raises(RuntimeError):
        services.reserve_stock(quantities={offer.pk: 1})


def test_an_offer_back_in_stock_is_announced_after_commit(
    store, django_capture_on_commit_callbacks
):
    # given an offer that sold out
    offer = factories.make_offer(store=store, stock_on_hand=0)
    heard = []

    def receiver(**kwargs):
        heard.append(kwargs)

    signals.offer_back_in_stock.connect(receiver)
    try:
        # when a delivery comes in, then another
        with django_capture_on_commit_callbacks(execute=True):
            services.receive_stock(offer=offer, units=4, actor=None, reason="delivery")
        with django_capture_on_commit_callbacks(execute=True):
            services.receive_stock(offer=offer, units=4, actor=None, reason="delivery")
    finally:
        signals.offer_back_in_stock.disconnect(receiver)

    # then only the first one announced it
    assert [(h["offer_id"], h["store_id"], h["product_id"]) for h in heard] == [
        (offer.pk, store.pk, offer.product_id)
    ]


def test_sold_out_periods_come_from_the_ledger(store):
    # given an offer that sells out twice in a day, and comes back once
    day = datetime.datetime(2026, 11, 30, 0, 0, tzinfo=datetime.UTC)

    def at(hour):
        return day + datetime.timedelta(hours=hour)

    offer = factories.make_offer(store=store, stock_on_hand=0)
    with time_machine.travel(at(1), tick=False):
        services.receive_stock(offer=offer, units=2, actor=None, reason="delivery")
    with time_machine.travel(at(9), tick=False), transaction.atomic():
        services.reserve_stock(quantities={offer.pk: 2})  # nothing left: sold out
    with time_machine.travel(at(10), tick=False), transaction.atomic():
        services.sell_reserved_stock(quantities={offer.pk: 2})  # still nothing
    with time_machine.travel(at(12), tick=False):
        services.receive_stock(offer=offer, units=5, actor=None, reason="delivery")  # back
    with time_machine.travel(at(18), tick=False):
        services.record_waste(offer=offer, units=5, actor=None, reason="expired")  # out again

    # when the periods of the day, and of the afternoon only, are asked for
    whole_day = sold_out_periods(offer=offer, since=day, until=at(24))
    afternoon = sold_out_periods(offer=offer, since=at(11), until=at(24))

    # then the day starts sold out (until the first delivery), and the periods follow the ledger
    assert whole_day == [
        SoldOutPeriod(started_at=day, ended_at=at(1)),
        SoldOutPeriod(started_at=at(9), ended_at=at(12)),
        SoldOutPeriod(started_at=at(18), ended_at=None),
    ]
    assert afternoon == [
        SoldOutPeriod(started_at=at(11), ended_at=at(12)),
        SoldOutPeriod(started_at=at(18), ended_at=None),
    ]
