"""API tokens: made at log-in, listed and revoked by their owner, checked on every API call.

Services and selectors of `ApiToken` (kept apart from `services.py`, which holds the member and
staff-role writes).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import ApiToken, User
from omostore.errors import NotFound

KEY_PREFIX = "omo_"  # lets secret scanners recognise a leaked key
# `last_used_at` is written at most this often per token, not on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def issue_api_token(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Make a new token for `user` and return it with its key, which is never shown again.

    The user's expired tokens are deleted; past `API_TOKENS_PER_USER` live tokens, the ones
    used least recently go, so a script that logs in on every run cannot pile them up.
    """
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    keep = settings.API_TOKENS_PER_USER - 1
    stale = list(
        ApiToken.objects.filter(user=user)
        .order_by(Coalesce("last_used_at", "created_at").desc(), "-pk")
        .values_list("pk", flat=True)[keep:]
    )
    if stale:
        ApiToken.objects.filter(pk__in=stale).delete()
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=_digest(key),
        key_prefix=key[: len(KEY_PREFIX) + 6],
        created_at=now,
        expires_at=now + settings.API_TOKEN_TTL,
    )
    return token, key


def token_for_key(*, key: str) -> ApiToken | None:
    """The live token whose key is `key` (with its user), or None for an unknown, revoked or
    expired key. Notes the use, at most once per `LAST_USED_PRECISION`."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_digest(key), expires_at__gt=now)
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or token.last_used_at <= now - LAST_USED_PRECISION:
        # A conditional UPDATE: concurrent requests with the same key write it once.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_PRECISION)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


def live_api_tokens(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still work, most recently made first."""
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now()).order_by(
        F("created_at").desc(), "-pk"
    )


def revoke_api_token(*, user: User, token_id: int) -> None:
    """Delete one of the user's own tokens; another person's (or no) token is NotFound."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if not deleted:
        raise NotFound("No such token.")
