"""Provider events for the tests, signed with Stripe's own scheme (the `stripe` library's
`WebhookSignature`), never sent over a network."""

import json
import secrets
import threading
import time

import stripe
from django.urls import reverse

STRIPE_WEBHOOK_SECRET = "whsec_stripe_secret_of_the_tests"
TEST_WEBHOOK_SECRET = "whsec_test_provider_secret_of_the_tests"
SECRETS = {"stripe": STRIPE_WEBHOOK_SECRET, "test": TEST_WEBHOOK_SECRET}


def event(event_type: str, obj: dict, *, event_id: str | None = None) -> str:
    return json.dumps(
        {
            "id": event_id or f"evt_{secrets.token_hex(12)}",
            "object": "event",
            "api_version": stripe.api_version,
            "type": event_type,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
    )


def intent_event(event_type: str, payment, *, event_id: str | None = None, **changes) -> str:
    """A `payment_intent.*` event about `payment`'s PaymentIntent."""
    status = {
        "payment_intent.succeeded": "succeeded",
        "payment_intent.payment_failed": "requires_payment_method",
        "payment_intent.canceled": "canceled",
    }.get(event_type, "processing")
    obj = {
        "id": payment.provider_ref,
        "object": "payment_intent",
        "amount": payment.amount,
        "currency": payment.currency.lower(),
        "metadata": {"reference": payment.reference, "payment_id": str(payment.pk)},
        "status": status,
        "last_payment_error": (
            {"code": "card_declined", "message": "Your card was declined."}
            if event_type == "payment_intent.payment_failed"
            else None
        ),
        **changes,
    }
    return event(event_type, obj, event_id=event_id)


def signature(payload: str, *, secret: str, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)


def deliver(client, payload: str, *, provider: str = "stripe", header: str | None = None):
    """POST the event to the provider's webhook URL, signed unless `header` is given."""
    if header is None:
        header = signature(payload, secret=SECRETS[provider])
    extra = {"HTTP_STRIPE_SIGNATURE": header} if header else {}
    return client.post(
        reverse(f"api-payment-webhook-{provider}"),
        data=payload.encode(),
        content_type="application/json",
        **extra,
    )


def run_at_once(count: int, work) -> tuple[list, list[str]]:
    """Run `work(i)` in `count` real threads released together by a barrier; each thread uses
    and then closes its own database connection. Returns (results, failures)."""
    from django.db import connection

    barrier = threading.Barrier(count)
    lock = threading.Lock()
    results: list = []
    failures: list[str] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            result = work(i)
            with lock:
                results.append(result)
        except Exception as exc:  # every failure is a finding: the caller asserts none
            with lock:
                failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if any(thread.is_alive() for thread in threads):
        failures.append("a thread did not finish in 120 s")
    return results, failures
