"""The member's history group (`history.<user id>`): a register sale appears while the member
watches, with the points it earned, and the group's snapshot after sales, an online order and a
refund equals an earlier snapshot with the numbered events folded in, by a Python fold and by the
page's JavaScript (static/js/live_folds.js), over a real websocket."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.member_qr import issue_member_qr
from omostore import realtime
from omostore.asgi import application
from orders import services
from stores.models import StaffRole
from tests import factories
from tests.omostore.realtime_folds import fold, fold_history
from tests.omostore.test_realtime_folds import (
    ORIGIN,
    _assert_consecutive,
    _cookie,
    _events_until,
    _fresh_snapshot,
    _js_fold,
)
from tests.orders.helpers import add, checkout, confirm, member_client

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("close_db_after_async_test"),
]


@database_sync_to_async
def _setting():
    store = factories.make_store()
    offer = factories.make_offer(store=store, price=300, stock_on_hand=50)
    member = factories.make_member()
    factories.make_wallet(member=member, balance=10_000)
    cashier = factories.make_staff(store=store, role=StaffRole.Role.EXIT)
    return store, offer, member, cashier


@database_sync_to_async
def _register_sale(store, offer, member, cashier, *, method="wallet", quantity=1):
    order, _created = services.sell_at_register(
        store=store,
        cashier=cashier,
        items=[services.BasketItem(code=offer.product.barcode, quantity=quantity)],
        payment_method=method,
        idempotency_key=f"basket-{method}-{quantity}",
        member_qr=issue_member_qr(member=member).token,
        cash_tendered=5000 if method == "cash" else None,
    )
    return order


@database_sync_to_async
def _online_order_and_a_refund(store, offer, member, cashier, sale):
    api = member_client(member)
    assert add(api, offer, 2).status_code == 201
    response = checkout(api, store, channel="pickup")
    assert confirm(api, response).status_code == 200
    line = sale.lines.get()
    services.refund_register_lines(
        order=sale,
        store=store,
        cashier=cashier,
        lines={line.pk: 1},
        reason="damaged",
        idempotency_key="r1",
    )


async def test_register_sales_and_refunds_fold_into_the_history_snapshot():
    # given the member's history open, one register sale already in it
    store, offer, member, cashier = await _setting()
    first = await _register_sale(store, offer, member, cashier, quantity=2)
    group = realtime.groups.member_history(member.user_id)
    phone = WebsocketCommunicator(
        application, "/ws/history/", headers=[ORIGIN, await _cookie(member.user)]
    )
    assert (await phone.connect())[0]
    start = await phone.receive_json_from(timeout=5)
    assert [o["number"] for o in start["data"]["orders"]] == [first.number]
    assert start["data"]["orders"][0]["points"] == 6  # ¥600 at 1 point per ¥100

    # when the member buys at the register again (cash, with the QR), online, and a line of the
    # first sale is refunded at the register
    second = await _register_sale(store, offer, member, cashier, method="cash", quantity=3)
    await _online_order_and_a_refund(store, offer, member, cashier, first)
    frames = await _events_until(phone, group=group, after=start["seq"])

    # then the numbered events fold into the snapshot of now, in Python and in the page's JS
    _assert_consecutive(start["seq"], frames)
    assert {f["event"] for f in frames} == {"history.order", "history.points"}
    assert second.number in {f["payload"]["number"] for f in frames}
    fresh = await _fresh_snapshot(phone)
    assert fresh["seq"] == frames[-1]["seq"]
    assert fold(fold_history, start["data"], frames) == fresh["data"]
    assert await _js_fold("history", start["data"], frames) == fresh["data"]
    rows = {o["number"]: o for o in fresh["data"]["orders"]}
    assert len(rows) == 3
    assert rows[first.number]["refunded"]["amount"] == 300
    assert rows[second.number]["channel"] == "register"
    # and each row carries what its purchase earned (a refund takes points back from the
    # balance, not from what the purchase earned)
    assert [rows[n]["points"] for n in (first.number, second.number)] == [6, 9]
    assert sorted(o["points"] for o in fresh["data"]["orders"]) == [6, 6, 9]
    await phone.disconnect()


async def test_only_the_member_follows_their_history():
    _store, _offer, _member, cashier = await _setting()
    staff = WebsocketCommunicator(
        application, "/ws/history/", headers=[ORIGIN, await _cookie(cashier)]
    )
    assert (await staff.connect())[0]
    assert (await staff.receive_output(timeout=5))["code"] == 4403
    anonymous = WebsocketCommunicator(application, "/ws/history/", headers=[ORIGIN])
    assert (await anonymous.connect())[0]
    assert (await anonymous.receive_output(timeout=5))["code"] == 4401
