"""The order's timeline: typed events with fixed payload keys, and every time the order API shows
in the store's own time zone, with its offset."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from orders import services
from orders.models import Order, OrderEventKind
from tests import factories
from tests.orders.helpers import TOKYO_NEAR, add, checkout, confirm, member_client

pytestmark = pytest.mark.django_db


def _offset(iso: str) -> datetime.timedelta:
    return datetime.datetime.fromisoformat(iso).utcoffset()


def test_every_time_of_the_order_api_carries_the_stores_offset():
    # given a store in New York (and one in Tokyo) with a paid delivery each
    bodies = {}
    for zone in ("America/New_York", "Asia/Tokyo"):
        store = factories.make_store(time_zone=zone, delivery_radius_m=3000)
        offer = factories.make_offer(store=store)
        api = member_client(factories.make_member())
        add(api, offer, 1)
        response = checkout(api, store, channel="delivery", delivery=TOKYO_NEAR)
        confirm(api, response)
        bodies[zone] = api.get(f"/api/v1/orders/{response.json()['number']}/").json()

    # then each time is in its store's zone
    for zone, body in bodies.items():
        expected = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()
        times = [body["created_at"], body["paid_at"], body["promised_by"], body["reserved_until"]]
        times += [entry["at"] for entry in body["timeline"]]
        assert all(_offset(t) == expected for t in times), (zone, times)
    assert _offset(bodies["Asia/Tokyo"]["created_at"]) == datetime.timedelta(hours=9)


def test_the_exit_pass_expiry_is_in_the_stores_zone():
    store = factories.make_store(time_zone="Europe/London")
    offer = factories.make_offer(store=store)
    api = member_client(factories.make_member())
    add(api, offer, 1)
    response = checkout(api, store)
    confirm(api, response)

    body = api.get(f"/api/v1/orders/{response.json()['number']}/exit-pass/").json()

    expected = timezone.now().astimezone(zoneinfo.ZoneInfo("Europe/London")).utcoffset()
    assert _offset(body["expires_at"]) == expected


def test_a_timeline_step_needs_its_kinds_payload_and_status_goes_through_set_status():
    store = factories.make_store()
    offer = factories.make_offer(store=store)
    api = member_client(factories.make_member())
    add(api, offer, 1)
    order = Order.objects.get(number=checkout(api, store).json()["number"])

    with pytest.raises(ValueError, match="quantity_short"):
        services.record_event(
            order=order, kind=OrderEventKind.LINE_SHORT, payload={"line_id": 1, "sku": "X"}
        )
    with pytest.raises(ValueError, match="set_status"):
        services.record_event(
            order=order,
            kind=OrderEventKind.STATUS_CHANGED,
            payload={"from": "placed", "to": "paid", "reason": ""},
        )
    event = services.record_event(
        order=order, kind=OrderEventKind.NOTE, payload={}, note="called the shopper"
    )

    assert list(order.events.values_list("kind", flat=True)) == ["status_changed", "note"]
    assert event.note == "called the shopper"
    assert order.status == "placed"
