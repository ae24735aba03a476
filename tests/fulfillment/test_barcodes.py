"""A product may have several barcodes: its own JAN, a multipack's (counting its pack size), and
the prefix of the store's variable-weight labels (the grams printed in the label)."""

import pytest

from catalog.barcodes import ean13_check_digit
from catalog.models import ProductBarcode
from fulfillment.picking import errors, services
from orders.models import OrderRefund
from tests.fulfillment.picking_helpers import paid_order, picker_of, tasks_of, zoned_offer

pytestmark = pytest.mark.django_db


def with_check(body: str) -> str:
    return body + str(ean13_check_digit(body))


@pytest.fixture
def claimed(store):
    yoghurt = zoned_offer(store, zone="chilled", price=120)
    salmon = zoned_offer(store, zone="seafood", price=600, stock=5000, sold_by="weight")
    order = paid_order(store, [(yoghurt, 5), (salmon, 250)])
    tasks = tasks_of(order)
    picker = picker_of(store)
    for task in tasks.values():
        services.claim_task(task_id=task.pk, picker=picker, store_ids=[store.pk])
    return {
        "store": store,
        "picker": picker,
        "order": order,
        "yoghurt": yoghurt,
        "salmon": salmon,
        "piece": tasks["chilled"].lines.get(),
        "weighed": tasks["seafood"].lines.get(),
    }


def confirm(c, line, barcode, client_id):
    return services.confirm_item(
        task_id=line.task_id,
        line_id=line.pk,
        picker=c["picker"],
        store_ids=[c["store"].pk],
        barcode=barcode,
        source="camera",
        client_id=client_id,
    )


def test_a_multipack_counts_its_pack_size_and_never_more_than_ordered(claimed):
    c = claimed
    four_pack = with_check("490000000444")
    ProductBarcode.objects.create(product=c["yoghurt"].product, code=four_pack, pack_size=4)
    assert confirm(c, c["piece"], four_pack, "a").quantity_picked == 4
    with pytest.raises(errors.TooMany):
        confirm(c, c["piece"], four_pack, "b")  # 8 of 5
    line = confirm(c, c["piece"], c["yoghurt"].product.barcode, "c")
    assert (line.quantity_picked, line.status) == (5, "picked")


def test_a_weight_label_confirms_a_weighed_line_with_its_grams(claimed):
    c = claimed
    ProductBarcode.objects.create(
        product=c["salmon"].product, kind=ProductBarcode.Kind.WEIGHT_LABEL, code="2912345"
    )
    # 300 g is 20 % over the 250 g ordered: the picker must confirm first
    with pytest.raises(errors.WeightNeedsConfirmation):
        confirm(c, c["weighed"], with_check("291234500300"), "w1")
    line = confirm(c, c["weighed"], with_check("291234500240"), "w2")
    assert (line.quantity_picked, line.status) == (240, "picked")
    (refund,) = OrderRefund.objects.filter(order=c["order"])
    assert refund.amount == line.order_line.line_total * 10 // 250
    # the salmon's own JAN is no weight: refused on a weighed line
    with pytest.raises(errors.LineDone):
        confirm(c, c["weighed"], c["salmon"].product.barcode, "w3")


def test_a_weight_label_on_a_piece_line_or_of_another_product_is_refused(claimed):
    c = claimed
    ProductBarcode.objects.create(
        product=c["salmon"].product, kind=ProductBarcode.Kind.WEIGHT_LABEL, code="2912345"
    )
    with pytest.raises(errors.WrongBarcode, match="this is"):
        confirm(c, c["piece"], with_check("291234500300"), "x")
    assert c["piece"].scans.count() == 0
