"""Provider events in: the single code path of Stripe's and the test provider's webhooks."""

from __future__ import annotations

import json
import logging
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction

from payments import providers
from payments.errors import (
    InvalidWebhook,
)
from payments.models import (
    Payment,
    Refund,
    WebhookEvent,
)
from payments.services.common import WEBHOOK_PROVIDERS, Status
from payments.services.payments import _mark_failed, _mark_succeeded
from payments.services.refunds import _apply_refund_status, _mark_refund_succeeded

logger = logging.getLogger(__name__)

# A PositiveIntegerField holds at most this on every database we run on.
# Top-up bounds in major units (¥100 to ¥100,000); minor units scale with the currency.


def _webhook_secret(provider: str) -> str:
    if provider == "stripe":
        secret = settings.STRIPE_WEBHOOK_SECRET
    elif provider == "test":
        if not settings.TEST_PAYMENTS_ENABLED:
            raise InvalidWebhook("The test provider exists only outside production.")
        secret = settings.TEST_PAYMENTS_WEBHOOK_SECRET
    else:
        raise InvalidWebhook(f"Unknown payment provider {provider!r}.")
    if not secret:
        raise InvalidWebhook(f"Webhooks of {provider} are not configured.")
    return secret


def _parse_event(payload: bytes) -> dict[str, Any]:
    try:
        event = json.loads(payload)
        if not (
            isinstance(event, dict)
            and isinstance(event.get("id"), str)
            and 0 < len(event["id"]) <= 120
            and isinstance(event.get("type"), str)
            and 0 < len(event["type"]) <= 80
            and isinstance(event.get("data"), dict)
            and isinstance(event["data"].get("object"), dict)
        ):
            raise ValueError("not an event")
    except ValueError as exc:
        raise InvalidWebhook("The webhook body is not a provider event.") from exc
    return event


def handle_webhook(*, provider: str, payload: bytes, signature_header: str) -> WebhookEvent | None:
    """Take one provider event in: the single code path of Stripe's and the test provider's
    webhooks.

    The signature is checked first (Stripe's scheme, 300 s tolerance): InvalidWebhook, and no
    trace, when it fails. The event is then recorded, once per event id (a unique constraint,
    inserted first): a replay returns None and changes nothing. Its change is made in the same
    transaction, by a conditional UPDATE, so concurrent deliveries change state once.
    """
    secret = _webhook_secret(provider)
    try:
        providers.verify_event(
            payload=payload, signature_header=signature_header or "", secret=secret
        )
    except (stripe.SignatureVerificationError, ValueError, TypeError, AttributeError) as exc:
        raise InvalidWebhook("The webhook signature or body is not valid.") from exc
    event = _parse_event(payload)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = WebhookEvent.objects.create(
                    provider=provider,
                    event_id=event["id"],
                    event_type=event["type"],
                    payload=event,
                )
        except IntegrityError:
            return None
        _apply_event(method=WEBHOOK_PROVIDERS[provider], event=event)
    return record


def _apply_event(*, method: str, event: dict[str, Any]) -> None:
    kind, obj = event["type"], event["data"]["object"]
    if kind.startswith("payment_intent."):
        _apply_payment_intent_event(method=method, kind=kind, intent=obj)
    elif kind == "charge.refunded":
        _apply_charge_refunded(method=method, charge=obj)
    elif kind in ("refund.updated", "refund.failed"):
        refund = _refund_for(method=method, refund_ref=obj.get("id"))
        if refund is not None:
            _apply_refund_status(refund_id=refund.pk, status=obj.get("status"))
    else:
        logger.info("ignored provider event %s (%s)", event["id"], kind)


def _apply_payment_intent_event(*, method: str, kind: str, intent: dict[str, Any]) -> None:
    intent_id = intent.get("id")
    payment = (
        Payment.objects.filter(method=method, provider_ref=intent_id).first()
        if isinstance(intent_id, str) and intent_id
        else None
    )
    if payment is None:
        logger.warning("%s for unknown PaymentIntent %s", kind, intent.get("id"))
        return
    if kind == "payment_intent.succeeded":
        if intent.get("amount") != payment.amount or (
            str(intent.get("currency", "")).lower() != payment.currency.lower()
        ):
            logger.error(
                "PaymentIntent %s succeeded for %s %s; payment %s is %s %s: left as it is",
                payment.provider_ref,
                intent.get("amount"),
                intent.get("currency"),
                payment.pk,
                payment.amount,
                payment.currency,
            )
            return
        # The provider has the money: a payment we had canceled (its order expired) or seen
        # fail (the shopper then retried) succeeds too, and orders refunds what it cannot use.
        _mark_succeeded(
            payment_id=payment.pk,
            from_statuses=(Status.PENDING, Status.FAILED, Status.CANCELED),
        )
    elif kind == "payment_intent.payment_failed":
        error = intent.get("last_payment_error") or {}
        _mark_failed(
            payment_id=payment.pk,
            status=Status.FAILED,
            reason=str(error.get("message") or "declined"),
        )
    elif kind == "payment_intent.canceled":
        _mark_failed(
            payment_id=payment.pk,
            status=Status.CANCELED,
            reason=str(intent.get("cancellation_reason") or "canceled by the provider"),
        )


def _refund_for(*, method: str, refund_ref: Any) -> Refund | None:
    if not isinstance(refund_ref, str) or not refund_ref:
        return None
    return Refund.objects.filter(payment__method=method, provider_ref=refund_ref).first()


def _apply_charge_refunded(*, method: str, charge: dict[str, Any]) -> None:
    listed = (charge.get("refunds") or {}).get("data") or []
    if listed:
        for item in listed:
            refund = _refund_for(method=method, refund_ref=item.get("id"))
            if refund is not None:
                _apply_refund_status(refund_id=refund.pk, status=item.get("status"))
        return
    # Newer API versions leave the refunds out of the charge; a fully refunded charge means
    # every refund of its payment went through.
    if charge.get("refunded") and charge.get("payment_intent"):
        for refund_id in Refund.objects.filter(
            payment__method=method,
            payment__provider_ref=charge["payment_intent"],
            status=Refund.Status.PENDING,
        ).values_list("pk", flat=True):
            _mark_refund_succeeded(refund_id=refund_id)
