"""Realtime plumbing every app uses: publish an event to a group after the transaction commits.

A group is named per store / zone / order / rider by the one function of its kind in `groups`
(`groups.store(7)` → `"store.7"`); nothing else builds a group name. Each group's snapshot and
events are described in docs/realtime.md. Every event carries the
group's sequence number, kept in Redis, so a client that missed one (a dropped Wi-Fi, a Redis
restart) sees the gap and asks for a fresh snapshot. Nothing is sent for a transaction that rolls
back, and losing a message never loses work: the database stays the source of truth.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import threading
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from omostore.redis_client import redis_client

logger = logging.getLogger(__name__)

_SEQUENCE_KEY = "omostore:realtime:seq:{group}"


_GROUP_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,99}$")


def _group(*parts: object) -> str:
    name = ".".join(str(part) for part in parts)
    # Channels accepts only ASCII letters, digits, "-", "_" and "." in a group name, under 100.
    if not _GROUP_NAME.match(name):
        raise ValueError(f"not a valid realtime group name: {name!r}")
    return name


class groups:
    """The name of every realtime group, one function per kind of group. Publishers and
    consumers both call these; docs/realtime.md describes each group's snapshot and events."""

    @staticmethod
    def store(store_id: int) -> str:
        """The store feed on the staff tablets: open orders of the store (`store.<id>`)."""
        return _group("store", int(store_id))

    @staticmethod
    def store_zone(store_id: int, zone: str) -> str:
        """One temperature zone's pickers in a store (`store.<id>.zone.<zone>`)."""
        return _group("store", int(store_id), "zone", zone)

    @staticmethod
    def store_packing(store_id: int) -> str:
        """A store's packing station: the orders to pack (`store.<id>.packing`)."""
        return _group("store", int(store_id), "packing")

    @staticmethod
    def order(order_id: int) -> str:
        """One order's live page, for its member and the store's staff (`order.<id>`)."""
        return _group("order", int(order_id))

    @staticmethod
    def user(user_id: int) -> str:
        """Every open socket of one user, whatever it follows: control messages only (a revoked
        role, a log-out), never shown (`user.<id>`)."""
        return _group("user", int(user_id))

    @staticmethod
    def dispatch(store_id: int) -> str:
        """A store's dispatch board, for its managers (`dispatch.<store id>`)."""
        return _group("dispatch", int(store_id))

    @staticmethod
    def member_history(user_id: int) -> str:
        """One member's order history, every channel (`history.<user id>`): a register sale
        appears there while the member is still at the counter."""
        return _group("history", int(user_id))

    @staticmethod
    def rider(rider_id: int) -> str:
        """One rider's phone: their trip (`rider.<user id>`)."""
        return _group("rider", int(rider_id))


class _SenderLoop:
    """One event loop per process, on a thread of its own, for the channel layer's sends.

    channels_redis keeps a connection pool per event loop. `async_to_sync` called from a plain
    thread (a WSGI worker, a Celery task) runs each call on a NEW event loop, so every event
    published opened, and dropped, a Redis connection of its own (the checkout bench counted
    1,179 connections in 20 s). Sending on one long-lived loop keeps one pool per process.
    A forked child (Celery's prefork, gunicorn's workers) starts its own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid: int | None = None

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="realtime-sender", daemon=True
                )
                thread.start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def run(self, coroutine, *, timeout: float):
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop())
        try:
            return future.result(timeout=timeout)
        except TimeoutError:
            future.cancel()
            raise


_sender = _SenderLoop()
SEND_TIMEOUT = 5.0  # seconds; a send that takes longer is logged by `publish` and dropped


def group_send_now(group: str, message: dict[str, Any]) -> None:
    """Send a raw channel-layer message to `group` from sync code, on the process's one sender
    loop (so on one pool of Redis connections). Raises what the layer raises, or TimeoutError."""
    _sender.run(get_channel_layer().group_send(group, message), timeout=SEND_TIMEOUT)


def current_sequence(group: str) -> int:
    """The number of the last event sent to `group` (0 before the first)."""
    value = redis_client().get(_SEQUENCE_KEY.format(group=group))
    return int(value) if value is not None else 0


def send_now(group: str, event_type: str, payload: dict[str, Any]) -> int:
    """Number and send one event at once. Prefer `publish`, which waits for the commit."""
    sequence = int(redis_client().incr(_SEQUENCE_KEY.format(group=group)))
    message = {
        "type": "realtime.event",
        "event": event_type,
        "seq": sequence,
        "group": group,
        "at": timezone.now().isoformat(),
        "payload": payload,
    }
    group_send_now(group, message)
    return sequence


def publish(group: str, event_type: str, payload: dict[str, Any]) -> None:
    """Send `event_type` with `payload` to `group` once the current transaction commits.

    Outside a transaction it is sent at once. A failure to send is logged, never raised: the
    write already happened, and clients resync from the snapshot when they see a sequence gap.
    """

    def _send() -> None:
        try:
            send_now(group, event_type, payload)
        except Exception:
            logger.exception("realtime event %s to %s was not sent", event_type, group)

    transaction.on_commit(_send)
