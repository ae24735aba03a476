"""The shopper's phone and notes in the rider app: the call button is a `tel:` link for the
trip's own rider while the trip is out; another rider, a trip not yet out and a finished trip
never see the phone."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from fulfillment.dispatch_service import bags
from fulfillment.models import Trip, TripStop
from orders.delivery_code import delivery_code
from tests import factories
from tests.fulfillment.dispatch_helpers import make_delivery_order, make_rider, make_trip

pytestmark = pytest.mark.django_db


def _client(rider) -> Client:
    client = Client()
    client.force_login(rider.user)
    return client


@pytest.fixture
def out_trip():
    store = factories.make_store()
    rider = make_rider(store=store)
    orders = [make_delivery_order(store=store), make_delivery_order(store=store, north_m=1200)]
    trip = make_trip(rider=rider, orders=orders)
    client = _client(rider)
    for order in orders:  # every bag scanned at the store: the trip goes out
        for bag in bags.bags_for_handover(order):
            assert client.post(reverse("rider-scan"), {"code": bag.code}).status_code == 302
    trip.refresh_from_db()
    assert trip.state == Trip.State.OUT
    return store, rider, trip, orders


def _phone(order) -> str:
    return order.delivery_phone.replace(" ", "")


def test_the_trips_rider_gets_a_tel_link_and_the_notes_of_every_stop(out_trip):
    _store, rider, _trip, orders = out_trip
    page = _client(rider).get(reverse("rider-home")).content.decode()
    assert f'id="call" href="tel:{_phone(orders[0])}"' in page
    assert orders[1].delivery_phone not in page  # only the next stop's phone
    assert 'id="stop-notes"' in page
    for order in orders:
        assert order.delivery_notes in page


def test_another_rider_never_sees_the_phone(out_trip):
    store, _rider, _trip, orders = out_trip
    for other in (make_rider(store=store), make_rider(store=factories.make_store())):
        response = _client(other).get(reverse("rider-home"))
        assert response.status_code == 200
        page = response.content.decode()
        assert 'id="no-trip"' in page
        for order in orders:
            assert order.delivery_phone not in page and order.delivery_notes not in page


def test_a_trip_not_out_yet_shows_no_phone():
    store = factories.make_store()
    rider = make_rider(store=store)
    order = make_delivery_order(store=store)
    make_trip(rider=rider, orders=[order])
    page = _client(rider).get(reverse("rider-home")).content.decode()
    assert order.delivery_notes in page  # the notes help at loading time too
    assert order.delivery_phone not in page and "tel:" not in page


def test_a_finished_trip_never_shows_the_phone(out_trip):
    _store, rider, trip, orders = out_trip
    client = _client(rider)
    for order in orders:
        stop = TripStop.objects.get(order=order)
        assert (
            client.post(reverse("rider-deliver", args=[stop.pk]), {"code": delivery_code(order)})
        ).status_code == 302
    trip.refresh_from_db()
    assert trip.state == Trip.State.RETURNING
    for _ in range(2):
        page = client.get(reverse("rider-home")).content.decode()
        assert "tel:" not in page
        for order in orders:
            assert order.delivery_phone not in page
        client.post(reverse("rider-back"))
    trip.refresh_from_db()
    assert trip.state == Trip.State.DONE


def test_an_order_without_a_phone_keeps_the_call_button_disabled(out_trip):
    _store, rider, _trip, orders = out_trip
    orders[0].__class__.objects.filter(pk=orders[0].pk).update(delivery_phone="")
    page = _client(rider).get(reverse("rider-home")).content.decode()
    assert "tel:" not in page and 'id="call" disabled' in page
