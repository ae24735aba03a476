"""The providers' side of a payment: Stripe's API through the `stripe` library, and the events of
the test provider, built and signed exactly as Stripe builds and signs its own.

Only `payments.services` calls this module; it holds no business rules.
"""

from __future__ import annotations

import functools
import secrets
import time
from typing import Any

import stripe
from django.conf import settings

from payments.errors import PaymentMethodUnavailable

# Stripe's own default: a signed event older than five minutes is refused (replay protection).
WEBHOOK_TOLERANCE_SECONDS = 300
STRIPE_TIMEOUT_SECONDS = 20
STRIPE_NETWORK_RETRIES = 2  # the library retries with the same Idempotency-Key


@functools.lru_cache(maxsize=4)
def _client(api_key: str, api_base: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=STRIPE_NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=STRIPE_TIMEOUT_SECONDS),
    )


def stripe_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def stripe_client() -> stripe.StripeClient:
    """A client for the configured account; no global `stripe.api_key`, so settings changed at
    run time (and tests pointing STRIPE_API_BASE at a stub) take effect."""
    if not stripe_configured():
        raise PaymentMethodUnavailable("Card payments are not available (no Stripe key is set).")
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE.rstrip("/"))


def create_payment_intent(
    *, amount: int, currency: str, metadata: dict[str, str], idempotency_key: str
) -> stripe.PaymentIntent:
    return stripe_client().v1.payment_intents.create(
        params={"amount": amount, "currency": currency.lower(), "metadata": metadata},
        options={"idempotency_key": idempotency_key},
    )


def cancel_payment_intent(*, intent_id: str) -> stripe.PaymentIntent:
    return stripe_client().v1.payment_intents.cancel(intent_id)


def create_refund(
    *, payment_intent: str, amount: int, metadata: dict[str, str], idempotency_key: str
) -> stripe.Refund:
    return stripe_client().v1.refunds.create(
        params={"payment_intent": payment_intent, "amount": amount, "metadata": metadata},
        options={"idempotency_key": idempotency_key},
    )


def verify_event(*, payload: bytes, signature_header: str, secret: str) -> None:
    """Raises stripe.SignatureVerificationError (bad or missing signature, old timestamp) or
    ValueError (not JSON, not an event)."""
    stripe.Webhook.construct_event(
        payload, signature_header, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
    )


# --- The test provider ----------------------------------------------------------------------------


def new_test_intent_id() -> str:
    return f"testpi_{secrets.token_hex(12)}"


def new_test_refund_id() -> str:
    return f"testre_{secrets.token_hex(12)}"


def payment_intent_event(
    *,
    event_type: str,
    intent_id: str,
    amount: int,
    currency: str,
    metadata: dict[str, str],
    status: str,
    last_payment_error: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An event in Stripe's shape (`payment_intent.succeeded`, `payment_intent.payment_failed`,
    ...), as the test provider's card network sends it."""
    now = int(time.time())
    return {
        "id": f"evt_test_{secrets.token_hex(12)}",
        "object": "event",
        "api_version": stripe.api_version,
        "type": event_type,
        "created": now,
        "livemode": False,
        "pending_webhooks": 1,
        "data": {
            "object": {
                "id": intent_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_received": amount if status == "succeeded" else 0,
                "currency": currency.lower(),
                "metadata": metadata,
                "status": status,
                "created": now,
                "livemode": False,
                "last_payment_error": last_payment_error,
            }
        },
    }


def sign_payload(payload: str, *, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header for `payload`: `t=<unix>,v1=<HMAC-SHA256 hex>`."""
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)
