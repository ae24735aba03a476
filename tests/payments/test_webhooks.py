"""Provider webhooks: signed exactly as Stripe signs, applied once, refused with no trace."""

import time

import pytest
from rest_framework.test import APIClient

from payments import services
from payments.models import Payment, PaymentMethod, Refund, WebhookEvent
from tests import factories
from tests.payments.helpers import (
    STRIPE_WEBHOOK_SECRET,
    deliver,
    event,
    intent_event,
    run_at_once,
    signature,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def card_payment(member):
    return factories.make_payment(member=member, method=PaymentMethod.CARD, amount=2480)


def test_the_same_event_three_times_changes_the_payment_once(api_client, card_payment, signal_log):
    payload = intent_event("payment_intent.succeeded", card_payment)

    answers = [deliver(api_client, payload) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["duplicate"] for a in answers] == [False, True, True]
    card_payment.refresh_from_db()
    assert card_payment.status == Payment.Status.SUCCEEDED
    assert card_payment.succeeded_at is not None
    assert signal_log.of("payment_succeeded") == [card_payment.pk]
    assert WebhookEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_ten_deliveries_at_once_change_the_payment_once(signal_log):
    """Real threads, each with its own database connection (PostgreSQL: row locks and the
    unique event id; SQLite: writers wait for the lock instead of failing)."""
    # given
    payment = factories.make_payment(method=PaymentMethod.CARD, amount=1980)
    payload = intent_event("payment_intent.succeeded", payment)
    header = signature(payload, secret=STRIPE_WEBHOOK_SECRET)

    # when
    def deliver_once(_):
        response = deliver(APIClient(), payload, header=header)
        return response.status_code, response.json()

    answers, failures = run_at_once(10, deliver_once)

    # then
    assert failures == []
    assert sorted(status for status, _ in answers) == [200] * 10
    assert sorted(body["duplicate"] for _, body in answers) == [False] + [True] * 9
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert signal_log.of("payment_succeeded") == [payment.pk]
    assert WebhookEvent.objects.count() == 1


@pytest.mark.parametrize(
    "case",
    ["tampered body", "wrong secret", "old timestamp", "missing header", "garbage header"],
)
def test_a_forged_or_stale_event_is_refused_with_no_side_effect(
    api_client, card_payment, signal_log, case
):
    payload = intent_event("payment_intent.succeeded", card_payment)
    header = signature(payload, secret=STRIPE_WEBHOOK_SECRET)
    if case == "tampered body":
        payload = payload.replace(f'"amount": {card_payment.amount}', '"amount": 1')
    elif case == "wrong secret":
        header = signature(payload, secret="whsec_somebody_else")
    elif case == "old timestamp":
        header = signature(payload, secret=STRIPE_WEBHOOK_SECRET, timestamp=int(time.time()) - 301)
    elif case == "missing header":
        header = ""
    else:
        header = "t=not-a-time,v1=zz"

    response = deliver(api_client, payload, header=header)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_webhook"
    assert WebhookEvent.objects.count() == 0
    card_payment.refresh_from_db()
    assert card_payment.status == Payment.Status.PENDING
    assert signal_log.events == []


def test_a_signed_body_that_is_no_event_is_refused(api_client):
    response = deliver(api_client, '{"hello": "world"}')

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_a_timestamp_within_five_minutes_is_accepted(api_client, card_payment):
    payload = intent_event("payment_intent.succeeded", card_payment)
    header = signature(payload, secret=STRIPE_WEBHOOK_SECRET, timestamp=int(time.time()) - 240)

    assert deliver(api_client, payload, header=header).status_code == 200


def test_a_late_failure_after_success_leaves_the_payment_succeeded(
    api_client, card_payment, signal_log
):
    deliver(api_client, intent_event("payment_intent.succeeded", card_payment))

    response = deliver(api_client, intent_event("payment_intent.payment_failed", card_payment))

    assert response.status_code == 200
    card_payment.refresh_from_db()
    assert card_payment.status == Payment.Status.SUCCEEDED
    assert signal_log.of("payment_failed") == []
    assert WebhookEvent.objects.count() == 2


def test_a_decline_fails_a_pending_payment_once(api_client, card_payment, signal_log):
    payload = intent_event("payment_intent.payment_failed", card_payment)

    deliver(api_client, payload)
    deliver(api_client, payload)

    card_payment.refresh_from_db()
    assert card_payment.status == Payment.Status.FAILED
    assert card_payment.failure_reason == "Your card was declined."
    assert signal_log.of("payment_failed") == [card_payment.pk]


@pytest.mark.parametrize("earlier", [Payment.Status.FAILED, Payment.Status.CANCELED])
def test_money_the_provider_took_after_a_failure_or_cancel_is_recorded(
    api_client, member, signal_log, earlier
):
    """A shopper retries after a decline, or pays just as the order expires: Stripe has the
    money, so the payment succeeds and payment_succeeded tells orders (which refunds what it
    cannot use)."""
    payment = factories.make_payment(member=member, method=PaymentMethod.CARD, status=earlier)

    deliver(api_client, intent_event("payment_intent.succeeded", payment))

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert signal_log.of("payment_succeeded") == [payment.pk]


def test_the_provider_canceling_a_pending_payment_is_a_failure(
    api_client, card_payment, signal_log
):
    deliver(api_client, intent_event("payment_intent.canceled", card_payment))

    card_payment.refresh_from_db()
    assert card_payment.status == Payment.Status.CANCELED
    assert signal_log.of("payment_failed") == [card_payment.pk]


def test_a_success_for_another_amount_changes_nothing(api_client, card_payment, signal_log):
    payload = intent_event("payment_intent.succeeded", card_payment, amount=1)

    assert deliver(api_client, payload).status_code == 200

    card_payment.refresh_from_db()
    assert card_payment.status == Payment.Status.PENDING
    assert signal_log.events == []


def test_unknown_events_and_unknown_intents_are_recorded_and_ignored(api_client, card_payment):
    unknown_type = event("customer.created", {"id": "cus_1", "object": "customer"})
    unknown_intent = event("payment_intent.succeeded", {"id": "pi_nobody", "amount": 1})

    assert deliver(api_client, unknown_type).status_code == 200
    assert deliver(api_client, unknown_intent).status_code == 200

    assert WebhookEvent.objects.count() == 2
    card_payment.refresh_from_db()
    assert card_payment.status == Payment.Status.PENDING


def test_the_test_provider_cannot_pay_a_card_payment(api_client, card_payment):
    """The test provider's secret is known in development; its events only reach test
    payments."""
    payload = intent_event("payment_intent.succeeded", card_payment)

    assert deliver(api_client, payload, provider="test").status_code == 200

    card_payment.refresh_from_db()
    assert card_payment.status == Payment.Status.PENDING


def test_the_test_webhook_does_not_exist_in_production(api_client, member, settings):
    settings.TEST_PAYMENTS_ENABLED = False
    payment = factories.make_payment(member=member)

    payload = intent_event("payment_intent.succeeded", payment)

    response = deliver(api_client, payload, provider="test")

    assert response.status_code == 404
    assert WebhookEvent.objects.count() == 0


def test_stripe_webhooks_without_a_configured_secret_are_refused(
    api_client, card_payment, settings
):
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = deliver(api_client, intent_event("payment_intent.succeeded", card_payment))

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_webhooks_need_no_csrf_token(csrf_api_client, card_payment):
    response = deliver(csrf_api_client, intent_event("payment_intent.succeeded", card_payment))

    assert response.status_code == 200


@pytest.mark.parametrize("how", ["refund.updated", "charge.refunded"])
def test_a_pending_card_refund_succeeds_by_webhook(api_client, member, signal_log, how):
    # given a card payment refunded in part, the refund pending at Stripe
    payment = factories.make_payment(
        member=member,
        method=PaymentMethod.CARD,
        status=Payment.Status.SUCCEEDED,
        refunded_amount=300,
    )
    refund = Refund.objects.create(
        payment=payment, amount=300, provider_ref="re_pending1", idempotency_key="r1"
    )
    refund_object = {"id": "re_pending1", "object": "refund", "status": "succeeded"}
    if how == "refund.updated":
        payload = event("refund.updated", {**refund_object, "amount": 300})
    else:
        payload = event(
            "charge.refunded",
            {
                "id": "ch_1",
                "object": "charge",
                "payment_intent": payment.provider_ref,
                "refunded": False,
                "refunds": {"object": "list", "data": [refund_object]},
            },
        )

    # when
    deliver(api_client, payload)
    deliver(api_client, payload)

    # then
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert signal_log.of("refund_succeeded") == [refund.pk]


def test_a_fully_refunded_charge_without_its_refund_list_succeeds_pending_refunds(
    api_client, member, signal_log
):
    payment = factories.make_payment(
        member=member,
        method=PaymentMethod.CARD,
        status=Payment.Status.SUCCEEDED,
        refunded_amount=1000,
    )
    refund = Refund.objects.create(
        payment=payment, amount=1000, provider_ref="re_x", idempotency_key="r-full"
    )
    charge = {
        "id": "ch_2",
        "object": "charge",
        "payment_intent": payment.provider_ref,
        "refunded": True,
    }

    deliver(api_client, event("charge.refunded", charge))

    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert signal_log.of("refund_succeeded") == [refund.pk]


def test_a_failed_card_refund_makes_its_amount_refundable_again(api_client, member, signal_log):
    payment = factories.make_payment(
        member=member,
        method=PaymentMethod.CARD,
        status=Payment.Status.SUCCEEDED,
        refunded_amount=400,
    )
    refund = Refund.objects.create(
        payment=payment, amount=400, provider_ref="re_doomed", idempotency_key="r2"
    )

    deliver(api_client, event("refund.failed", {"id": "re_doomed", "status": "failed"}))

    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert payment.refunded_amount == 0
    assert signal_log.of("refund_succeeded") == []


def test_the_test_provider_plays_a_payment_racing_its_cancel(member, signal_log):
    """The card network does not know the payment was canceled here (its order expired): the
    success still comes in through the webhook path and is recorded."""
    payment = factories.make_payment(member=member)
    services.cancel_payment(payment=payment)

    services.confirm_test_payment(payment=payment, outcome="succeed")

    assert payment.status == Payment.Status.SUCCEEDED
    assert signal_log.of("payment_succeeded") == [payment.pk]
