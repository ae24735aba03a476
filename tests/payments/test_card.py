"""Card payments through the real `stripe` library, against a local stand-in for Stripe's API."""

import pytest

from payments import services
from payments.errors import PaymentMethodUnavailable, PaymentProviderError
from payments.models import Payment, PaymentMethod, Refund, WalletEntry
from tests import factories
from tests.payments.helpers import deliver, event, intent_event

pytestmark = pytest.mark.django_db


def pay_by_card(member, amount: int = 2480, currency: str = "JPY", key: str = "order:ORD-7"):
    return services.start_payment(
        member=member,
        reference="ORD-7",
        amount=amount,
        currency=currency,
        method=PaymentMethod.CARD,
        idempotency_key=key,
    )


def test_a_card_payment_creates_a_payment_intent(member, stripe_stub):
    payment = pay_by_card(member)

    [sent] = stripe_stub.calls(r"/v1/payment_intents")
    assert sent["params"] == {
        "amount": "2480",
        "currency": "jpy",
        "metadata[reference]": "ORD-7",
        "metadata[payment_id]": str(payment.pk),
    }
    assert sent["headers"]["Idempotency-Key"] == "order:ORD-7"
    assert sent["headers"]["Authorization"] == "Bearer sk_test_stub_key"
    assert payment.status == Payment.Status.PENDING
    assert payment.provider_ref.startswith("pi_")
    assert payment.client_secret.startswith(f"{payment.provider_ref}_secret_")
    payment.refresh_from_db()
    assert payment.provider_ref.startswith("pi_")


def test_amounts_go_to_stripe_in_minor_units(member, stripe_stub):
    pay_by_card(member, amount=1999, currency="USD")

    [sent] = stripe_stub.calls(r"/v1/payment_intents")
    assert (sent["params"]["amount"], sent["params"]["currency"]) == ("1999", "usd")


def test_the_same_key_creates_one_payment_intent(member, stripe_stub):
    first = pay_by_card(member)
    again = pay_by_card(member)

    assert again.pk == first.pk
    assert len(stripe_stub.calls(r"/v1/payment_intents")) == 1


def test_cards_are_unavailable_without_a_stripe_key(member):
    with pytest.raises(PaymentMethodUnavailable):
        pay_by_card(member)

    assert Payment.objects.count() == 0


def test_a_refused_payment_intent_fails_the_payment(member, stripe_stub, signal_log):
    stripe_stub.fail_paths.add(r"/v1/payment_intents")

    with pytest.raises(PaymentProviderError):
        pay_by_card(member)

    payment = Payment.objects.get()
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_reason.startswith("provider error")
    assert signal_log.of("payment_failed") == [payment.pk]


def test_a_card_payment_succeeds_by_its_webhook(api_client, member, stripe_stub, signal_log):
    payment = pay_by_card(member)

    response = deliver(api_client, intent_event("payment_intent.succeeded", payment))

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert signal_log.of("payment_succeeded") == [payment.pk]


def test_canceling_a_card_payment_cancels_its_intent_after_commit(
    member, stripe_stub, django_capture_on_commit_callbacks
):
    payment = pay_by_card(member)

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_payment(payment=payment)

    assert payment.status == Payment.Status.CANCELED
    [sent] = stripe_stub.calls(r"/v1/payment_intents/[^/]+/cancel")
    assert sent["path"] == f"/v1/payment_intents/{payment.provider_ref}/cancel"


def test_a_failing_intent_cancel_is_tolerated(
    member, stripe_stub, django_capture_on_commit_callbacks
):
    payment = pay_by_card(member)
    stripe_stub.fail_paths.add(r"/v1/payment_intents/[^/]+/cancel")

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_payment(payment=payment)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELED


def test_canceling_a_succeeded_payment_changes_nothing(member, stripe_stub):
    payment = factories.make_payment(
        member=member, method=PaymentMethod.CARD, status=Payment.Status.SUCCEEDED
    )

    services.cancel_payment(payment=payment)

    assert payment.status == Payment.Status.SUCCEEDED
    assert stripe_stub.requests == []


def succeeded_card_payment(member) -> Payment:
    payment = factories.make_payment(
        member=member, method=PaymentMethod.CARD, status=Payment.Status.SUCCEEDED, amount=3000
    )
    return payment


def test_a_card_refund_stripe_answers_succeeded_succeeds_at_once(member, stripe_stub, signal_log):
    payment = succeeded_card_payment(member)

    refund = services.refund_payment(
        payment=payment, amount=1000, reason="bruised", idempotency_key="refund:card:1"
    )

    [sent] = stripe_stub.calls(r"/v1/refunds")
    assert sent["params"] == {
        "payment_intent": payment.provider_ref,
        "amount": "1000",
        "metadata[reference]": payment.reference,
        "metadata[payment_id]": str(payment.pk),
        "metadata[refund_id]": str(refund.pk),
    }
    assert sent["headers"]["Idempotency-Key"] == "refund:card:1"
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.provider_ref.startswith("re_")
    assert payment.refunded_amount == 1000
    assert signal_log.of("refund_succeeded") == [refund.pk]


def test_a_pending_card_refund_waits_for_its_webhook(api_client, member, stripe_stub, signal_log):
    stripe_stub.refund_status = "pending"
    payment = succeeded_card_payment(member)

    refund = services.refund_payment(
        payment=payment, amount=3000, reason="", idempotency_key="refund:card:2"
    )

    assert refund.status == Refund.Status.PENDING
    assert payment.refunded_amount == 3000  # held back: no second refund can pass it
    assert signal_log.of("refund_succeeded") == []

    deliver(api_client, event("refund.updated", {"id": refund.provider_ref, "status": "succeeded"}))

    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert signal_log.of("refund_succeeded") == [refund.pk]


def test_a_refund_stripe_refuses_changes_nothing(member, stripe_stub, signal_log):
    stripe_stub.fail_paths.add(r"/v1/refunds")
    payment = succeeded_card_payment(member)

    with pytest.raises(PaymentProviderError):
        services.refund_payment(
            payment=payment, amount=1000, reason="", idempotency_key="refund:card:3"
        )

    payment.refresh_from_db()
    assert payment.refunded_amount == 0
    assert Refund.objects.count() == 0
    assert signal_log.events == []


def test_a_card_top_up_is_credited_by_its_webhook(api_client, member, stripe_stub):
    payment = services.start_top_up(
        member=member, amount=5000, method=PaymentMethod.CARD, idempotency_key="top-up:card"
    )

    [sent] = stripe_stub.calls(r"/v1/payment_intents")
    assert sent["params"]["metadata[reference]"] == f"TOPUP-{payment.pk}"
    assert sent["params"]["amount"] == "5000"
    payload = intent_event("payment_intent.succeeded", payment)
    deliver(api_client, payload)
    deliver(api_client, payload)

    entry = WalletEntry.objects.get(payment=payment)
    assert (entry.kind, entry.amount, entry.balance_after) == ("top_up", 5000, 5000)
