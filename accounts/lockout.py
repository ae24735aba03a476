"""Log-in lockout (django-axes) for the site log-in, the admin log-in and the token endpoint.

Two limits, counted over failures newer than the cool-off (`AXES_COOLOFF_TIME`):

- **one account from one address** (`AXES_FAILURE_LIMIT`, 5): guessing one person's password from
  one place stops after a few tries. The real owner, elsewhere, is never locked out by it.
- **one address, any accounts** (`LOGIN_IP_FAILURE_LIMIT`, 30): one source trying many accounts
  (password spraying) stops too. It is higher because a store's Wi-Fi or a mobile carrier puts
  many honest shoppers behind one address.

There is deliberately no lock on an account alone: anyone who knows an email address could then
keep its owner out. A lockout ends by itself a cool-off after the last failure it counted; tries
made while locked out are refused without being counted, so they do not extend it, and no lock
is permanent. The address is `omostore.client_ip.client_ip` (trusted proxies only), so a forged
X-Forwarded-For neither escapes nor resets a lock.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

from omostore.errors import error_body

LOCKOUT_CODE = "login_locked"


def login_username(request: Any, credentials: dict | None) -> str | None:
    """The email a log-in attempt is for, spelled as log-in compares it (case-insensitively), so
    `Hanako@Example.com` and `hanako@example.com` count as the same account."""
    credentials = credentials or {}
    value = credentials.get("username") or credentials.get("email")
    if value is None and request is not None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        value = data.get("username") or data.get("email")
    if not isinstance(value, str):
        return None
    return value.strip().lower() or None


def _recent_attempts(request: Any, credentials: dict | None) -> tuple[Any, Any]:
    """(attempts of this account from this address, attempts from this address), both within
    the cool-off window."""
    threshold = (getattr(request, "axes_attempt_time", None) or timezone.now()) - get_cool_off(
        request
    )
    address = AccessAttempt.objects.filter(
        ip_address=request.axes_ip_address, attempt_time__gte=threshold
    )
    account = address.filter(username=get_client_username(request, credentials))
    return account, address


class LoginLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit of its own for each of the two counts above."""

    def get_failures(self, request: Any, credentials: dict | None = None) -> int:
        """Failures of this account from this address; at least the limit once the address as a
        whole has reached its own, larger limit (axes compares this to `AXES_FAILURE_LIMIT`)."""
        account, address = _recent_attempts(request, credentials)
        account_failures = account.aggregate(n=Sum("failures_since_start"))["n"] or 0
        address_failures = address.aggregate(n=Sum("failures_since_start"))["n"] or 0
        if address_failures >= settings.LOGIN_IP_FAILURE_LIMIT:
            return max(account_failures, settings.AXES_FAILURE_LIMIT)
        return account_failures


def lockout_ends_at(request: Any, credentials: dict | None) -> datetime:
    """When the lock on this request lifts: a cool-off after the last failure it counts."""
    account, address = _recent_attempts(request, credentials)
    cool_off: timedelta = get_cool_off(request)
    now = timezone.now()
    account_last = account.aggregate(at=Max("attempt_time"))["at"]
    ends = account_last + cool_off if account_last else now
    address_failures = address.aggregate(n=Sum("failures_since_start"))["n"] or 0
    if address_failures >= settings.LOGIN_IP_FAILURE_LIMIT:
        address_last = address.aggregate(at=Max("attempt_time"))["at"]
        ends = max(ends, address_last + cool_off)
    return max(ends, now)


def lockout_response(
    request: Any, original_response: Any = None, credentials: dict | None = None
) -> HttpResponse:
    """429 with a message saying when to try again: JSON in the API's error format for the API,
    a page otherwise. (AXES_LOCKOUT_CALLABLE; axes' async path passes the credentials in the
    second argument, so they are read from the request, where the handler leaves them.)"""
    if not isinstance(credentials, dict):
        credentials = getattr(request, "axes_credentials", None)
    if not isinstance(credentials, dict) and isinstance(original_response, dict):
        credentials = original_response
    remaining = lockout_ends_at(request, credentials) - timezone.now()
    seconds = max(1, math.ceil(remaining.total_seconds()))
    minutes = max(1, math.ceil(seconds / 60))
    message = ngettext(
        "Too many failed log-in attempts. Log-in is paused for your safety: try again in "
        "%(minutes)d minute.",
        "Too many failed log-in attempts. Log-in is paused for your safety: try again in "
        "%(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            error_body(LOCKOUT_CODE, message, {"retry_after_seconds": seconds}), status=429
        )
    else:
        response = render(
            request, "login_locked.html", {"message": message, "minutes": minutes}, status=429
        )
    response["Retry-After"] = str(seconds)
    return response
