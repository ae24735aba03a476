"""Picking through the staff API: claim, scan, weigh, shortage, finish, pack; and every refusal
a clear 4xx that changes nothing."""

import pytest
from rest_framework.test import APIClient

from catalog.models import StoreOffer
from fulfillment.models import Bag, PickLine, PickScan, PickTask
from fulfillment.picking import services
from orders.models import OrderEvent, OrderRefund
from stores.models import StaffRole
from tests import factories
from tests.fulfillment.picking_helpers import paid_order, picker_of, tasks_of, zoned_offer

pytestmark = pytest.mark.django_db


def staff_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def url(task, suffix=""):
    return f"/api/v1/staff/pick-tasks/{task.pk}/{suffix}"


def scan(client, task, line, barcode, client_id):
    return client.post(
        url(task, f"lines/{line.pk}/scan/"),
        {"barcode": barcode, "source": "wedge", "client_id": client_id},
        format="json",
    )


@pytest.fixture
def picking(store):
    """A claimed delivery task: 2 of a piece product, and 400 g of a weighed one."""
    apples = zoned_offer(store, zone="produce", aisle="P1", price=150)
    beef = zoned_offer(store, zone="produce", aisle="P2", price=400, stock=5000, sold_by="weight")
    order = paid_order(store, [(apples, 2), (beef, 400)])
    task = tasks_of(order)["produce"]
    picker = picker_of(store)
    client = staff_client(picker)
    assert client.post(url(task, "claim/")).status_code == 200
    lines = {line.offer_id: line for line in task.lines.all()}
    return {
        "store": store,
        "order": order,
        "task": task,
        "picker": picker,
        "client": client,
        "apples": apples,
        "beef": beef,
        "piece": lines[apples.pk],
        "weighed": lines[beef.pk],
    }


def test_claim_moves_the_order_to_picking_and_another_picker_is_refused(picking):
    task, order = picking["task"], picking["order"]
    order.refresh_from_db()
    assert order.status == "picking"
    other = staff_client(picker_of(picking["store"]))
    response = other.post(url(task, "claim/"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "pick_task_taken"
    task.refresh_from_db()
    assert task.picker == picking["picker"]


def test_a_barcode_confirms_one_item_and_a_retry_counts_once(picking):
    client, task, line = picking["client"], picking["task"], picking["piece"]
    barcode = picking["apples"].product.barcode
    assert scan(client, task, line, barcode, "a").status_code == 200
    assert scan(client, task, line, barcode, "a").status_code == 200  # the same scan, retried
    line.refresh_from_db()
    assert line.quantity_picked == 1 and line.status == "pending"
    response = scan(client, task, line, barcode, "b")
    assert response.json()["lines"][0]["status"] == "picked"
    # a third is more than ordered
    response = scan(client, task, line, barcode, "c")
    assert response.status_code == 409
    assert response.json()["error"]["code"] in {"more_than_ordered", "pick_line_done"}
    assert PickScan.objects.filter(line=line).count() == 2


def test_a_wrong_barcode_is_refused_with_the_name_of_what_was_scanned(picking):
    client, task, line = picking["client"], picking["task"], picking["piece"]
    other = zoned_offer(picking["store"], name_en="Bananas")
    response = scan(client, task, line, other.product.barcode, "x")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "wrong_barcode" and "Bananas" in body["message"]
    assert scan(client, task, line, "4900000000000", "y").json()["error"]["code"] == (
        "wrong_barcode"
    )
    assert scan(client, task, line, "12345", "z").status_code == 400
    line.refresh_from_db()
    assert line.quantity_picked == 0 and not PickScan.objects.filter(line=line).exists()


def test_a_weighed_item_is_priced_on_its_actual_weight_and_the_difference_refunded(picking):
    client, task, line = picking["client"], picking["task"], picking["weighed"]
    weigh = url(task, f"lines/{line.pk}/weigh/")
    # 0 g and 100 kg are refused; 300 g (25 % light) asks for confirmation
    for grams in (0, 100_000):
        response = client.post(weigh, {"grams": grams, "client_id": "w0"}, format="json")
        assert response.status_code == 400, response.json()
    response = client.post(weigh, {"grams": 300, "client_id": "w1"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "weight_needs_confirmation"
    assert not OrderRefund.objects.exists()
    # 380 g is within 10 %: the shopper pays for 380 g of the 400 g authorised
    response = client.post(weigh, {"grams": 380, "client_id": "w2"}, format="json")
    assert response.status_code == 200, response.json()
    line.refresh_from_db()
    assert (line.quantity_picked, line.status) == (380, "picked")
    order_line = line.order_line
    (refund,) = OrderRefund.objects.filter(order=picking["order"])
    assert refund.amount == order_line.line_total * 20 // 400
    assert refund.reason == "shortage" and refund.status == "succeeded"
    # the same weighing again changes nothing
    client.post(weigh, {"grams": 380, "client_id": "w2"}, format="json")
    assert OrderRefund.objects.count() == 1


def test_a_heavier_item_never_costs_more_than_authorised(picking):
    client, task, line = picking["client"], picking["task"], picking["weighed"]
    response = client.post(
        url(task, f"lines/{line.pk}/weigh/"),
        {"grams": 480, "client_id": "w", "confirmed": True},
        format="json",
    )
    assert response.status_code == 200
    assert not OrderRefund.objects.exists()


def test_a_shortage_refunds_and_releases_the_units_not_found(picking):
    client, task, line, apples = (
        picking["client"],
        picking["task"],
        picking["piece"],
        picking["apples"],
    )
    reserved_before = StoreOffer.objects.get(pk=apples.pk).stock_reserved
    scan(client, task, line, apples.product.barcode, "one")
    response = client.post(url(task, f"lines/{line.pk}/short/"))
    assert response.status_code == 200, response.json()
    line.refresh_from_db()
    assert line.status == "short"
    assert StoreOffer.objects.get(pk=apples.pk).stock_reserved == reserved_before - 1
    (refund,) = OrderRefund.objects.filter(order=picking["order"])
    assert refund.amount == 150
    event = OrderEvent.objects.get(order=picking["order"], kind="line_short")
    assert event.payload["quantity_short"] == 1
    assert client.post(url(task, f"lines/{line.pk}/short/")).status_code == 409


def test_finish_needs_every_line_then_packing_needs_every_bag(picking, store):
    client, task = picking["client"], picking["task"]
    assert client.post(url(task, "finish/"), {"bags": 1}, format="json").status_code == 409
    scan(client, task, picking["piece"], picking["apples"].product.barcode, "1")
    scan(client, task, picking["piece"], picking["apples"].product.barcode, "2")
    client.post(
        url(task, f"lines/{picking['weighed'].pk}/weigh/"),
        {"grams": 400, "client_id": "w"},
        format="json",
    )
    response = client.post(url(task, "finish/"), {"bags": 2}, format="json")
    assert response.status_code == 200, response.json()
    # a closed task takes no more scans, claims or bags
    closed = scan(client, task, picking["piece"], picking["apples"].product.barcode, "3")
    assert closed.json()["error"]["code"] == "pick_task_closed"
    assert client.post(url(task, "claim/")).json()["error"]["code"] == "pick_task_closed"
    assert [b["number"] for b in response.json()["bags"]] == [1, 2]

    packer = staff_client(factories.make_staff(store=store, role=StaffRole.Role.PACKER))
    number = picking["order"].number
    base = f"/api/v1/staff/stores/{store.code}/packing/"
    assert [o["number"] for o in packer.get(base).json()] == [number]
    assert packer.post(f"{base}{number}/pack/").json()["error"]["code"] == "bags_missing"
    bags = list(Bag.objects.filter(order=picking["order"]))
    assert (
        packer.post(f"{base}{number}/bags/", {"code": bags[0].code}, format="json").status_code
        == 404
    )
    for bag in bags:
        signed = services.bag_qr_payload(bag=bag)
        assert (
            packer.post(f"{base}{number}/bags/", {"code": signed}, format="json").status_code == 200
        )
    assert packer.post(f"{base}{number}/pack/").status_code == 200
    order = picking["order"]
    order.refresh_from_db()
    assert order.status == "packed"  # a delivery waits for the dispatcher
    assert set(PickTask.objects.filter(order=order).values_list("status", flat=True)) == {"packed"}


def test_another_stores_staff_and_wrong_roles_are_refused(picking):
    task, line = picking["task"], picking["piece"]
    elsewhere = factories.make_store()
    stranger = staff_client(picker_of(elsewhere))
    assert stranger.get(url(task)).status_code == 404
    assert stranger.post(url(task, "unclaim/")).status_code == 404
    packer = staff_client(factories.make_staff(store=picking["store"], role=StaffRole.Role.PACKER))
    assert packer.post(url(task, "unclaim/")).status_code == 404
    colleague = staff_client(picker_of(picking["store"]))
    response = scan(colleague, task, line, picking["apples"].product.barcode, "c")
    assert response.status_code == 403
    assert PickLine.objects.get(pk=line.pk).quantity_picked == 0
    member = staff_client(factories.make_member().user)
    assert member.get(url(task)).status_code == 404


def test_unclaim_and_manager_reassign(picking, store):
    task, client = picking["task"], picking["client"]
    assert client.post(url(task, "unclaim/")).json()["status"] == "open"
    manager = staff_client(factories.make_staff(store=store, role=StaffRole.Role.MANAGER))
    other = picker_of(store)
    response = manager.post(url(task, "reassign/"), {"picker": other.pk}, format="json")
    assert response.status_code == 200 and response.json()["picker"] == other.pk
    not_picker = factories.make_staff(store=store, role=StaffRole.Role.PACKER)
    response = manager.post(url(task, "reassign/"), {"picker": not_picker.pk}, format="json")
    assert response.status_code == 403
    assert (
        client.post(url(task, "reassign/"), {"picker": other.pk}, format="json").status_code == 404
    )


def test_a_confirm_and_the_queue_take_a_bounded_number_of_queries(
    picking, store, django_assert_max_num_queries
):
    client, task, line = picking["client"], picking["task"], picking["piece"]
    with django_assert_max_num_queries(20):
        assert scan(client, task, line, picking["apples"].product.barcode, "q").status_code == 200
    # the queue of every zone costs the same however many tasks wait
    for _ in range(3):
        tasks_of(paid_order(store, [(picking["apples"], 1)]))
    with django_assert_max_num_queries(20):
        response = client.get(f"/api/v1/staff/stores/{store.code}/pick-queue/")
    assert response.status_code == 200
    assert sum(len(zone["tasks"]) for zone in response.json()) == 4
