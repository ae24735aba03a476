"""A fixed-window rate limit in Redis, for writes users can repeat.

When Redis is frozen or down the limit cannot be counted, and every call says which way it fails:

- `fail_open=True` (the default, and every limit the store has today: reviews, checkouts, top-ups,
  exit-pass checks): the request goes ahead uncounted. These writes are made by signed-in users,
  each is already bounded by something that does not need Redis (one review per member and
  product, an Idempotency-Key and stock per checkout, a payment per top-up, a signed pass per
  exit), and refusing them would turn a Redis outage into a store outage.
- `fail_open=False`, for a limit that is the only guard against abuse: the request is refused
  with 503 `rate_limit_unavailable` and changes nothing. Log-in is not such a case: failed log-ins
  are counted in the database (see README, "When Redis is frozen or down").
"""

import logging

import redis
from django.core.cache import cache
from django.utils.translation import gettext as _
from rest_framework import status

from omostore.errors import DomainError
from omostore.redis_client import redis_client

logger = logging.getLogger(__name__)


class RateLimited(DomainError):
    code = "rate_limited"
    http_status = status.HTTP_429_TOO_MANY_REQUESTS


class RateLimitUnavailable(DomainError):
    code = "rate_limit_unavailable"
    http_status = status.HTTP_503_SERVICE_UNAVAILABLE


def enforce_rate_limit(
    *, key: str, limit: int, window_seconds: int, action: str, fail_open: bool = True
) -> None:
    """Count one hit on `key`; raise RateLimited past `limit` hits in the current window.

    The window opens with the first hit and closes `window_seconds` later (SET NX EX, then INCR,
    in one round trip). If Redis does not answer, go ahead (`fail_open`) or raise
    RateLimitUnavailable.
    """
    # The cache's key function: its prefix keeps tests (and deployments sharing a Redis) apart.
    redis_key = cache.make_key(f"ratelimit:{key}")
    try:
        pipe = redis_client().pipeline(transaction=True)
        pipe.set(redis_key, 0, ex=window_seconds, nx=True)
        pipe.incr(redis_key)
        hits = pipe.execute()[1]
    except redis.RedisError as error:
        if fail_open:
            logger.info("rate limit %s not counted, Redis unavailable: %s", key, error)
            return
        raise RateLimitUnavailable(
            _("This is not available for a moment; please try again shortly.")
        ) from error
    if hits > limit:
        raise RateLimited(
            _("Too many %(action)s; please wait a minute and try again.") % {"action": action}
        )
