"""The packing group (`store.<id>.packing`) over a real websocket through the ASGI stack and the
Redis channel layer: an order whose zones are all picked reaches the packing station live, its
bags turn scanned, it leaves once packed; the numbered events folded into the earlier snapshot
equal a fresh snapshot, by the Python fold and by the station's own JavaScript."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from fulfillment.models import Bag
from fulfillment.picking import services
from omostore import realtime
from omostore.asgi import application
from stores.models import StaffRole
from tests import factories
from tests.fulfillment.picking_helpers import paid_order, picker_of, tasks_of, zoned_offer
from tests.omostore.realtime_folds import fold, fold_packing
from tests.omostore.test_realtime_folds import (
    ORIGIN,
    _assert_consecutive,
    _cookie,
    _events_until,
    _fresh_snapshot,
    _js_fold,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("close_db_after_async_test"),
]


def _pick(store, picker, task, offer, *, bags):
    services.claim_task(task_id=task.pk, picker=picker, store_ids=[store.pk])
    line = task.lines.get()
    for n in range(line.quantity_ordered):
        services.confirm_item(
            task_id=task.pk,
            line_id=line.pk,
            picker=picker,
            store_ids=[store.pk],
            barcode=offer.product.barcode,
            source="camera",
            client_id=f"{task.pk}-{n}",
        )
    if bags is None:  # per-item bagging: one bag opened before the items
        return services.finish_task(task_id=task.pk, picker=picker, store_ids=[store.pk])
    return services.finish_task(task_id=task.pk, picker=picker, store_ids=[store.pk], bags=bags)


@database_sync_to_async
def _store_with_an_order_to_pack():
    store = factories.make_store()
    offer = zoned_offer(store, zone="chilled", stock=50)
    picker = picker_of(store)
    first = paid_order(store, [(offer, 1)])
    _pick(store, picker, tasks_of(first)["chilled"], offer, bags=1)
    packer = factories.make_staff(store=store, role=StaffRole.Role.PACKER)
    return store, offer, picker, packer, first


@database_sync_to_async
def _a_busy_few_minutes(store, offer, picker, packer, first):
    second = paid_order(store, [(offer, 2)], channel="pickup")
    task = tasks_of(second)["chilled"]
    services.claim_task(task_id=task.pk, picker=picker, store_ids=[store.pk])
    services.open_new_bag(task_id=task.pk, picker=picker, store_ids=[store.pk])
    _pick(store, picker, task, offer, bags=None)
    for bag in Bag.objects.filter(order=first):
        services.scan_bag_at_packing(
            signed=services.bag_qr_payload(bag=bag), order_id=first.pk, store_id=store.pk
        )
    services.pack_order(order_id=first.pk, store_id=store.pk, packer=packer)
    (bag,) = Bag.objects.filter(order=second)
    services.scan_bag_at_packing(
        signed=services.bag_qr_payload(bag=bag), order_id=second.pk, store_id=store.pk
    )
    return second


async def test_the_packing_groups_events_fold_into_its_snapshot():
    # given the packing station with one order to pack
    store, offer, picker, packer, first = await _store_with_an_order_to_pack()
    group = realtime.groups.store_packing(store.pk)
    station = WebsocketCommunicator(
        application,
        f"/ws/staff/stores/{store.code}/packing/",
        headers=[ORIGIN, await _cookie(packer)],
    )
    assert (await station.connect())[0]
    start = await station.receive_json_from(timeout=5)
    assert [o["number"] for o in start["data"]["orders"]] == [first.number]

    # when a second order is picked (bagged per item), the first packed, the second's bag scanned
    second = await _a_busy_few_minutes(store, offer, picker, packer, first)
    frames = await _events_until(station, group=group, after=start["seq"])

    # then the station saw it live, and the events fold into the snapshot of now
    _assert_consecutive(start["seq"], frames)
    assert {f["payload"]["number"] for f in frames} == {first.number, second.number}
    fresh = await _fresh_snapshot(station)
    assert fresh["seq"] == frames[-1]["seq"]
    assert fold(fold_packing, start["data"], frames) == fresh["data"]
    (only,) = fresh["data"]["orders"]
    assert only["number"] == second.number
    assert [(b["number"], b["scanned"]) for b in only["bags"]] == [(1, True)]
    assert await _js_fold("packing", start["data"], frames) == fresh["data"]
    await station.disconnect()


@database_sync_to_async
def _staff(store):
    return (
        factories.make_staff(store=store, role=StaffRole.Role.PACKER),
        picker_of(factories.make_store()),
        factories.make_staff(store=store, role=StaffRole.Role.EXIT),
    )


async def test_only_packers_and_managers_of_the_store_follow_its_packing_station():
    store = await database_sync_to_async(factories.make_store)()
    packer, stranger, exit_staff = await _staff(store)
    for user, allowed in [(packer, True), (stranger, False), (exit_staff, False)]:
        socket = WebsocketCommunicator(
            application,
            f"/ws/staff/stores/{store.code}/packing/",
            headers=[ORIGIN, await _cookie(user)],
        )
        assert (await socket.connect())[0]
        if allowed:
            assert (await socket.receive_json_from(timeout=5))["type"] == "snapshot"
        else:
            assert (await socket.receive_output(timeout=5))["code"] == 4403
        await socket.disconnect()
