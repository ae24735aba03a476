"""The member pages run a fixed number of queries however much history there is."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members import services
from members.models import Favourite
from tests import factories

pytestmark = pytest.mark.django_db


def _add_rows(member, store, n, start):
    for i in range(start, start + n):
        offer = factories.make_offer(store=store)
        Favourite.objects.create(member=member, product=offer.product)
        services.grant_points(
            member_id=member.pk, points=5, source="purchase", idempotency_key=f"g{i}"
        )
        services.notify(
            member_id=member.pk, kind="delivered", title=f"Delivered {i}", dedupe_key=f"n{i}"
        )


@pytest.mark.parametrize(
    "path", ["/points/", "/inbox/", "/favourites/", "/wallet/", "/account/", "/api/v1/inbox/"]
)
def test_member_pages_do_not_grow_with_history(client, path):
    store = factories.make_store()
    member = factories.make_member()
    factories.make_wallet(member=member, balance=100)
    client.force_login(member.user)
    _add_rows(member, store, 2, 0)
    client.get(path)  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).status_code == 200
    _add_rows(member, store, 12, 10)
    with CaptureQueriesContext(connection) as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(few) <= 12
