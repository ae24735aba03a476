"""Each order line holds its own units of stock (`quantity_allocated`, grams for weighed
lines): checkout reserves them, and a cancellation, an expiry, a refund, a shortage or a
substitution releases exactly the right units of the right lines; goods leaving the store are
sold. The offer's reserved stock is always the sum of what open orders' lines hold, and the
ledger has a movement for every change."""

import datetime

import pytest
from django.db.models import Sum
from django.utils import timezone

from catalog.models import StockMovement, StoreOffer
from orders import errors, services
from orders.models import Order, OrderLine, OrderStatus
from orders.statuses import OPEN_STATUSES
from tests import factories
from tests.orders.helpers import add, checkout, confirm, member_client

pytestmark = pytest.mark.django_db

K = StockMovement.Kind


def holds_add_up(*offers) -> None:
    """reserved == the sum of the open orders' allocations, and the ledger explains it."""
    for offer in offers:
        offer = StoreOffer.objects.get(pk=offer.pk)
        held = OrderLine.objects.filter(offer=offer, order__status__in=OPEN_STATUSES).aggregate(
            n=Sum("quantity_allocated")
        )["n"]
        assert offer.stock_reserved == (held or 0)
        moved = StockMovement.objects.filter(offer=offer).aggregate(n=Sum("reserved_change"))["n"]
        assert offer.stock_reserved == (moved or 0)
        assert (
            not OrderLine.objects.filter(offer=offer, quantity_allocated__gt=0)
            .exclude(order__status__in=OPEN_STATUSES)
            .exists()
        )


def placed(store, lines, *, channel="pickup"):
    """lines: (offer, quantity); returns (order, api)."""
    api = member_client(factories.make_member())
    for offer, quantity in lines:
        assert add(api, offer, quantity).status_code == 201
    response = checkout(api, store, channel=channel)
    assert response.status_code == 201, response.json()
    return Order.objects.get(number=response.json()["number"]), api, response


@pytest.fixture
def tofu(store):
    return factories.make_offer(store=store, price=120, stock_on_hand=10)


@pytest.fixture
def salmon(store):
    return factories.make_offer(
        store=store,
        product=factories.make_product(sold_by="weight"),
        price=450,
        stock_on_hand=2000,
    )


def test_checkout_reserves_each_line_and_names_it_in_the_ledger(store, tofu, salmon):
    # when a member checks out 3 tofu and 250 g of salmon
    order, _api, _ = placed(store, [(tofu, 3), (salmon, 250)])

    # then each line holds its units, and each reservation names its line and order
    lines = {line.offer_id: line for line in order.lines.all()}
    assert lines[tofu.pk].quantity_allocated == 3
    assert lines[salmon.pk].quantity_allocated == 250
    movements = StockMovement.objects.filter(kind=K.RESERVE).order_by("offer_id")
    assert [
        (m.offer_id, m.reserved_change, m.order_line_id, m.order_number) for m in movements
    ] == [
        (tofu.pk, 3, lines[tofu.pk].pk, order.number),
        (salmon.pk, 250, lines[salmon.pk].pk, order.number),
    ]
    holds_add_up(tofu, salmon)


def test_a_cancellation_releases_exactly_what_each_line_holds(store, tofu, salmon):
    # given two orders of the same products, the first paid
    first, api, response = placed(store, [(tofu, 3), (salmon, 250)])
    confirm(api, response)
    _second, _api, _ = placed(store, [(tofu, 2), (salmon, 100)])

    # when the first is cancelled
    services.cancel_order(order=first, member=first.member)

    # then only its units come back, line by line, and the second still holds its own
    assert StoreOffer.objects.get(pk=tofu.pk).stock_reserved == 2
    assert StoreOffer.objects.get(pk=salmon.pk).stock_reserved == 100
    released = StockMovement.objects.filter(kind=K.RELEASE, order_number=first.number)
    assert sorted(released.values_list("reserved_change", flat=True)) == [-250, -3]
    assert set(first.lines.values_list("quantity_allocated", flat=True)) == {0}
    holds_add_up(tofu, salmon)


def test_an_expired_order_gives_its_units_back(store, tofu):
    order, _api, _ = placed(store, [(tofu, 4)])

    services.expire_unpaid_orders(now=timezone.now() + datetime.timedelta(hours=2))

    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert StoreOffer.objects.get(pk=tofu.pk).stock_reserved == 0
    holds_add_up(tofu)


def test_a_shortage_releases_units_of_one_line_and_refuses_more_than_it_holds(store, tofu, salmon):
    # given a paid order holding 3 tofu and 250 g of salmon
    order, api, response = placed(store, [(tofu, 3), (salmon, 250)])
    confirm(api, response)
    line = order.lines.get(offer=salmon)

    # when picking finds only 200 g: 50 g are released
    assert services.release_line_units(line=line, units=50, reason="short while picking") == 50

    # then the line holds 200 g, the offer 200 g reserved, and a movement names the line
    assert OrderLine.objects.get(pk=line.pk).quantity_allocated == 200
    movement = StockMovement.objects.filter(kind=K.RELEASE).get()
    assert (movement.order_line_id, movement.reserved_change, movement.reason) == (
        line.pk,
        -50,
        "short while picking",
    )
    holds_add_up(tofu, salmon)

    # and releasing more than the line holds is refused with nothing changed
    with pytest.raises(errors.InvalidQuantity):
        services.release_line_units(line=line, units=201)
    with pytest.raises(errors.InvalidQuantity):
        services.release_line_units(line=line, units=0)
    assert OrderLine.objects.get(pk=line.pk).quantity_allocated == 200
    holds_add_up(tofu, salmon)


def test_a_substitution_moves_the_hold_from_one_line_to_another(store, tofu):
    # given a paid order of 3 tofu, and a substitute product on the shelf
    order, api, response = placed(store, [(tofu, 3)])
    confirm(api, response)
    substitute = factories.make_offer(store=store, price=130, stock_on_hand=5)
    line = order.lines.get()

    # when pick-and-pack substitutes 1 unit: the original line lets go of it and a new line
    # holds the substitute
    services.release_line_units(line=line, units=1, reason="substituted")
    new_line = OrderLine.objects.create(
        order=order,
        offer=substitute,
        sku=substitute.product.sku,
        name_en="sub",
        name_ja="sub",
        sold_by="piece",
        quantity=1,
        unit_price=130,
        line_total=130,
    )
    services.allocate_line_units(line=new_line, units=1)

    # then each line holds its own units
    assert OrderLine.objects.get(pk=line.pk).quantity_allocated == 2
    assert OrderLine.objects.get(pk=new_line.pk).quantity_allocated == 1
    holds_add_up(tofu, substitute)


def test_a_line_refund_before_picking_releases_those_units(store, tofu, salmon):
    order, api, response = placed(store, [(tofu, 3), (salmon, 250)])
    confirm(api, response)
    line = order.lines.get(offer=tofu)
    manager = factories.make_staff(store=store, role="manager")

    services.refund_order_lines(
        order=order, lines={line.pk: 2}, actor=manager, reason="shortage", idempotency_key="r-1"
    )

    assert OrderLine.objects.get(pk=line.pk).quantity_allocated == 1
    assert StoreOffer.objects.get(pk=tofu.pk).stock_reserved == 1
    holds_add_up(tofu, salmon)


def test_a_pickup_order_is_sold_when_collected(store, tofu):
    # given a paid pickup order of 3 units, picked and ready
    order, api, response = placed(store, [(tofu, 3)])
    confirm(api, response)
    order.refresh_from_db()
    for status in (OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.READY_FOR_PICKUP):
        services.set_status(order=order, to_status=status)

    # when the shopper collects it
    services.set_status(order=order, to_status=OrderStatus.COLLECTED)

    # then the units left the shelf: off on hand and off reserved, as a sale of the line
    offer = StoreOffer.objects.get(pk=tofu.pk)
    assert (offer.stock_on_hand, offer.stock_reserved) == (7, 0)
    sale = StockMovement.objects.get(kind=K.SELL)
    assert (sale.on_hand_change, sale.reserved_change, sale.order_line_id) == (
        -3,
        -3,
        order.lines.get().pk,
    )
    holds_add_up(tofu)

    # and a refund afterwards gives money back, not stock that has left
    manager = factories.make_staff(store=store, role="manager")
    services.refund_order_lines(
        order=order,
        lines={order.lines.get().pk: 1},
        actor=manager,
        reason="damaged",
        idempotency_key="r-2",
    )
    assert StoreOffer.objects.get(pk=tofu.pk).stock_on_hand == 7
    holds_add_up(tofu)


def test_a_scan_and_go_order_is_sold_when_paid(store, tofu):
    order, api, response = placed(store, [(tofu, 2)], channel="in_store")

    confirm(api, response)

    offer = StoreOffer.objects.get(pk=tofu.pk)
    assert (offer.stock_on_hand, offer.stock_reserved) == (8, 0)
    assert StockMovement.objects.filter(kind=K.SELL, order_number=order.number).count() == 1
    holds_add_up(tofu)
