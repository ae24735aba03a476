"""The rider's phone socket: the trip as a snapshot, locations in, refusals as error frames; the
shopper's order group hears `order.tracking`."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from fulfillment.dispatch_service import bags, trips
from fulfillment.models import Trip
from omostore.asgi import application
from tests import factories
from tests.fulfillment.dispatch_helpers import make_delivery_order, make_rider, make_trip

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("close_db_after_async_test"),
]

ORIGIN = (b"origin", b"http://localhost")


@database_sync_to_async
def _cookie(user):
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


@database_sync_to_async
def _rider_with_trip():
    store = factories.make_store()
    rider = make_rider(store=store)
    order = make_delivery_order(store=store)
    trip = make_trip(rider=rider, orders=[order])
    return rider, order, trip


@database_sync_to_async
def _send_out(rider, order):
    for bag in bags.bags_for_handover(order):
        trips.scan_bag(rider=rider, code=bag.code)


async def test_the_phone_gets_its_trip_and_its_locations_are_kept_only_on_a_trip():
    rider, order, trip = await _rider_with_trip()
    phone = WebsocketCommunicator(
        application, "/ws/rider/", headers=[ORIGIN, await _cookie(rider.user)]
    )
    assert (await phone.connect())[0]
    snapshot = await phone.receive_json_from(timeout=5)
    assert snapshot["data"]["trip"]["id"] == trip.pk
    assert [s["order_number"] for s in snapshot["data"]["trip"]["stops"]] == [order.number]

    # not on a trip yet (assigned only): refused, nothing kept
    await phone.send_json_to({"type": "location", "lat": 35.69, "lon": 139.77})
    assert (await phone.receive_json_from(timeout=5))["code"] == "no_trip"

    # the shopper follows the order; the rider leaves and moves
    shopper = WebsocketCommunicator(
        application,
        f"/ws/orders/{order.number}/",
        headers=[ORIGIN, await _cookie(await database_sync_to_async(lambda: order.member.user)())],
    )
    assert (await shopper.connect())[0]
    await shopper.receive_json_from(timeout=5)
    await _send_out(rider, order)
    event = await phone.receive_json_from(timeout=5)
    assert event["event"] == "rider.trip"

    await phone.send_json_to({"type": "location", "lat": 999, "lon": 999})
    assert (await phone.receive_json_from(timeout=5))["code"] == "invalid_location"
    await phone.send_json_to({"type": "location", "lat": 35.6830, "lon": 139.7735})
    assert (await phone.receive_json_from(timeout=5)) == {"type": "location.ok"}

    seen = []
    for _ in range(6):
        frame = await shopper.receive_json_from(timeout=5)
        seen.append(frame.get("event"))
        if (
            frame.get("event") == "order.tracking"
            and frame["payload"]["tracking"]["rider"]["position"]
        ):
            tracking = frame["payload"]["tracking"]
            break
    else:
        raise AssertionError(seen)
    assert tracking["rider"]["position"]["lat"] == pytest.approx(35.683)
    assert tracking["stops_before"] == 0 and tracking["eta"] and tracking["promised_by"]
    assert (await database_sync_to_async(lambda: Trip.objects.get(pk=trip.pk).state)()) == "out"
    await phone.disconnect()
    await shopper.disconnect()


async def test_a_shopper_cannot_open_the_rider_socket():
    member = await database_sync_to_async(factories.make_member)()
    phone = WebsocketCommunicator(
        application, "/ws/rider/", headers=[ORIGIN, await _cookie(member.user)]
    )
    assert (await phone.connect())[0]
    assert await phone.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
    await phone.disconnect()


@database_sync_to_async
def _steps(rider, order):
    from orders.delivery_code import delivery_code

    for bag in bags.bags_for_handover(order):
        trips.scan_bag(rider=rider, code=bag.code)
    stop = order.trip_stops.get(is_active=True)
    trips.confirm_delivery(rider=rider, stop_id=stop.pk, code=delivery_code(order))
    trips.return_to_store(rider=rider)
    trips.change_duty(rider=rider, duty="break")


@database_sync_to_async
def _sequence(rider):
    from omostore import realtime

    return realtime.current_sequence(realtime.groups.rider(rider.user_id))


async def test_the_rider_snapshot_plus_its_events_is_the_fresh_snapshot():
    rider, order, _trip = await _rider_with_trip()
    cookie = await _cookie(rider.user)
    phone = WebsocketCommunicator(application, "/ws/rider/", headers=[ORIGIN, cookie])
    assert (await phone.connect())[0]
    first = await phone.receive_json_from(timeout=5)
    state, seq = first["data"], first["seq"]

    # when the whole trip happens and the rider takes a break
    await _steps(rider, order)
    last = await _sequence(rider)
    while seq < last:
        frame = await phone.receive_json_from(timeout=5)
        assert frame["type"] == "event" and frame["seq"] == seq + 1, frame
        state, seq = frame["payload"], frame["seq"]  # the fold: replace
    await phone.disconnect()

    # then a fresh snapshot is what the events built
    again = WebsocketCommunicator(application, "/ws/rider/", headers=[ORIGIN, cookie])
    assert (await again.connect())[0]
    fresh = await again.receive_json_from(timeout=5)
    assert fresh["seq"] == seq
    assert fresh["data"] == state
    assert state["trip"] is None and state["rider"]["duty"] == "break"
    await again.disconnect()


async def test_the_board_hears_of_changes_and_only_its_managers_follow_it():
    rider, order, _trip = await _rider_with_trip()
    store = await database_sync_to_async(lambda: rider.store)()
    manager = await database_sync_to_async(factories.make_staff)(store=store, role="manager")
    other = await database_sync_to_async(factories.make_store)()
    outsider = await database_sync_to_async(factories.make_staff)(store=other, role="manager")
    path = f"/ws/staff/stores/{store.code}/dispatch/"

    board = WebsocketCommunicator(application, path, headers=[ORIGIN, await _cookie(manager)])
    assert (await board.connect())[0]
    snapshot = await board.receive_json_from(timeout=5)
    assert snapshot["data"]["trips"] == 1 and snapshot["data"]["riders_on_duty"] == 1

    await _send_out(rider, order)
    event = await board.receive_json_from(timeout=5)
    assert (event["event"], event["seq"]) == ("dispatch.changed", snapshot["seq"] + 1)
    await board.disconnect()

    stranger = WebsocketCommunicator(application, path, headers=[ORIGIN, await _cookie(outsider)])
    assert (await stranger.connect())[0]
    assert await stranger.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
    await stranger.disconnect()
