"""The zone group (`store.<id>.zone.<zone>`) over a real websocket through the ASGI stack and
the Redis channel layer: a paid order's task reaches its zone's tablets, and the numbered
events folded into an earlier snapshot equal a fresh snapshot, by the Python fold and by the
tablet's own JavaScript (static/js/live_folds.js)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from fulfillment.picking import services
from omostore import realtime
from omostore.asgi import application
from stores.models import StaffRole
from tests import factories
from tests.fulfillment.picking_helpers import paid_order, picker_of, tasks_of, zoned_offer
from tests.omostore.realtime_folds import fold, fold_zone
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


@database_sync_to_async
def _store_with_a_waiting_task():
    store = factories.make_store()
    offer = zoned_offer(store, zone="chilled", stock=50)
    first = tasks_of(paid_order(store, [(offer, 2)]))["chilled"]
    return store, offer, picker_of(store), first


@database_sync_to_async
def _a_busy_few_minutes(store, offer, picker, first):
    second_order = paid_order(store, [(offer, 1)], channel="pickup")
    second = services.create_pick_tasks(order_id=second_order.pk)[0]
    paid_order(store, [(zoned_offer(store, zone="frozen"), 1)])  # another zone: not ours
    services.claim_task(task_id=first.pk, picker=picker, store_ids=[store.pk])
    line = first.lines.get()
    for n in range(2):
        services.confirm_item(
            task_id=first.pk,
            line_id=line.pk,
            picker=picker,
            store_ids=[store.pk],
            barcode=offer.product.barcode,
            source="camera",
            client_id=f"c{n}",
        )
    services.finish_task(task_id=first.pk, picker=picker, store_ids=[store.pk], bags=1)
    services.claim_task(task_id=second.pk, picker=picker, store_ids=[store.pk])
    return second


async def test_the_zone_groups_events_fold_into_its_snapshot():
    # given a picker's tablet on the chilled queue, one task waiting
    store, offer, picker, first = await _store_with_a_waiting_task()
    group = realtime.groups.store_zone(store.pk, "chilled")
    tablet = WebsocketCommunicator(
        application,
        f"/ws/staff/stores/{store.code}/zones/chilled/",
        headers=[ORIGIN, await _cookie(picker)],
    )
    assert (await tablet.connect())[0]
    start = await tablet.receive_json_from(timeout=5)
    assert [t["id"] for t in start["data"]["tasks"]] == [first.pk]

    # when a new order is paid, the first task claimed, picked and finished, the second claimed
    second = await _a_busy_few_minutes(store, offer, picker, first)
    frames = await _events_until(tablet, group=group, after=start["seq"])

    # then the new task reached the tablet live, and the events fold into the snapshot of now
    _assert_consecutive(start["seq"], frames)
    assert any(f["payload"]["task"]["id"] == second.pk for f in frames)
    fresh = await _fresh_snapshot(tablet)
    assert fresh["seq"] == frames[-1]["seq"]
    assert fold(fold_zone, start["data"], frames) == fresh["data"]
    (only,) = fresh["data"]["tasks"]
    assert (only["id"], only["status"], only["picker"]["id"]) == (second.pk, "claimed", picker.pk)
    assert await _js_fold("zone", start["data"], frames) == fresh["data"]
    await tablet.disconnect()


@database_sync_to_async
def _other_staff(store):
    elsewhere = factories.make_store()
    return (
        picker_of(elsewhere),
        factories.make_staff(store=store, role=StaffRole.Role.EXIT),
    )


async def test_only_pickers_of_the_store_follow_its_zones():
    store, _offer, picker, _first = await _store_with_a_waiting_task()
    stranger, exit_staff = await _other_staff(store)
    for user, path, allowed in [
        (picker, f"/ws/staff/stores/{store.code}/zones/chilled/", True),
        (picker, f"/ws/staff/stores/{store.code}/zones/lava/", False),
        (stranger, f"/ws/staff/stores/{store.code}/zones/chilled/", False),
        (exit_staff, f"/ws/staff/stores/{store.code}/zones/chilled/", False),
    ]:
        socket = WebsocketCommunicator(application, path, headers=[ORIGIN, await _cookie(user)])
        assert (await socket.connect())[0]
        if allowed:
            assert (await socket.receive_json_from(timeout=5))["type"] == "snapshot"
        else:
            assert (await socket.receive_output(timeout=5))["code"] == 4403
        await socket.disconnect()


@database_sync_to_async
def _forget_sequence(group: str) -> None:
    """What a Redis restart without persistence does to a group's numbering: it starts again."""
    from omostore.redis_client import redis_client

    redis_client().delete(realtime._SEQUENCE_KEY.format(group=group))


@database_sync_to_async
def _another_order(store, offer):
    return services.create_pick_tasks(order_id=paid_order(store, [(offer, 1)]).pk)[0]


async def test_after_the_numbering_restarts_the_tablet_resyncs_to_the_truth():
    # given a tablet that has seen events up to some number
    store, offer, picker, _first = await _store_with_a_waiting_task()
    group = realtime.groups.store_zone(store.pk, "chilled")
    tablet = WebsocketCommunicator(
        application,
        f"/ws/staff/stores/{store.code}/zones/chilled/",
        headers=[ORIGIN, await _cookie(picker)],
    )
    assert (await tablet.connect())[0]
    start = await tablet.receive_json_from(timeout=5)
    await _another_order(store, offer)
    seen = await _events_until(tablet, group=group, after=start["seq"])
    last = seen[-1]["seq"]
    assert last >= 1

    # when Redis loses the numbering and a new task comes
    await _forget_sequence(group)
    third = await _another_order(store, offer)
    frame = await tablet.receive_json_from(timeout=5)

    # then the tablet sees a number that does not follow its last one (a gap, as realtime.js
    # checks), asks for a snapshot, and gets the database's truth with all three tasks
    assert frame["type"] == "event" and frame["seq"] != last + 1
    fresh = await _fresh_snapshot(tablet)
    assert third.pk in [t["id"] for t in fresh["data"]["tasks"]]
    assert len(fresh["data"]["tasks"]) == 3
    assert fresh["seq"] == frame["seq"]
    await tablet.disconnect()
