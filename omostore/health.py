"""Health of every moving part, for `/healthz` and for the people who run the store."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_redis() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    finally:
        client.close()


async def _channel_layer_round_trip() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel("health.")
    await layer.send(channel, {"type": "health.ping"})
    message = await asyncio.wait_for(layer.receive(channel), timeout=2)
    if message.get("type") != "health.ping":
        raise RuntimeError(f"unexpected message {message!r}")


def check_channel_layer() -> None:
    async_to_sync(_channel_layer_round_trip)()


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


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "redis": check_redis,
    "channel_layer": check_channel_layer,
    "celery_worker": check_celery_worker,
}


def run_checks() -> dict:
    """Run every check; a part is ok when its check returns within its timeout without error."""
    parts: dict[str, dict] = {}
    for name, check in CHECKS.items():
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
