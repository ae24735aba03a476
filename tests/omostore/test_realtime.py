"""Websocket round trips through the real ASGI stack and the real Redis channel layer."""

import contextlib

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client

from omostore import realtime
from omostore.asgi import application
from stores.models import StaffRole
from tests import factories

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("close_db_after_async_test"),
]

ORIGIN = (b"origin", b"http://localhost")


@database_sync_to_async
def _store_with_staff(role=StaffRole.Role.PICKER):
    store = factories.make_store()
    staff = factories.make_staff(store=store, role=role)
    return store, staff


@database_sync_to_async
def _session_cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def _feed(store, *headers):
    return WebsocketCommunicator(
        application, f"/ws/staff/stores/{store.code}/feed/", headers=list(headers)
    )


@database_sync_to_async
def _publish_committed(store, payload):
    with transaction.atomic():
        realtime.publish(realtime.groups.store(store.pk), "store.notice", payload)


@database_sync_to_async
def _publish_rolled_back(store, payload):
    class Abort(Exception):
        """Rolls the transaction back."""

    with contextlib.suppress(Abort), transaction.atomic():
        realtime.publish(realtime.groups.store(store.pk), "store.notice", payload)
        raise Abort


async def test_staff_get_a_snapshot_then_only_committed_events_in_sequence():
    # given a picker of the store, connected to its feed
    store, picker = await _store_with_staff()
    communicator = _feed(store, ORIGIN, await _session_cookie(picker))
    connected, _ = await communicator.connect()
    assert connected
    snapshot = await communicator.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot"
    assert snapshot["data"]["store"]["code"] == store.code

    # when one event is published in a transaction that rolls back, then one that commits
    await _publish_rolled_back(store, {"n": "rolled back"})
    await _publish_committed(store, {"n": "committed"})

    # then only the committed one arrives, numbered right after the snapshot
    event = await communicator.receive_json_from(timeout=5)
    assert event["type"] == "event"
    assert event["payload"] == {"n": "committed"}
    assert event["seq"] == snapshot["seq"] + 1
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


async def test_resync_sends_a_fresh_snapshot_with_the_current_sequence():
    store, picker = await _store_with_staff()
    communicator = _feed(store, ORIGIN, await _session_cookie(picker))
    await communicator.connect()
    first = await communicator.receive_json_from(timeout=5)
    await _publish_committed(store, {"n": 1})
    await communicator.receive_json_from(timeout=5)

    await communicator.send_json_to({"type": "resync"})
    again = await communicator.receive_json_from(timeout=5)
    assert again["type"] == "snapshot"
    assert again["seq"] == first["seq"] + 1
    await communicator.disconnect()


async def assert_refused(communicator, code: int) -> None:
    """Accepted, then closed with `code` (so a browser reads the code, not a bare 1006), and
    nothing else sent: no snapshot."""
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": code}
    await communicator.disconnect()


async def test_anonymous_user_is_refused_with_4401():
    store, _ = await _store_with_staff()
    await assert_refused(_feed(store, ORIGIN), 4401)


async def test_staff_of_another_store_is_refused_with_4403():
    store, _ = await _store_with_staff()
    other_store, other_picker = await _store_with_staff()
    await assert_refused(_feed(store, ORIGIN, await _session_cookie(other_picker)), 4403)
    # the same person is welcome at their own store
    own = _feed(other_store, ORIGIN, await _session_cookie(other_picker))
    assert (await own.connect())[0]
    assert (await own.receive_json_from(timeout=5))["type"] == "snapshot"
    await own.disconnect()


async def test_a_shopper_is_refused_with_4403():
    store, _ = await _store_with_staff()
    shopper = await database_sync_to_async(factories.make_member)()
    await assert_refused(_feed(store, ORIGIN, await _session_cookie(shopper.user)), 4403)


async def test_cross_origin_connection_is_refused():
    store, picker = await _store_with_staff()
    cookie = await _session_cookie(picker)
    connected, _ = await _feed(store, (b"origin", b"https://evil.example"), cookie).connect()
    assert not connected
    connected, _ = await _feed(store, cookie).connect()  # no Origin header at all
    assert not connected
