"""The wallet page: balance, history, a top-up with the test provider; checkout says when the
wallet is short."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from payments.models import WalletEntry
from tests import factories

pytestmark = pytest.mark.django_db


def test_wallet_page_shows_balance_and_history(client):
    member = factories.make_member()
    factories.make_wallet(member=member, balance=1500)
    client.force_login(member.user)
    response = client.get(reverse("wallet"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-amount="1500"' in html
    assert 'id="top-up-test"' in html


def test_wallet_page_is_for_members_only(client):
    assert client.get(reverse("wallet")).status_code == 302
    staff = factories.make_user()
    client.force_login(staff)
    assert client.get(reverse("wallet")).status_code == 404


def test_top_up_with_the_test_provider_shows_in_history(client):
    member = factories.make_member()
    api = APIClient()
    api.force_authenticate(member.user)
    response = api.post(
        "/api/v1/wallet/top-ups/",
        {"amount": 3000, "method": "test"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert response.status_code == 201
    assert (
        api.post(response.json()["confirm_url"], {"outcome": "succeed"}, format="json").status_code
        == 200
    )
    assert WalletEntry.objects.filter(account__member=member, kind="top_up", amount=3000).exists()
    client.force_login(member.user)
    html = client.get(reverse("wallet")).content.decode()
    assert 'data-kind="top_up"' in html
    assert 'data-amount="3000"' in html


def test_checkout_says_when_the_wallet_is_short_and_does_not_switch(client):
    store = factories.make_store()
    offer = factories.make_offer(store=store, price=900)
    member = factories.make_member()
    factories.make_wallet(member=member, balance=100)
    api = APIClient()
    api.force_authenticate(member.user)
    api.post(
        "/api/v1/cart/lines/",
        {"store": store.code, "sku": offer.product.sku, "quantity": 1},
        format="json",
    )
    client.force_login(member.user)
    html = client.get(f"/checkout/?store={store.code}").content.decode()
    assert 'id="wallet-short"' in html
    assert 'id="wallet-top-up-link"' in html
    # nothing is chosen for the shopper: no method is pre-checked
    assert 'value="test" id="pay-test">' in html
    assert 'id="pay-wallet" disabled' in html
