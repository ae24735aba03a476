"""The scan page at full speed (issue 10 point 9): its HTML is the same for everyone and cached
per product version and language; who is looking is filled in by scripts; the scan is still
recorded, with the member when known."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog import services as catalog_services
from catalog.models import ScanEvent, StoreOffer
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def label():
    return factories.make_label(offer=factories.make_offer(store=factories.make_store(), price=398))


def body(response) -> str:
    return response.content.decode()


def test_everyone_gets_the_same_page_without_a_token_or_a_name(label):
    member = factories.make_member(email="hanako@example.com", display_name="Hanako")
    anonymous, logged_in = Client(), Client()
    logged_in.force_login(member.user)
    first = body(anonymous.get(f"/s/{label.code}"))
    second = body(logged_in.get(f"/s/{label.code}"))
    assert first == second
    assert "csrfmiddlewaretoken" not in first
    assert "hanako" not in first.lower()
    assert 'data-session="unknown"' in first
    assert 'id="favourite-heart"' in first
    assert f'href="/lang/ja/?next=/stores/{label.offer.store.code}/products/' in first


def test_a_cached_page_runs_one_query_and_still_records_the_member(label):
    member = factories.make_member()
    catalog_services.flush_scan_buffer()  # scans other tests left in the shared buffer
    client = Client()
    client.get(f"/s/{label.code}")  # the page is cached now
    with CaptureQueriesContext(connection) as anonymous:
        assert client.get(f"/s/{label.code}").status_code == 200
    assert len(anonymous) == 1  # the label, with its live price and stock
    client.force_login(member.user)
    with CaptureQueriesContext(connection) as as_member:
        assert client.get(f"/s/{label.code}?src=typed").status_code == 200
    assert len(as_member) == 3  # + the session, the user with the member (for the scan)
    catalog_services.flush_scan_buffer()
    assert ScanEvent.objects.filter(member=member, source="typed").count() == 1


def test_a_price_or_stock_change_is_a_new_page_at_once(label):
    client = Client()
    assert "¥398" in body(client.get(f"/s/{label.code}"))
    StoreOffer.objects.filter(pk=label.offer_id).update(price=450)
    assert "¥450" in body(client.get(f"/s/{label.code}"))
    StoreOffer.objects.filter(pk=label.offer_id).update(stock_on_hand=0)
    assert 'data-state="out"' in body(client.get(f"/s/{label.code}"))


def test_each_language_has_its_own_page(label):
    english = body(Client().get(f"/s/{label.code}"))
    japanese = body(Client(HTTP_ACCEPT_LANGUAGE="ja").get(f"/s/{label.code}"))
    assert label.offer.product.name_en in english
    assert label.offer.product.name_ja in japanese
    assert english != japanese


def test_the_language_link_sets_the_language_and_stays_on_this_site(client):
    response = client.get("/lang/ja/?next=/search/")
    assert response.status_code == 302
    assert response["Location"] == "/search/"
    assert client.cookies["django_language"].value == "ja"
    assert client.get("/lang/ja/?next=https://evil.example.com/")["Location"] == "/"
    response = client.get("/lang/xx/?next=/")
    assert "django_language" not in response.cookies


def test_the_body_is_cleared_with_the_cache(label):
    client = Client()
    client.get(f"/s/{label.code}")
    cache.clear()
    assert client.get(f"/s/{label.code}").status_code == 200
