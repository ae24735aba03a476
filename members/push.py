"""Web Push delivery (RFC 8030/8291/8292) through pywebpush: VAPID-signed, aes128gcm-encrypted
POSTs to the push service a browser subscribed with. Called from Celery only."""

from __future__ import annotations

import base64
import functools
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

# A subscription the push service says is gone: delete it (RFC 8030 §7.3).
GONE = {404, 410}


@dataclass(frozen=True)
class PushOutcome:
    delivered: bool
    status: int | None
    gone: bool


@functools.cache
def _vapid(private_key: str) -> Vapid02:
    return Vapid02.from_string(private_key=private_key)


def vapid_public_key() -> str:
    """The applicationServerKey browsers subscribe with: the uncompressed P-256 point,
    base64url; empty when no VAPID key is configured."""
    if not settings.VAPID_PRIVATE_KEY:
        return ""
    raw = _vapid(settings.VAPID_PRIVATE_KEY).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def endpoint_allowed(endpoint: str) -> bool:
    """https to a known push service (WEB_PUSH_HOSTS, by host suffix)."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" and not (
        parts.scheme == "http" and host in {"127.0.0.1", "localhost"} and not settings.PRODUCTION
    ):
        return False
    return any(host == h or host.endswith("." + h) for h in settings.WEB_PUSH_HOSTS)


def send(*, endpoint: str, p256dh: str, auth: str, payload: dict, ttl: int, urgency: str):
    """POST one encrypted message; a push service that answers 404 or 410 means the
    subscription is gone."""
    try:
        response = webpush(
            subscription_info={"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=_vapid(settings.VAPID_PRIVATE_KEY),
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=ttl,
            headers={"Urgency": urgency},
            timeout=settings.WEB_PUSH_TIMEOUT,
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        return PushOutcome(delivered=False, status=status, gone=status in GONE)
    return PushOutcome(delivered=True, status=response.status_code, gone=False)
