"""Health of every moving part, in three depths for load balancers and the people who run the store.

- live: the process answers (no I/O at all). A load balancer or orchestrator restarts a process
  that fails it.
- ready: the database and Redis answer. A load balancer sends no traffic to a process that
  fails it, and sends it again when it passes.
- full (`/healthz`): ready, plus a message through the channel layer and a task round trip
  through a Celery worker. For monitoring and people: a failing worker does not make a web
  process unfit to serve.

Every check has its own short timeout, and a check that needs Redis is not run while Redis itself
fails, so the full check answers within 2 s when Redis is frozen or down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection

from omostore.redis_client import GuardedRedis


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_redis() -> None:
    """A PING on a connection of its own: a pooled connection might hide a restart."""
    timeout = settings.REDIS_SOCKET_TIMEOUT
    client = GuardedRedis.from_url(
        settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout
    )
    try:
        client.ping()
    finally:
        client.close()


async def _channel_layer_round_trip() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel("health.")
    await layer.send(channel, {"type": "health.ping"})
    message = await layer.receive(channel)
    if message.get("type") != "health.ping":
        raise RuntimeError(f"unexpected message {message!r}")


def check_channel_layer() -> None:
    async def bounded() -> None:
        await asyncio.wait_for(_channel_layer_round_trip(), timeout=1)

    async_to_sync(bounded)()


def check_celery_worker() -> None:
    from omostore.tasks import ping

    timeout = settings.HEALTH_CELERY_TIMEOUT
    result = ping.apply_async(expires=timeout, retry=False)
    try:
        answer = result.get(timeout=timeout)
    finally:
        result.forget()
    if answer != "pong":
        raise RuntimeError(f"worker answered {answer!r}")


READY_CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "redis": check_redis,
}
FULL_CHECKS: dict[str, Callable[[], None]] = {
    **READY_CHECKS,
    "channel_layer": check_channel_layer,
    "celery_worker": check_celery_worker,
}
NEEDS_REDIS = {"channel_layer", "celery_worker"}


def run_checks(checks: dict[str, Callable[[], None]] | None = None) -> dict:
    """Run the checks (default: all); a part is ok when its check returns without error."""
    parts: dict[str, dict] = {}
    for name, check in (FULL_CHECKS if checks is None else checks).items():
        if name in NEEDS_REDIS and not parts.get("redis", {"ok": True})["ok"]:
            parts[name] = {"ok": False, "error": "redis unavailable", "ms": 0.0}
            continue
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:
            reason = str(exc) if settings.DEBUG else type(exc).__name__
            parts[name] = {"ok": False, "error": reason or type(exc).__name__}
        else:
            parts[name] = {"ok": True}
        parts[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    failing = [name for name, part in parts.items() if not part["ok"]]
    return {"status": "fail" if failing else "ok", "failing": failing, "checks": parts}
