"""The manager's order screens, always as a manager of the store (never a superuser): the order
page shows lines, timeline, payments and refunds in the store's currency with no Save button,
its actions call the services, and nothing of another store can be seen or touched."""

import re
import uuid

import pytest
from django.test import Client

from orders import services
from orders.models import Order, OrderRefund, OrderStatus
from stores.models import StaffRole
from tests import factories
from tests.orders.helpers import add, checkout, confirm, member_client

pytestmark = pytest.mark.django_db


def manager_of(store) -> Client:
    client = Client()
    client.force_login(factories.make_staff(store=store, role=StaffRole.Role.MANAGER))
    return client


def paid_order(store, *, channel="pickup", lines=((2, 300),)) -> Order:
    member = factories.make_member()
    api = member_client(member)
    for quantity, price in lines:
        offer = factories.make_offer(
            store=store,
            product=factories.make_product(name_en=f"Tofu {price}"),
            price=price,
            stock_on_hand=20,
        )
        assert add(api, offer, quantity).status_code == 201
    response = checkout(api, store, channel=channel)
    assert confirm(api, response).status_code == 200
    return Order.objects.get(number=response.json()["number"])


@pytest.fixture
def store():
    return factories.make_store()


def test_the_order_page_shows_lines_timeline_payments_in_yen_and_no_save_button(store):
    order = paid_order(store, lines=((2, 1250), (1, 300)))

    response = manager_of(store).get(f"/admin/orders/order/{order.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    # the lines, with money in the store's currency
    assert "Tofu 1250" in html and "Tofu 300" in html
    assert "¥1,250" in html and "¥2,500" in html
    assert "¥2,800" in html  # the total
    # the timeline, kinds readable
    assert "placed → paid" in html or "placed \u2192 paid" in html
    assert "— → placed" in html
    # the payment
    assert re.search(r"Test provider ¥2,800 — succeeded", html)
    # read-only: no Save, no idempotency key or fingerprint
    assert 'name="_save"' not in html
    assert 'name="_continue"' not in html
    assert order.idempotency_key not in html
    assert order.request_fingerprint not in html
    # the actions the manager may take on a paid pickup order
    assert 'id="move-picking"' in html
    assert 'id="cancel-order"' in html
    assert 'id="refund-lines"' in html


def test_the_changelist_lists_this_stores_orders_only(store):
    mine = paid_order(store)
    theirs = paid_order(factories.make_store())

    html = manager_of(store).get("/admin/orders/order/").content.decode()

    assert mine.number in html
    assert theirs.number not in html
    assert "¥600" in html


def test_a_manager_cancels_with_a_full_refund_once_however_often_the_form_is_sent(store):
    # given a paid pickup order of 2 x ¥300 + 1 x ¥500
    order = paid_order(store, lines=((2, 300), (1, 500)))
    client = manager_of(store)
    page = client.get(f"/admin/orders/order/{order.pk}/cancel/")
    assert page.status_code == 200
    request_id = re.search(r'name="request_id" value="([0-9a-f-]+)"', page.content.decode())[1]
    body = {"reason": "not_collected", "note": "never came", "request_id": request_id}

    # when the manager sends the form, and the browser sends it again
    first = client.post(f"/admin/orders/order/{order.pk}/cancel/", body)
    again = client.post(f"/admin/orders/order/{order.pk}/cancel/", body)

    # then the order is cancelled and refunded once, every line in full
    assert first.status_code == 302 and again.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    refunds = list(OrderRefund.objects.filter(order=order))
    assert len(refunds) == 1
    assert refunds[0].amount == 1100
    assert refunds[0].status == OrderRefund.Status.SUCCEEDED
    assert sorted((line.quantity, line.amount) for line in refunds[0].lines.all()) == [
        (1, 500),
        (2, 600),
    ]
    # and the order page shows the refund and offers nothing more
    html = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "¥1,100" in html
    assert "not_collected" in html
    assert 'id="cancel-order"' not in html


def test_a_manager_refunds_a_line_and_cannot_refund_more_than_is_left(store):
    order = paid_order(store, lines=((3, 100),))
    line = order.lines.get()
    client = manager_of(store)
    url = f"/admin/orders/order/{order.pk}/refund-lines/"

    done = client.post(
        url,
        {f"line_{line.pk}": 2, "reason": "shortage", "note": "", "request_id": uuid.uuid4()},
    )
    too_many = client.post(
        url,
        {f"line_{line.pk}": 2, "reason": "shortage", "note": "", "request_id": uuid.uuid4()},
    )

    assert done.status_code == 302
    refund = OrderRefund.objects.get(order=order)
    assert (refund.amount, refund.reason) == (200, "shortage")
    # only 1 is left: the form refuses 2 and nothing more is refunded
    assert too_many.status_code == 200
    assert "Ensure this value is less than or equal to 1" in too_many.content.decode()
    assert OrderRefund.objects.filter(order=order).count() == 1


def test_a_manager_moves_a_pickup_order_along_and_not_past_the_pipeline(store):
    order = paid_order(store)
    client = manager_of(store)
    move = f"/admin/orders/order/{order.pk}/move/"

    assert client.post(move, {"status": "picking"}).status_code == 302
    refused = client.post(move, {"status": "collected"}, follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.PICKING
    assert "cannot become collected" in refused.content.decode()
    assert client.get(move).status_code == 405  # changes only by POST


def test_nothing_of_another_store_can_be_opened_or_changed(store):
    order = paid_order(factories.make_store())
    client = manager_of(store)

    for url in ("change/", "cancel/", "refund-lines/", "refund-amount/"):
        response = client.get(f"/admin/orders/order/{order.pk}/{url}")
        assert response.status_code in (302, 404), url
        if response.status_code == 302:  # the admin sends an unknown object back to the list
            assert "/admin/" in response["Location"]
    moved = client.post(f"/admin/orders/order/{order.pk}/move/", {"status": "picking"})
    assert moved.status_code == 404
    cancelled = client.post(
        f"/admin/orders/order/{order.pk}/cancel/",
        {"reason": "not_collected", "request_id": uuid.uuid4()},
    )
    assert cancelled.status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_the_refund_list_shows_this_stores_refunds_in_yen(store):
    mine = paid_order(store, lines=((2, 450),))
    theirs = paid_order(factories.make_store(), lines=((1, 999),))
    client = manager_of(store)
    for order in (mine, theirs):
        services.cancel_order_by_staff(
            order=order, actor=None, reason="not_collected", idempotency_key=f"t:{order.pk}"
        )

    html = client.get("/admin/orders/orderrefund/").content.decode()
    detail = client.get(
        f"/admin/orders/orderrefund/{OrderRefund.objects.get(order=mine).pk}/change/"
    )
    other = client.get(
        f"/admin/orders/orderrefund/{OrderRefund.objects.get(order=theirs).pk}/change/"
    )

    assert mine.number in html and "¥900" in html
    assert theirs.number not in html and "¥999" not in html
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert other.status_code == 302  # as unknown as a missing one
    assert client.get("/admin/orders/orderrefund/add/").status_code == 403


def test_the_bulk_action_cancels_the_selected_orders(store):
    orders = [paid_order(store), paid_order(store)]
    client = manager_of(store)
    selected = [str(order.pk) for order in orders]

    form = client.post(
        "/admin/orders/order/",
        {"action": "cancel_with_refund", "_selected_action": selected},
    )
    request_id = re.search(r'name="request_id" value="([0-9a-f-]+)"', form.content.decode())[1]
    done = client.post(
        "/admin/orders/order/",
        {
            "action": "cancel_with_refund",
            "_selected_action": selected,
            "apply": "1",
            "reason": "staff_cancelled",
            "note": "",
            "request_id": request_id,
        },
    )

    assert done.status_code == 302
    assert set(Order.objects.filter(pk__in=selected).values_list("status", flat=True)) == {
        OrderStatus.CANCELLED
    }
    assert OrderRefund.objects.filter(order__in=orders).count() == 2


def test_a_picker_cannot_open_the_order_admin(store):
    order = paid_order(store)
    client = Client()
    client.force_login(factories.make_staff(store=store, role=StaffRole.Role.PICKER))

    response = client.get(f"/admin/orders/order/{order.pk}/change/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
