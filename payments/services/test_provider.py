"""The test provider: a card network of our own, for development and tests only."""

from __future__ import annotations

import json
import logging

from django.conf import settings

from omostore.errors import DomainError
from payments import providers
from payments.errors import (
    PaymentMethodUnavailable,
)
from payments.models import (
    Payment,
    PaymentMethod,
)
from payments.services.common import TEST_OUTCOMES
from payments.services.webhooks import handle_webhook

logger = logging.getLogger(__name__)

# A PositiveIntegerField holds at most this on every database we run on.
# Top-up bounds in major units (¥100 to ¥100,000); minor units scale with the currency.


def confirm_test_payment(*, payment: Payment, outcome: str) -> None:
    """The test provider's card network: the shopper's "card" is charged ("succeed") or declined
    ("decline"), and the outcome comes back as a signed Stripe-format event through
    `handle_webhook`, the same code path as Stripe's own webhooks.

    Like a real provider it does not know what we did with the payment meanwhile: confirming a
    payment canceled here plays the race of a shopper paying as the order expires (the webhook
    code then decides). The confirm API lets shoppers confirm only pending payments."""
    if not settings.TEST_PAYMENTS_ENABLED or payment.method != PaymentMethod.TEST:
        raise PaymentMethodUnavailable("The test payment provider exists only outside production.")
    if outcome not in TEST_OUTCOMES:
        raise DomainError("outcome must be succeed or decline.")
    succeed = outcome == "succeed"
    event = providers.payment_intent_event(
        event_type="payment_intent.succeeded" if succeed else "payment_intent.payment_failed",
        intent_id=payment.provider_ref,
        amount=payment.amount,
        currency=payment.currency,
        metadata={"reference": payment.reference, "payment_id": str(payment.pk)},
        status="succeeded" if succeed else "requires_payment_method",
        last_payment_error=None
        if succeed
        else {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "generic_decline",
            "message": "Your card was declined.",
        },
    )
    payload = json.dumps(event)
    handle_webhook(
        provider="test",
        payload=payload.encode(),
        signature_header=providers.sign_payload(
            payload, secret=settings.TEST_PAYMENTS_WEBHOOK_SECRET
        ),
    )
    payment.refresh_from_db()
