"""Helpers shared by the orders tests."""

import itertools

from rest_framework.test import APIClient

from catalog.models import StoreOffer
from tests import factories

_keys = itertools.count(1)

TOKYO_NEAR = {
    "address": "2-1 Nihonbashi, Chuo-ku",
    "latitude": "35.683000",
    "longitude": "139.774000",
    "phone": "+81 90-1234-5678",
}
OSAKA = {
    "address": "Umeda, Osaka",
    "latitude": "34.702500",
    "longitude": "135.495900",
    "phone": "06-1234-5678",
}


def member_client(member) -> APIClient:
    client = APIClient()
    client.force_authenticate(member.user)
    return client


def add(client, offer: StoreOffer, quantity=1):
    return client.post(
        "/api/v1/cart/lines/",
        {"store": offer.store.code, "sku": offer.product.sku, "quantity": quantity},
        format="json",
    )


def checkout(client, store, *, channel="in_store", method="test", key=None, **extra):
    body = {"store": store.code, "channel": channel, "payment_method": method, **extra}
    return client.post(
        "/api/v1/checkout/",
        body,
        format="json",
        HTTP_IDEMPOTENCY_KEY=key or f"key-{next(_keys)}",
    )


def confirm(client, response, outcome="succeed"):
    payment = response.json()["payment"]
    return client.post(payment["confirm_url"], {"outcome": outcome}, format="json")


def member_with_cart(offer, quantity=1):
    member = factories.make_member()
    client = member_client(member)
    assert add(client, offer, quantity).status_code == 201
    return member, client


def provider_reports_success(payment) -> None:
    """The test provider reports that `payment` went through (its signed webhook), whatever
    the order's state: the way a payment racing an expiry or a second payment arrives."""
    import json

    from django.conf import settings

    from payments import providers
    from payments import services as payment_services

    event = json.dumps(
        providers.payment_intent_event(
            event_type="payment_intent.succeeded",
            intent_id=payment.provider_ref,
            amount=payment.amount,
            currency=payment.currency,
            metadata={"reference": payment.reference},
            status="succeeded",
        )
    )
    payment_services.handle_webhook(
        provider="test",
        payload=event.encode(),
        signature_header=providers.sign_payload(
            event, secret=settings.TEST_PAYMENTS_WEBHOOK_SECRET
        ),
    )
