"""The payments API: the test provider's confirm step, the wallet and its top-ups."""

import pytest
from django.urls import reverse

from payments.models import Payment, PaymentMethod, WalletAccount, WalletTopUp, WebhookEvent
from tests import factories

pytestmark = pytest.mark.django_db

TOP_UPS = "/api/v1/wallet/top-ups/"
WALLET = "/api/v1/wallet/"


def confirm_url(payment: Payment) -> str:
    return f"/api/v1/payments/test/{payment.pk}/confirm/"


@pytest.fixture
def shopper(api_client, member):
    api_client.force_authenticate(member.user)
    return api_client


def top_up(client, body: dict, key: str | None = "key-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(TOP_UPS, body, format="json", **headers)


# --- Confirming a test payment --------------------------------------------------------------------


def test_the_owner_confirms_a_test_payment_through_the_signed_webhook(shopper, member, signal_log):
    payment = factories.make_payment(member=member, amount=1280)
    assert reverse("api-test-payment-confirm", args=[payment.pk]) == confirm_url(payment)

    response = shopper.post(confirm_url(payment), {"outcome": "succeed"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["confirm_url"]) == (payment.pk, "succeeded", None)
    assert body["amount"] == {"amount": 1280, "currency": "JPY", "formatted": "¥1,280"}
    recorded = WebhookEvent.objects.get()
    assert (recorded.provider, recorded.event_type) == ("test", "payment_intent.succeeded")
    assert recorded.event_id.startswith("evt_test_")
    assert recorded.payload["data"]["object"]["id"] == payment.provider_ref
    assert signal_log.of("payment_succeeded") == [payment.pk]


def test_a_declined_test_payment_fails(shopper, member, signal_log):
    payment = factories.make_payment(member=member)

    response = shopper.post(confirm_url(payment), {"outcome": "decline"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "failed"
    assert signal_log.of("payment_failed") == [payment.pk]


def test_another_members_payment_is_not_found(shopper):
    payment = factories.make_payment()

    response = shopper.post(confirm_url(payment), {"outcome": "succeed"}, format="json")

    assert response.status_code == 404
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_an_anonymous_shopper_cannot_confirm(api_client, member):
    payment = factories.make_payment(member=member)

    response = api_client.post(confirm_url(payment), {"outcome": "succeed"}, format="json")

    assert response.status_code in (401, 403)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_a_staff_user_without_a_member_gets_not_found(api_client, member):
    payment = factories.make_payment(member=member)
    api_client.force_authenticate(factories.make_user())

    response = api_client.post(confirm_url(payment), {"outcome": "succeed"}, format="json")

    assert response.status_code == 404


def test_confirm_does_not_exist_in_production(shopper, member, settings):
    settings.TEST_PAYMENTS_ENABLED = False
    payment = factories.make_payment(member=member)

    response = shopper.post(confirm_url(payment), {"outcome": "succeed"}, format="json")

    assert response.status_code == 404
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_only_test_payments_are_confirmed(shopper, member):
    payment = factories.make_payment(member=member, method=PaymentMethod.CARD)

    response = shopper.post(confirm_url(payment), {"outcome": "succeed"}, format="json")

    assert response.status_code == 404


@pytest.mark.parametrize(
    "status", [Payment.Status.SUCCEEDED, Payment.Status.FAILED, Payment.Status.CANCELED]
)
def test_only_pending_payments_are_confirmed(shopper, member, status):
    payment = factories.make_payment(member=member, status=status)

    response = shopper.post(confirm_url(payment), {"outcome": "succeed"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "payment_not_pending"
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize("body", [{}, {"outcome": "maybe"}, {"outcome": ""}])
def test_the_outcome_is_succeed_or_decline(shopper, member, body):
    payment = factories.make_payment(member=member)

    response = shopper.post(confirm_url(payment), body, format="json")

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


# --- Wallet and top-ups ---------------------------------------------------------------------------


def test_a_top_up_through_the_test_provider_reaches_the_wallet(shopper, member):
    # given
    created = top_up(shopper, {"amount": 5000, "method": "test"})
    assert created.status_code == 201
    payment = created.json()
    assert (payment["status"], payment["method"]) == ("pending", "test")
    assert payment["reference"] == f"TOPUP-{payment['id']}"
    assert payment["client_secret"] is None

    # when
    confirmed = shopper.post(payment["confirm_url"], {"outcome": "succeed"}, format="json")

    # then
    assert confirmed.json()["status"] == "succeeded"
    wallet = shopper.get(WALLET).json()
    assert wallet["balance"] == {"amount": 5000, "currency": "JPY", "formatted": "¥5,000"}
    [entry] = wallet["entries"]
    assert entry["kind"] == "top_up"
    assert entry["amount"]["amount"] == 5000
    assert entry["balance_after"]["amount"] == 5000
    assert entry["reference"] == payment["reference"]


def test_a_card_top_up_answers_with_the_client_secret(shopper, stripe_stub):
    response = top_up(shopper, {"amount": 3000, "method": "card"})

    assert response.status_code == 201
    body = response.json()
    assert body["client_secret"].startswith("pi_")
    assert body["confirm_url"] is None
    [sent] = stripe_stub.calls(r"/v1/payment_intents")
    assert sent["params"]["amount"] == "3000"


def test_cards_are_unavailable_for_top_ups_without_stripe(shopper):
    response = top_up(shopper, {"amount": 3000, "method": "card"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "payment_method_unavailable"
    assert Payment.objects.count() == 0


def test_the_same_idempotency_key_returns_the_same_top_up(shopper):
    first = top_up(shopper, {"amount": 5000, "method": "test"})
    again = top_up(shopper, {"amount": 5000, "method": "test"})
    other_body = top_up(shopper, {"amount": 6000, "method": "test"})

    assert again.json()["id"] == first.json()["id"]
    assert other_body.status_code == 422
    assert other_body.json()["error"]["code"] == "idempotency_key_reused"
    assert Payment.objects.count() == 1


def test_members_do_not_share_idempotency_keys(shopper, api_client):
    top_up(shopper, {"amount": 5000, "method": "test"}, key="shared")
    other = factories.make_member()
    api_client.force_authenticate(other.user)

    response = top_up(api_client, {"amount": 5000, "method": "test"}, key="shared")

    assert response.status_code == 201
    assert Payment.objects.filter(member=other).count() == 1


@pytest.mark.parametrize("key", [None, "", "   ", "k" * 81])
def test_a_top_up_needs_an_idempotency_key(shopper, key):
    response = top_up(shopper, {"amount": 5000, "method": "test"}, key=key)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_required"
    assert Payment.objects.count() == 0


@pytest.mark.parametrize(
    "amount", [0, -1, 10**9, "1e3", 1.5, 1.0, 99, 100_001, True, None, "", "abc", [100]]
)
def test_bad_top_up_amounts_are_refused_and_create_nothing(shopper, amount):
    response = top_up(shopper, {"amount": amount, "method": "test"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("validation_error", "invalid_amount")
    assert Payment.objects.count() == 0
    assert WalletAccount.objects.count() == 0
    assert WalletTopUp.objects.count() == 0


@pytest.mark.parametrize("amount", [100, 100_000, "5000"])
def test_top_up_bounds_are_inclusive(shopper, amount):
    assert top_up(shopper, {"amount": amount, "method": "test"}).status_code == 201


@pytest.mark.parametrize("method", ["wallet", "cash", ""])
def test_a_top_up_is_paid_by_card_or_the_test_provider(shopper, method):
    response = top_up(shopper, {"amount": 5000, "method": method})

    assert response.status_code == 400
    assert Payment.objects.count() == 0


def test_test_top_ups_do_not_exist_in_production(shopper, settings):
    settings.TEST_PAYMENTS_ENABLED = False

    response = top_up(shopper, {"amount": 5000, "method": "test"})

    assert response.status_code == 400
    assert Payment.objects.count() == 0


def test_an_empty_wallet_is_shown_without_being_opened(shopper, member):
    response = shopper.get(WALLET)

    assert response.status_code == 200
    assert response.json() == {
        "balance": {"amount": 0, "currency": "JPY", "formatted": "¥0"},
        "entries": [],
    }
    assert not WalletAccount.objects.filter(member=member).exists()


def test_the_wallet_shows_the_last_twenty_entries_newest_first(shopper, member):
    account = factories.make_wallet(member=member, balance=0)
    for n in range(1, 26):
        account.entries.create(kind="top_up", amount=n, balance_after=n, idempotency_key=f"e{n}")

    entries = shopper.get(WALLET).json()["entries"]

    assert [e["amount"]["amount"] for e in entries] == list(range(25, 5, -1))


def test_the_wallet_is_for_members(api_client):
    assert api_client.get(WALLET).status_code in (401, 403)
    api_client.force_authenticate(factories.make_user())
    assert api_client.get(WALLET).status_code == 404
