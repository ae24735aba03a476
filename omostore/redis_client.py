"""The process's Redis clients, and what they do when Redis is frozen or gone.

Two ways into Redis share one rule here:

- `redis_client()`: the app's own keys (realtime sequence numbers, the scan buffer, rate limits).
  It raises `redis.RedisError` when Redis does not answer, and the caller decides what that means.
- `DegradingRedisCache`, the `default` cache: a cache that cannot be reached is a cache that
  misses. Reads return the default, writes are dropped, and the page is built from the database.

Both use short socket timeouts (`REDIS_SOCKET_TIMEOUT`) and one circuit breaker per Redis server
and process: after a connection error or a timeout, calls fail at once for `REDIS_RETRY_AFTER`
seconds instead of each waiting for its own timeout, so a frozen Redis costs one request a timeout
per second and process, not every request. The first call after that tries again.

One client, and so one connection pool, per process and URL: redis-py reopens its connections
after a fork, so Celery's prefork workers can share the module too.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time

import redis
from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.client import Pipeline

logger = logging.getLogger(__name__)


class RedisUnavailable(redis.ConnectionError):
    """Raised at once, without a round trip, while the breaker for a server is open."""


# server -> monotonic time until which calls fail fast; absent while the server answers.
_open_until: dict[str, float] = {}


def _server(pool: redis.ConnectionPool) -> str:
    kwargs = pool.connection_kwargs
    return kwargs.get("path") or f"{kwargs.get('host')}:{kwargs.get('port')}"


def _check(server: str) -> None:
    until = _open_until.get(server)
    if until is not None and time.monotonic() < until:
        raise RedisUnavailable(f"Redis at {server} did not answer; retrying shortly")


def _trip(server: str, error: Exception) -> None:
    if server not in _open_until:
        logger.warning("Redis at %s is unavailable (%s): degrading", server, error)
    _open_until[server] = time.monotonic() + settings.REDIS_RETRY_AFTER


def _answered(server: str) -> None:
    if _open_until.pop(server, None) is not None:
        logger.warning("Redis at %s answers again", server)


def redis_available() -> bool:
    """False while the breaker for the app's Redis is open (it failed less than
    REDIS_RETRY_AFTER seconds ago): callers may skip work that needs Redis without waiting."""
    try:
        _check(_server(redis_client().connection_pool))
    except RedisUnavailable:
        return False
    return True


@contextlib.contextmanager
def _guarded(server: str):
    _check(server)
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as error:
        if not isinstance(error, RedisUnavailable):
            _trip(server, error)
        raise
    else:
        if _open_until:
            _answered(server)


class GuardedPipeline(Pipeline):
    def execute(self, raise_on_error: bool = True):
        with _guarded(_server(self.connection_pool)):
            return super().execute(raise_on_error)


class GuardedRedis(redis.Redis):
    """redis.Redis behind the breaker: every command and pipeline goes through `_guarded`."""

    def execute_command(self, *args, **options):
        with _guarded(_server(self.connection_pool)):
            return super().execute_command(*args, **options)

    def pipeline(self, transaction: bool = True, shard_hint=None) -> GuardedPipeline:
        return GuardedPipeline(
            self.connection_pool, self.response_callbacks, transaction, shard_hint
        )


def redis_options() -> dict:
    """Connection options for every Redis client of the app (the channel layer has its own)."""
    return {
        "socket_timeout": settings.REDIS_SOCKET_TIMEOUT,
        "socket_connect_timeout": settings.REDIS_SOCKET_TIMEOUT,
    }


@functools.cache
def _client(url: str) -> GuardedRedis:
    return GuardedRedis.from_url(url, **redis_options())


def redis_client() -> GuardedRedis:
    """Read the URL each call, so tests that point the app at another Redis get it."""
    return _client(settings.REDIS_URL)


# --- The cache -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _a_miss():
    """Swallow a Redis failure: the caller then returns what a cache miss returns."""
    try:
        yield
    except redis.RedisError as error:
        logger.debug("cache unavailable: %s", error)


class _DegradingCacheClient(RedisCacheClient):
    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._client = GuardedRedis
        self._clients: dict[int, GuardedRedis] = {}

    def get_client(self, key=None, *, write=False):
        # Django builds a new redis.Redis per cache call, and each one copies redis-py's table of
        # ~130 response callbacks: a tenth of the scan page's time. One client per pool instead
        # (the client holds no connection of its own; the pool is shared as before).
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def add(self, key, value, timeout):
        with _a_miss():
            return super().add(key, value, timeout)
        return False

    def get(self, key, default):
        with _a_miss():
            return super().get(key, default)
        return default

    def set(self, key, value, timeout):
        with _a_miss():
            super().set(key, value, timeout)

    def touch(self, key, timeout):
        with _a_miss():
            return super().touch(key, timeout)
        return False

    def delete(self, key):
        with _a_miss():
            return super().delete(key)
        return False

    def get_many(self, keys):
        with _a_miss():
            return super().get_many(keys)
        return {}

    def has_key(self, key):
        with _a_miss():
            return super().has_key(key)
        return False

    def incr(self, key, delta):
        with _a_miss():
            return super().incr(key, delta)
        # What Django's cache API says for a key it does not hold.
        raise ValueError(f"Key {key!r} not found (the cache is unavailable).")

    def set_many(self, data, timeout):
        with _a_miss():
            super().set_many(data, timeout)

    def delete_many(self, keys):
        with _a_miss():
            super().delete_many(keys)

    def clear(self):
        with _a_miss():
            return super().clear()
        return False


class DegradingRedisCache(RedisCache):
    """Django's Redis cache, except that an unreachable Redis is a miss, never an error.

    Whatever reads the cache must already cope with a miss; so pages, throttles and the product
    content keep working, built from the database, while Redis is frozen or down. A write that is
    dropped meanwhile (a content version bump) is bounded by the entry's own timeout.
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _DegradingCacheClient
