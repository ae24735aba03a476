"""A pickup order from packed to collected: the shopper's code (QR and 6 digits), the counter's
hand-over, and the refusals."""

import pytest
from rest_framework.test import APIClient

from fulfillment.picking import pickup, services
from orders.models import Order
from stores.models import StaffRole
from tests import factories
from tests.fulfillment.picking_helpers import paid_order, picker_of, tasks_of, zoned_offer

pytestmark = pytest.mark.django_db


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def ready(store):
    offer = zoned_offer(store)
    member = factories.make_member(display_name="Hanako")
    order = paid_order(store, [(offer, 1)], channel="pickup", member=member)
    task = tasks_of(order)["ambient"]
    picker = picker_of(store)
    ids = [store.pk]
    services.claim_task(task_id=task.pk, picker=picker, store_ids=ids)
    services.confirm_item(
        task_id=task.pk,
        line_id=task.lines.get().pk,
        picker=picker,
        store_ids=ids,
        barcode=offer.product.barcode,
        source="typed",
        client_id="1",
    )
    services.finish_task(task_id=task.pk, picker=picker, store_ids=ids, bags=1)
    for bag in services.selectors.bags_of_order(order_id=order.pk):
        services.scan_bag_at_packing(
            signed=services.bag_qr_payload(bag=bag), order_id=order.pk, store_id=store.pk
        )
    services.pack_order(order_id=order.pk, store_id=store.pk, packer=picker)
    order.refresh_from_db()
    assert order.status == "ready_for_pickup"
    counter = client_of(factories.make_staff(store=store, role=StaffRole.Role.EXIT))
    return {"order": order, "member": member, "counter": counter}


def test_the_shopper_sees_the_code_and_the_counter_hands_over(ready, store):
    order, counter = ready["order"], ready["counter"]
    shopper = client_of(ready["member"].user)
    code = shopper.get(f"/api/v1/orders/{order.number}/picking/").json()["pickup_code"]
    assert code == pickup.short_code(number=order.number) and len(code) == 6
    svg = shopper.get(f"/orders/{order.number}/pickup-code.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert (
        client_of(factories.make_member().user)
        .get(f"/orders/{order.number}/pickup-code.svg")
        .status_code
        == 404
    )

    base = f"/api/v1/staff/stores/{store.code}/pickups/"
    for typed in (code, pickup.pickup_code(order=order)["qr"]):
        found = counter.post(f"{base}verify/", {"code": typed}, format="json")
        assert found.status_code == 200, found.json()
        assert found.json()["number"] == order.number and found.json()["member"] == "Hanako"
    assert counter.post(f"{base}{order.number}/hand-over/").status_code == 200
    assert Order.objects.get(pk=order.pk).status == "collected"
    again = counter.post(f"{base}verify/", {"code": code}, format="json")
    assert again.status_code in (404, 409)
    assert counter.post(f"{base}{order.number}/hand-over/").status_code == 409


def test_forged_codes_and_other_stores_are_refused(ready, store):
    order, counter = ready["order"], ready["counter"]
    base = f"/api/v1/staff/stores/{store.code}/pickups/"
    forged = f"{order.number}:forged"
    assert counter.post(f"{base}verify/", {"code": forged}, format="json").status_code == 404
    elsewhere = factories.make_store()
    stranger = client_of(factories.make_staff(store=elsewhere, role=StaffRole.Role.EXIT))
    code = pickup.short_code(number=order.number)
    assert (
        stranger.post(
            f"/api/v1/staff/stores/{store.code}/pickups/verify/", {"code": code}, format="json"
        ).status_code
        == 404
    )
    assert (
        stranger.post(
            f"/api/v1/staff/stores/{elsewhere.code}/pickups/{order.number}/hand-over/"
        ).status_code
        == 404
    )
    picker = client_of(picker_of(store))
    assert picker.post(f"{base}verify/", {"code": code}, format="json").status_code == 404
    assert Order.objects.get(pk=order.pk).status == "ready_for_pickup"
