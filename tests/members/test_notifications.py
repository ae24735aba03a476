"""Notifications: the inbox (always) and Web Push to a stand-in push service that checks the
VAPID signature with py_vapid and decrypts the payload with http_ece; gone subscriptions are
pruned; preferences per kind; the events that notify."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog import signals as catalog_signals
from members import push, services
from members.models import Favourite, InboxMessage, NotificationKind, PushSubscription
from members.notifications import RULES
from members.tasks import send_push
from tests import factories
from tests.members.push_service import PushService
from tests.orders.helpers import member_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def push_service(settings):
    settings.WEB_PUSH_HOSTS = [*settings.WEB_PUSH_HOSTS, "127.0.0.1"]
    with PushService() as service:
        yield service


def subscribe(api, endpoint, browser):
    return api.post(
        "/api/v1/push/subscriptions/",
        {"endpoint": endpoint, "keys": {"p256dh": browser.p256dh, "auth": browser.auth}},
        format="json",
    )


def test_a_push_is_signed_encrypted_and_decrypted_by_the_browser(push_service):
    # given a member who turned notifications on in a browser
    member = factories.make_member()
    api = member_client(member)
    endpoint, browser = push_service.subscribe("phone")
    assert subscribe(api, endpoint, browser).status_code == 201
    # when their order is out for delivery
    services.notify_order_status(
        member_id=member.pk, order_number="ABC123", to_status="out_for_delivery", event_id=7
    )
    message = InboxMessage.objects.get(member=member)
    assert send_push.apply(args=[message.pk]).get() == 1
    # then the push service got one message it could verify and the browser could decrypt
    [got] = push_service.received
    assert got.error == ""
    assert got.vapid_key == push.vapid_public_key()
    assert got.claims["sub"].startswith("mailto:")
    assert got.payload == {
        "id": message.pk,
        "kind": "out_for_delivery",
        "title": "Your order is on its way",
        "body": "Order ABC123",
        "url": "/orders/ABC123/",
        "tag": "out_for_delivery",
    }
    rule = RULES[NotificationKind.OUT_FOR_DELIVERY]
    assert got.headers["ttl"] == str(rule.ttl)
    assert got.headers["urgency"] == rule.urgency == "high"
    assert PushSubscription.objects.get().last_success_at is not None


@pytest.mark.parametrize(("answer", "kept"), [(410, False), (404, False), (500, True)])
def test_gone_subscriptions_are_pruned(push_service, answer, kept):
    member = factories.make_member()
    api = member_client(member)
    endpoint, browser = push_service.subscribe("old-phone", answer=answer)
    live_endpoint, live_browser = push_service.subscribe("new-phone")
    subscribe(api, endpoint, browser)
    subscribe(api, live_endpoint, live_browser)
    message = services.notify(
        member_id=member.pk, kind="delivered", title="Delivered", dedupe_key="d1"
    )
    assert services.send_push_for_message(message_id=message.pk) == 1
    assert PushSubscription.objects.filter(endpoint=endpoint).exists() is kept
    assert PushSubscription.objects.filter(endpoint=live_endpoint).exists()


def test_a_kind_turned_off_stays_in_the_inbox_only(push_service):
    member = factories.make_member()
    api = member_client(member)
    endpoint, browser = push_service.subscribe("phone")
    subscribe(api, endpoint, browser)
    kinds = [k for k in NotificationKind.values if k != "favourite_marked_down"]
    response = api.put("/api/v1/notifications/preferences/", {"push": kinds}, format="json")
    assert response.status_code == 200
    assert "favourite_marked_down" not in response.json()["push"]
    message = services.notify(
        member_id=member.pk, kind="favourite_marked_down", title="Reduced", dedupe_key="m1"
    )
    assert services.send_push_for_message(message_id=message.pk) == 0
    assert push_service.received == []
    assert api.get("/api/v1/inbox/").json()["unread"] == 1


def test_a_subscription_of_another_member_or_host_is_refused(push_service):
    member, other = factories.make_member(), factories.make_member()
    endpoint, browser = push_service.subscribe("shared")
    assert subscribe(member_client(member), endpoint, browser).status_code == 201
    response = subscribe(member_client(other), endpoint, browser)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "push_subscription_taken"
    assert PushSubscription.objects.get().member == member
    response = subscribe(member_client(other), "https://evil.example.com/push/1", browser)
    assert response.status_code == 400
    # another member cannot delete it either
    response = member_client(other).delete(
        "/api/v1/push/subscriptions/", {"endpoint": endpoint}, format="json"
    )
    assert response.status_code == 404
    assert PushSubscription.objects.count() == 1
    bad = member_client(member).post(
        "/api/v1/push/subscriptions/",
        {"endpoint": endpoint, "keys": {"p256dh": "x"}},
        format="json",
    )
    assert bad.status_code == 400


def test_inbox_is_per_member_and_read_marks():
    member, other = factories.make_member(), factories.make_member()
    services.notify(member_id=member.pk, kind="delivered", title="Delivered", dedupe_key="a")
    services.notify(member_id=member.pk, kind="delivered", title="Delivered", dedupe_key="a")
    services.notify(member_id=other.pk, kind="delivered", title="Other", dedupe_key="b")
    api = member_client(member)
    body = api.get("/api/v1/inbox/").json()
    assert body["unread"] == 1
    assert [m["title"] for m in body["messages"]] == ["Delivered"]
    other_id = InboxMessage.objects.get(member=other).pk
    assert api.post("/api/v1/inbox/read/", {"id": other_id}, format="json").json() == {"marked": 0}
    assert api.post("/api/v1/inbox/read/", {}, format="json").json() == {"marked": 1}


def test_a_favourite_marked_down_at_my_store_notifies_me_once():
    store, elsewhere = factories.make_store(), factories.make_store()
    offer = factories.make_offer(store=store, price=500)
    fan = factories.make_member()
    fan.home_store = store
    fan.save()
    far_fan = factories.make_member()
    far_fan.home_store = elsewhere
    far_fan.save()
    for member in (fan, far_fan):
        Favourite.objects.create(member=member, product=offer.product)
    for _ in range(2):
        catalog_signals.offer_price_changed.send(
            sender=None,
            offer_id=offer.pk,
            store_id=store.pk,
            product_id=offer.product_id,
            old_price=500,
            new_price=500,
            markdown_price=350,
            markdown_starts_at=None,
            markdown_ends_at=None,
            actor=None,
        )
    [message] = InboxMessage.objects.all()
    assert message.member == fan
    assert message.kind == "favourite_marked_down"
    assert "¥350" in message.body
    # a price going up says nothing
    catalog_signals.offer_price_changed.send(
        sender=None,
        offer_id=offer.pk,
        store_id=store.pk,
        product_id=offer.product_id,
        old_price=500,
        new_price=600,
        markdown_price=None,
    )
    assert InboxMessage.objects.count() == 1


def test_back_in_stock_at_my_store():
    store = factories.make_store()
    offer = factories.make_offer(store=store)
    fan = factories.make_member()
    fan.home_store = store
    fan.save()
    Favourite.objects.create(member=fan, product=offer.product)
    catalog_signals.offer_back_in_stock.send(
        sender=None, offer_id=offer.pk, store_id=store.pk, product_id=offer.product_id
    )
    assert InboxMessage.objects.get().kind == "favourite_back_in_stock"


def test_points_expiring_reminder_once():
    member = factories.make_member()
    services.grant_points(
        member_id=member.pk,
        points=30,
        source="purchase",
        idempotency_key="g",
        expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    assert services.remind_points_expiring() == 1
    assert services.remind_points_expiring() == 0
    assert "30 points" in InboxMessage.objects.get().body


@pytest.mark.django_db(transaction=True)
def test_order_status_changes_reach_the_inbox():
    from orders import services as order_services
    from orders.models import Order
    from tests.members.helpers import make_paid_order

    store = factories.make_store()
    member = factories.make_member()
    order = make_paid_order(member=member, store=store, channel="pickup")
    order_services.set_status(order=Order.objects.get(pk=order.pk), to_status="picking")
    assert list(InboxMessage.objects.values_list("kind", flat=True)) == ["picking_started"]


def test_pages_render_for_a_member(client):
    member = factories.make_member()
    services.notify(member_id=member.pk, kind="delivered", title="Delivered", dedupe_key="a")
    client.force_login(member.user)
    html = client.get("/inbox/").content.decode()
    assert "Delivered" in html and "unread" in html
    assert client.get("/api/v1/inbox/", HTTP_ACCEPT="application/json").status_code == 200
    html = client.get("/account/notifications/").content.decode()
    assert 'id="push-device"' in html
    response = client.post("/account/notifications/", {"push": ["delivered"]})
    assert response.status_code == 302
    api = APIClient()
    api.force_authenticate(member.user)
    assert api.get("/api/v1/notifications/preferences/").json() == {"push": ["delivered"]}
