"""The live order page's websocket: a snapshot, then every status change as it commits."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client

from omostore.asgi import application
from orders import services
from orders.models import Order, OrderStatus
from tests import factories
from tests.orders.helpers import checkout, confirm, member_with_cart

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("close_db_after_async_test"),
]

ORIGIN = (b"origin", b"http://localhost")


@database_sync_to_async
def _paid_pickup_order():
    store = factories.make_store()
    offer = factories.make_offer(store=store)
    member, client = member_with_cart(offer)
    response = checkout(client, store, channel="pickup")
    confirm(client, response)
    return member, Order.objects.get(number=response.json()["number"])


@database_sync_to_async
def _cookie(user):
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


@database_sync_to_async
def _start_picking(order):
    with transaction.atomic():
        services.set_status(order=order, to_status=OrderStatus.PICKING, note="picker started")


async def test_the_member_sees_the_timeline_then_each_change_live():
    member, order = await _paid_pickup_order()
    communicator = WebsocketCommunicator(
        application, f"/ws/orders/{order.number}/", headers=[ORIGIN, await _cookie(member.user)]
    )
    assert (await communicator.connect())[0]
    snapshot = await communicator.receive_json_from(timeout=5)
    assert snapshot["data"]["status"] == "paid"
    assert [step["to"] for step in snapshot["data"]["timeline"]] == ["placed", "paid"]

    await _start_picking(order)

    event = await communicator.receive_json_from(timeout=5)
    assert (event["event"], event["payload"]["status"]) == ("order.status", "picking")
    assert event["seq"] == snapshot["seq"] + 1
    await communicator.disconnect()


async def test_another_member_cannot_follow_the_order():
    _, order = await _paid_pickup_order()
    stranger = await database_sync_to_async(factories.make_member)()
    communicator = WebsocketCommunicator(
        application, f"/ws/orders/{order.number}/", headers=[ORIGIN, await _cookie(stranger.user)]
    )
    assert (await communicator.connect())[0]  # accepted, then closed with "not allowed"
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
    await communicator.disconnect()
