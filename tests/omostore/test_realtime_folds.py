"""For every realtime group: the snapshot after a series of changes equals an earlier snapshot
with the numbered events received since folded in, over a real websocket (the real ASGI stack
and the real Redis channel layer), both by the Python fold and by the JavaScript fold the live
screens run (static/js/live_folds.js, in Chromium). Zulip checks its events this way."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from playwright.async_api import async_playwright

from omostore import realtime
from omostore.asgi import application
from orders import services
from orders.models import Order, OrderEventKind, OrderStatus
from stores.models import StaffRole
from tests import factories
from tests.omostore.realtime_folds import fold, fold_order, fold_store
from tests.orders.helpers import TOKYO_NEAR, add, checkout, confirm, member_client

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("close_db_after_async_test"),
]

ORIGIN = (b"origin", b"http://localhost")
FOLDS_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "live_folds.js"


@database_sync_to_async
def _cookie(user):
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


@database_sync_to_async
def _current_sequence(group: str) -> int:
    return realtime.current_sequence(group)


async def _events_until(communicator, *, group: str, after: int) -> list[dict]:
    """Every event the socket receives, until it has the group's latest number (polled with a
    deadline: the events of a commit arrive shortly after it)."""
    frames: list[dict] = []
    deadline = time.monotonic() + 15
    while True:
        last = await _current_sequence(group)
        if (frames[-1]["seq"] if frames else after) >= last:
            return frames
        if time.monotonic() > deadline:
            raise TimeoutError(f"events up to {last} did not arrive; got {len(frames)}")
        frame = await communicator.receive_json_from(timeout=5)
        assert frame["type"] == "event", frame
        frames.append(frame)


async def _fresh_snapshot(communicator) -> dict:
    await communicator.send_json_to({"type": "resync"})
    frame = await communicator.receive_json_from(timeout=5)
    assert frame["type"] == "snapshot"
    return frame


async def _js_fold(group: str, snapshot: dict, frames: list[dict]) -> dict:
    """The live screens' own fold (live_folds.js), run in Chromium."""
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            page = await browser.new_page()
            await page.set_content("<!doctype html><title>folds</title>")
            await page.add_script_tag(path=str(FOLDS_JS))
            return await page.evaluate(
                "([group, state, frames]) => frames.reduce("
                "(s, f) => window.OmoFolds[group].apply(s, f), state)",
                [group, snapshot, frames],
            )
        finally:
            await browser.close()


def _assert_consecutive(snapshot_seq: int, frames: list[dict]) -> None:
    assert [f["seq"] for f in frames] == list(
        range(snapshot_seq + 1, snapshot_seq + 1 + len(frames))
    )


# --- The order group ------------------------------------------------------------------------------


@database_sync_to_async
def _paid_pickup_order():
    store = factories.make_store()
    offers = [factories.make_offer(store=store, price=p, stock_on_hand=10) for p in (300, 120)]
    member = factories.make_member()
    api = member_client(member)
    for offer in offers:
        assert add(api, offer, 2).status_code == 201
    response = checkout(api, store, channel="pickup")
    assert confirm(api, response).status_code == 200
    order = Order.objects.get(number=response.json()["number"])
    manager = factories.make_staff(store=store, role=StaffRole.Role.MANAGER)
    return member, manager, order


def _move(order, status, actor):
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        services.set_status(order=locked, to_status=status, actor=actor)


@database_sync_to_async
def _first_half(order, manager):
    _move(order, OrderStatus.PICKING, manager)
    _first, second = order.lines.order_by("pk")
    with transaction.atomic():
        services.record_event(
            order=order,
            kind=OrderEventKind.LINE_SHORT,
            payload={"line_id": second.pk, "sku": second.sku, "quantity_short": 1},
            actor=manager,
            note="one missing",
        )
    services.refund_order_lines(
        order=order, lines={second.pk: 1}, actor=manager, reason="shortage", idempotency_key="s1"
    )


@database_sync_to_async
def _second_half(order, manager):
    _move(order, OrderStatus.PACKED, manager)
    _move(order, OrderStatus.READY_FOR_PICKUP, manager)
    services.cancel_order_by_staff(
        order=order, actor=manager, reason="not_collected", idempotency_key="never-came"
    )


async def test_the_order_groups_events_fold_into_its_snapshot():
    # given the member following a paid pickup order, and a picker following it too
    member, manager, order = await _paid_pickup_order()
    group = realtime.groups.order(order.pk)
    path = f"/ws/orders/{order.number}/"
    shopper = WebsocketCommunicator(application, path, headers=[ORIGIN, await _cookie(member.user)])
    assert (await shopper.connect())[0]
    start = await shopper.receive_json_from(timeout=5)
    assert start["type"] == "snapshot"

    # when it is picked, a line is short and refunded, ...
    await _first_half(order, manager)
    first_frames = await _events_until(shopper, group=group, after=start["seq"])
    # ... a second screen connects midway, then the order is packed, never collected, cancelled
    staff = WebsocketCommunicator(application, path, headers=[ORIGIN, await _cookie(manager)])
    assert (await staff.connect())[0]
    midway = await staff.receive_json_from(timeout=5)
    await _second_half(order, manager)
    later_frames = await _events_until(shopper, group=group, after=first_frames[-1]["seq"])
    staff_frames = await _events_until(staff, group=group, after=midway["seq"])

    # then the numbered events follow each snapshot without a gap, of every kind
    frames = first_frames + later_frames
    _assert_consecutive(start["seq"], frames)
    _assert_consecutive(midway["seq"], staff_frames)
    assert {f["event"] for f in frames} == {"order.status", "order.timeline", "order.refund"}
    # and folding them into either earlier snapshot gives the snapshot of now
    fresh = await _fresh_snapshot(shopper)
    assert fresh["seq"] == frames[-1]["seq"]
    assert fold(fold_order, start["data"], frames) == fresh["data"]
    assert fold(fold_order, midway["data"], staff_frames) == fresh["data"]
    assert fresh["data"]["status"] == "cancelled"
    assert fresh["data"]["promised_by"] is None
    assert [r["status"] for r in fresh["data"]["refunds"]] == ["succeeded", "succeeded"]
    assert fresh["data"]["refunded"]["amount"] == 840
    kinds = [entry["kind"] for entry in fresh["data"]["timeline"]]
    assert kinds.count("refund") == 2 and "line_short" in kinds
    # and the live page's JavaScript folds them to the same state
    assert await _js_fold("order", start["data"], frames) == fresh["data"]
    await shopper.disconnect()
    await staff.disconnect()


# --- The store group ------------------------------------------------------------------------------


@database_sync_to_async
def _store_with_picker():
    store = factories.make_store()
    picker = factories.make_staff(store=store, role=StaffRole.Role.PICKER)
    manager = factories.make_staff(store=store, role=StaffRole.Role.MANAGER)
    offer = factories.make_offer(store=store, price=200, stock_on_hand=50)
    already = _order(offer, channel="pickup", pay=True)  # in the feed before the screen opens
    return store, picker, manager, offer, already


def _order(offer, *, channel, pay):
    api = member_client(factories.make_member())
    assert add(api, offer, 1).status_code == 201
    extra = {"delivery": TOKYO_NEAR} if channel == "delivery" else {}
    response = checkout(api, offer.store, channel=channel, **extra)
    assert response.status_code == 201, response.json()
    if pay:
        assert confirm(api, response).status_code == 200
    return Order.objects.get(number=response.json()["number"])


@database_sync_to_async
def _a_busy_quarter_hour(offer, manager, already):
    a = _order(offer, channel="pickup", pay=True)
    b = _order(offer, channel="delivery", pay=True)
    c = _order(offer, channel="pickup", pay=False)
    d = _order(offer, channel="in_store", pay=True)
    for status in (OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.READY_FOR_PICKUP):
        _move(a, status, manager)
    _move(a, OrderStatus.COLLECTED, manager)  # leaves the feed
    _move(b, OrderStatus.PICKING, manager)
    services.cancel_order_by_staff(
        order=already, actor=manager, reason="shortage", idempotency_key="gone"
    )  # leaves the feed
    services.cancel_order(order=c, member=c.member)  # never entered it
    return b, d


async def test_the_store_groups_events_fold_into_its_snapshot():
    # given a picker's tablet on the store feed, one paid order already on it
    store, picker, manager, offer, already = await _store_with_picker()
    group = realtime.groups.store(store.pk)
    feed = WebsocketCommunicator(
        application, f"/ws/staff/stores/{store.code}/feed/", headers=[ORIGIN, await _cookie(picker)]
    )
    assert (await feed.connect())[0]
    start = await feed.receive_json_from(timeout=5)
    assert [o["number"] for o in start["data"]["orders"]] == [already.number]

    # when orders are paid, picked, collected, cancelled
    b, d = await _a_busy_quarter_hour(offer, manager, already)
    frames = await _events_until(feed, group=group, after=start["seq"])

    # then the events fold into the snapshot of now, in Python and in the tablet's JavaScript
    _assert_consecutive(start["seq"], frames)
    fresh = await _fresh_snapshot(feed)
    assert fresh["seq"] == frames[-1]["seq"]
    assert fold(fold_store, start["data"], frames) == fresh["data"]
    assert sorted(o["number"] for o in fresh["data"]["orders"]) == sorted([b.number, d.number])
    assert await _js_fold("store", start["data"], frames) == fresh["data"]
    await feed.disconnect()
