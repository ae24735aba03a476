"""The process's Redis client for the app's own keys (realtime sequence numbers, the scan buffer).

One client, and so one connection pool, per process and URL: redis-py reopens its connections
after a fork, so Celery's prefork workers can share the module too.
"""

import functools

import redis
from django.conf import settings


@functools.cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def redis_client() -> redis.Redis:
    """Read the URL each call, so tests that point the app at another Redis get it."""
    return _client(settings.REDIS_URL)
