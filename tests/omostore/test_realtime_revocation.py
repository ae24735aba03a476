"""Open websockets lose their access at once when what authorised them goes: a revoked role, a
log-out (that session only), a deactivated user. Through the real ASGI stack, the real session
log-out view and the Redis channel layer."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client

from omostore import realtime
from omostore.asgi import application
from orders.models import Order
from stores.models import StaffRole
from tests import factories
from tests.orders.helpers import checkout, confirm, member_with_cart

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("close_db_after_async_test"),
]

ORIGIN = (b"origin", b"http://localhost")
CLOSED_4401 = {"type": "websocket.close", "code": 4401}
CLOSED_4403 = {"type": "websocket.close", "code": 4403}


@database_sync_to_async
def _picker():
    store = factories.make_store()
    return store, factories.make_staff(store=store, role=StaffRole.Role.PICKER)


@database_sync_to_async
def _logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _cookie(client: Client) -> tuple[bytes, bytes]:
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def _open_feed(store, client: Client) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        application, f"/ws/staff/stores/{store.code}/feed/", headers=[ORIGIN, _cookie(client)]
    )
    assert (await communicator.connect())[0]
    assert (await communicator.receive_json_from(timeout=5))["type"] == "snapshot"
    return communicator


@database_sync_to_async
def _publish(store, payload):
    with transaction.atomic():
        realtime.publish(realtime.groups.store(store.pk), "store.notice", payload)


async def test_revoking_the_role_closes_the_pickers_feed_at_once():
    # given a picker following the store feed
    store, picker = await _picker()
    feed = await _open_feed(store, await _logged_in_client(picker))

    # when a manager revokes the role (the admin deletes the row)
    await database_sync_to_async(StaffRole.objects.filter(user=picker, store=store).delete)()

    # then the socket closes with "not allowed" and no later event reaches it
    assert await feed.receive_output(timeout=5) == CLOSED_4403
    await feed.disconnect()


async def test_a_role_kept_elsewhere_does_not_keep_this_store_open():
    store, picker = await _picker()
    other_store = await database_sync_to_async(factories.make_store)()
    feed = await _open_feed(store, await _logged_in_client(picker))

    @database_sync_to_async
    def move_role_to_other_store():
        role = StaffRole.objects.get(user=picker, store=store)
        role.store = other_store
        role.save()

    await move_role_to_other_store()

    assert await feed.receive_output(timeout=5) == CLOSED_4403
    await feed.disconnect()


async def test_granting_another_role_keeps_the_socket_open():
    store, picker = await _picker()
    feed = await _open_feed(store, await _logged_in_client(picker))

    await database_sync_to_async(StaffRole.objects.create)(
        user=picker, store=store, role=StaffRole.Role.PACKER
    )
    await database_sync_to_async(StaffRole.objects.filter(role=StaffRole.Role.PACKER).delete)()

    # still a picker: the re-check keeps it open, and events keep coming
    await _publish(store, {"n": 1})
    event = await feed.receive_json_from(timeout=5)
    assert event["payload"] == {"n": 1}
    await feed.disconnect()


async def test_logging_out_closes_only_that_sessions_sockets():
    # given the same picker on two tablets (two sessions)
    store, picker = await _picker()
    tablet_a = await _logged_in_client(picker)
    tablet_b = await _logged_in_client(picker)
    feed_a = await _open_feed(store, tablet_a)
    feed_b = await _open_feed(store, tablet_b)

    # when tablet A logs out through the site's log-out view
    response = await database_sync_to_async(tablet_a.post)("/logout/")
    assert response.status_code < 400

    # then A's socket closes with "not logged in" and B's stays live
    assert await feed_a.receive_output(timeout=5) == CLOSED_4401
    await _publish(store, {"n": "still live"})
    assert (await feed_b.receive_json_from(timeout=5))["payload"] == {"n": "still live"}
    await feed_a.disconnect()
    await feed_b.disconnect()


async def test_deactivating_the_user_closes_their_sockets():
    store, picker = await _picker()
    feed = await _open_feed(store, await _logged_in_client(picker))

    @database_sync_to_async
    def deactivate():
        picker.is_active = False
        picker.save()

    await deactivate()

    assert await feed.receive_output(timeout=5) == CLOSED_4401
    await feed.disconnect()


async def test_logging_out_closes_the_members_live_order_page():
    @database_sync_to_async
    def paid_order():
        store = factories.make_store()
        member, api = member_with_cart(factories.make_offer(store=store))
        response = checkout(api, store, channel="pickup")
        confirm(api, response)
        browser = Client()
        browser.force_login(member.user)
        return browser, Order.objects.get(number=response.json()["number"])

    client, order = await paid_order()
    page = WebsocketCommunicator(
        application, f"/ws/orders/{order.number}/", headers=[ORIGIN, _cookie(client)]
    )
    assert (await page.connect())[0]
    assert (await page.receive_json_from(timeout=5))["type"] == "snapshot"

    await database_sync_to_async(client.post)("/logout/")

    assert await page.receive_output(timeout=5) == CLOSED_4401
    await page.disconnect()


async def test_resync_checks_the_role_again_even_without_a_signal():
    # given a role moved away by a bulk update, which sends no signal
    store, picker = await _picker()
    other_store = await database_sync_to_async(factories.make_store)()
    feed = await _open_feed(store, await _logged_in_client(picker))
    await database_sync_to_async(StaffRole.objects.filter(user=picker).update)(store=other_store)
    assert await feed.receive_nothing(timeout=0.3)

    # when the client asks for a resync
    await feed.send_json_to({"type": "resync"})

    # then it gets no snapshot: the socket closes with "not allowed"
    assert await feed.receive_output(timeout=5) == CLOSED_4403
    await feed.disconnect()


async def test_resync_of_a_session_deleted_behind_its_back_closes_with_4401():
    store, picker = await _picker()
    client = await _logged_in_client(picker)
    feed = await _open_feed(store, client)

    @database_sync_to_async
    def expire_session():
        from django.contrib.sessions.models import Session

        Session.objects.filter(session_key=client.cookies["sessionid"].value).delete()

    await expire_session()
    await feed.send_json_to({"type": "resync"})

    assert await feed.receive_output(timeout=5) == CLOSED_4401
    await feed.disconnect()
