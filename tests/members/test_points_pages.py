"""The points page and API: balance, expiring soon, history; members only."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from members import services
from tests import factories
from tests.orders.helpers import member_client

pytestmark = pytest.mark.django_db


def test_points_page_and_api_show_balance_and_what_expires_soon(client):
    member = factories.make_member()
    now = timezone.now()
    services.grant_points(
        member_id=member.pk,
        points=40,
        source="purchase",
        idempotency_key="a",
        expires_at=now + datetime.timedelta(days=5),
        reference="ORD1",
    )
    services.grant_points(member_id=member.pk, points=60, source="review", idempotency_key="b")
    body = member_client(member).get("/api/v1/points/").json()
    assert (body["balance"], body["expiring_soon"]) == (100, 40)
    assert [e["points"] for e in body["entries"]] == [60, 40]
    client.force_login(member.user)
    html = client.get("/points/").content.decode()
    assert 'id="points-balance" data-points="100"' in html
    assert 'id="points-expiring" data-points="40"' in html


def test_points_are_members_only(client):
    assert client.get("/points/").status_code == 302
    staff = factories.make_user()
    api = APIClient()
    api.force_authenticate(staff)
    assert api.get("/api/v1/points/").status_code == 404
    client.force_login(staff)
    assert client.get("/points/").status_code == 404


def test_another_members_points_are_never_shown():
    member, other = factories.make_member(), factories.make_member()
    services.grant_points(member_id=other.pk, points=60, source="review", idempotency_key="b")
    body = member_client(member).get("/api/v1/points/").json()
    assert body["balance"] == 0
    assert body["entries"] == []
