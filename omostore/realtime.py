"""Realtime plumbing every app uses: publish an event to a group after the transaction commits.

A group is named per store / zone / order / rider (see `group_name`). Every event carries the
group's sequence number, kept in Redis, so a client that missed one (a dropped Wi-Fi, a Redis
restart) sees the gap and asks for a fresh snapshot. Nothing is sent for a transaction that rolls
back, and losing a message never loses work: the database stays the source of truth.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from omostore.redis_client import redis_client

logger = logging.getLogger(__name__)

_SEQUENCE_KEY = "omostore:realtime:seq:{group}"


def group_name(kind: str, key: object) -> str:
    """`group_name("store", 7)` → `"store.7"`; Channels allows only ASCII letters, digits, -_. ."""
    return f"{kind}.{key}"


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
    async_to_sync(get_channel_layer().group_send)(group, message)
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
