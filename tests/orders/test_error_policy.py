"""One error policy: the same Idempotency-Key rule (status and code) wherever a key is taken,
translated messages, and a domain error on a server-rendered page is a friendly 4xx page,
never a 500."""

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path
from rest_framework.test import APIClient

from orders import errors
from stores.models import StaffRole
from tests import factories
from tests.orders.helpers import add, checkout, confirm, member_client

pytestmark = pytest.mark.django_db


def _page_that_refuses(request):
    if request.GET.get("ok"):
        return HttpResponse("fine")
    raise errors.NotCancellable("This order can no longer be cancelled here.")


urlpatterns = [
    path("refusing-page/", _page_that_refuses),
    path("", include("omostore.urls")),
]


@pytest.fixture
def shop():
    store = factories.make_store()
    offer = factories.make_offer(store=store, price=100, stock_on_hand=20)
    member = factories.make_member()
    factories.make_wallet(member=member, balance=50_000)
    api = member_client(member)
    assert add(api, offer, 1).status_code == 201
    response = checkout(api, store, channel="pickup")
    assert confirm(api, response).status_code == 200
    manager = APIClient()
    manager.force_authenticate(factories.make_staff(store=store, role=StaffRole.Role.MANAGER))
    assert add(api, offer, 1).status_code == 201  # a cart for the next checkout
    return store, api, manager, response.json()["number"]


def _calls(shop):
    """Each endpoint that takes an Idempotency-Key: (name, call(key, variant))."""
    store, api, manager, number = shop

    def checkout_call(key, variant):
        channel = "pickup" if variant == 0 else "in_store"
        return checkout(api, store, channel=channel, key=key)

    def top_up(key, variant):
        return api.post(
            "/api/v1/wallet/top-ups/",
            {"amount": 1000 + variant, "method": "test"},
            format="json",
            **({"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}),
        )

    def refund(key, variant):
        return manager.post(
            f"/api/v1/staff/orders/{number}/refunds/",
            {"amount": 10 + variant, "reason": "goodwill"},
            format="json",
            **({"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}),
        )

    def cancel(key, variant):
        return manager.post(
            f"/api/v1/staff/orders/{number}/cancel/",
            {"reason": "not_collected"},
            format="json",
            **({"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}),
        )

    def checkout_no_key(key, variant):
        return api.post(
            "/api/v1/checkout/",
            {"store": store.code, "channel": "pickup", "payment_method": "test"},
            format="json",
            **({"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}),
        )

    return {
        "checkout": (checkout_call, checkout_no_key),
        "top-up": (top_up, top_up),
        "staff refund": (refund, refund),
        "staff cancel": (cancel, cancel),
    }


@pytest.mark.parametrize("endpoint", ["checkout", "top-up", "staff refund", "staff cancel"])
@pytest.mark.parametrize("key", [None, "", "   ", "k" * 81, "naïve-key"])
def test_a_missing_or_malformed_key_is_the_same_400_everywhere(shop, endpoint, key):
    _call, call_with_key = _calls(shop)[endpoint]

    response = call_with_key(key, 0)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_required"


@pytest.mark.parametrize("endpoint", ["checkout", "top-up", "staff refund"])
def test_a_key_reused_for_another_request_is_the_same_422_everywhere(shop, endpoint):
    call, _ = _calls(shop)[endpoint]

    first = call("same-key", 0)
    again = call("same-key", 0)
    other = call("same-key", 1)

    assert first.status_code == 201, first.json()
    assert again.status_code in (200, 201)  # checkout says 200: it made nothing new
    assert _identity(again.json()) == _identity(first.json())
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"


def _identity(body: dict):
    """What a replay must return again: the same order, payment or refund."""
    return body.get("number"), body.get("id"), [r["id"] for r in body.get("refunds", [])]


@pytest.mark.urls(__name__)
def test_a_domain_error_on_a_page_is_a_friendly_4xx_page():
    client = Client()

    page = client.get("/refusing-page/")
    as_json = client.get("/refusing-page/", HTTP_ACCEPT="application/json")

    assert page.status_code == 409
    html = page.content.decode()
    assert 'id="error-page" data-code="not_cancellable"' in html
    assert "This order can no longer be cancelled here." in html
    assert "That did not work" in html
    assert as_json.status_code == 409
    assert as_json.json()["error"]["code"] == "not_cancellable"
    assert client.get("/refusing-page/?ok=1").content == b"fine"


@pytest.mark.urls(__name__)
def test_the_friendly_page_speaks_the_shoppers_language():
    page = Client().get("/refusing-page/", HTTP_ACCEPT_LANGUAGE="ja")

    assert page.status_code == 409
    assert "うまくいきませんでした" in page.content.decode()
