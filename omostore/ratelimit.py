"""A fixed-window rate limit on the shared cache (Redis), for writes users can repeat."""

from django.core.cache import cache
from django.utils.translation import gettext as _
from rest_framework import status

from omostore.errors import DomainError


class RateLimited(DomainError):
    code = "rate_limited"
    http_status = status.HTTP_429_TOO_MANY_REQUESTS


def enforce_rate_limit(*, key: str, limit: int, window_seconds: int, action: str) -> None:
    """Count one hit on `key`; raise RateLimited past `limit` hits in the current window."""
    cache_key = f"ratelimit:{key}"
    if cache.add(cache_key, 1, timeout=window_seconds):
        return
    try:
        hits = cache.incr(cache_key)
    except ValueError:  # expired between add and incr: this hit opens a new window
        cache.add(cache_key, 1, timeout=window_seconds)
        return
    if hits > limit:
        raise RateLimited(
            _("Too many %(action)s; please wait a minute and try again.") % {"action": action}
        )
