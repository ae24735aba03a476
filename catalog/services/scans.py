"""Scans: a look at a product through a shelf label, buffered in Redis and written in bulk."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime

import redis
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Member
from catalog import signals
from catalog.models import Product, ScanEvent, ShelfLabel
from omostore.domain_events import send_after_commit
from omostore.redis_client import redis_client
from stores.models import Store

logger = logging.getLogger(__name__)

SCAN_BUFFER_KEY = "omostore:catalog:scan-buffer"
SCAN_FLUSH_LOCK_KEY = "omostore:catalog:scan-flush-lock"
SCAN_FLUSH_BATCH = 500
SCAN_SIGNAL_FIELDS = ("event_id", "store_id", "product_id", "member_id", "scanned_at")


def record_scan(
    *,
    label_id: int,
    store_id: int,
    product_id: int,
    source: str,
    member_id: int | None,
    device_id: str,
    at: datetime | None = None,
) -> None:
    """Note that someone looked at a product (`product_id`, offered at `store_id`) through a
    label, without slowing the page.

    The event goes into a Redis list (one round trip, no database write on the page) and
    `flush_scan_buffer`, run by beat every few seconds, writes the buffer in bulk. If Redis does
    not answer, the event is written straight to the database instead: interest is data.
    """
    if source not in ScanEvent.Source.values:
        raise ValueError(f"unknown scan source {source!r}")
    event = {
        "event_id": str(uuid.uuid4()),
        "store_id": store_id,
        "product_id": product_id,
        "label_id": label_id,
        "member_id": member_id,
        "device_id": device_id[:64],
        "source": source,
        "scanned_at": (at or timezone.now()).isoformat(),
    }
    try:
        redis_client().rpush(SCAN_BUFFER_KEY, json.dumps(event))
    except redis.RedisError:
        logger.warning("scan buffer unavailable; writing the scan directly")
        _write_scan_events([event])


def _write_scan_events(events: Iterable[dict]) -> int:
    events = _still_valid(list(events))
    rows = [
        ScanEvent(
            event_id=uuid.UUID(e["event_id"]),
            store_id=e["store_id"],
            product_id=e["product_id"],
            label_id=e["label_id"],
            member_id=e["member_id"],
            device_id=e["device_id"],
            source=e["source"],
            scanned_at=parse_datetime(e["scanned_at"]),
        )
        for e in events
    ]
    # ignore_conflicts: an event_id already written (a flush that died before trimming the
    # buffer, then ran again) is skipped instead of failing the batch; receivers of
    # scans_recorded therefore see an event at least once and dedupe by its event_id.
    ScanEvent.objects.bulk_create(rows, ignore_conflicts=True)
    if events:
        send_after_commit(
            signals.scans_recorded,
            sender=ScanEvent,
            events=[
                {
                    key: e[key]
                    for key in ("event_id", "store_id", "product_id", "member_id", "scanned_at")
                }
                for e in events
            ],
        )
    return len(rows)


def _still_valid(events: list[dict]) -> list[dict]:
    """Scans whose label or member was deleted before the flush keep the rest (as on_delete
    SET_NULL would); scans of a deleted store or product are dropped. Without this, one such
    event would fail every later flush of the buffer."""

    def existing(model, key: str) -> set:
        ids = {e[key] for e in events if e[key] is not None}
        return set(model.objects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()

    stores, products = existing(Store, "store_id"), existing(Product, "product_id")
    labels, members = existing(ShelfLabel, "label_id"), existing(Member, "member_id")
    valid = []
    for event in events:
        if event["store_id"] not in stores or event["product_id"] not in products:
            continue
        event["label_id"] = event["label_id"] if event["label_id"] in labels else None
        event["member_id"] = event["member_id"] if event["member_id"] in members else None
        valid.append(event)
    return valid


def flush_scan_buffer(*, batch_size: int = SCAN_FLUSH_BATCH) -> int:
    """Move buffered scans into the database; safe to run twice or concurrently.

    Events are read, written, and only then trimmed from the buffer, under a Redis lock so two
    flushes never trim each other's batch. Returns how many events were written.
    """
    client = redis_client()
    written = 0
    with client.lock(SCAN_FLUSH_LOCK_KEY, timeout=60, blocking_timeout=0.5) as acquired:
        if not acquired:
            return 0
        while True:
            raw = client.lrange(SCAN_BUFFER_KEY, 0, batch_size - 1)
            if not raw:
                break
            with transaction.atomic():
                written += _write_scan_events(json.loads(item) for item in raw)
            client.ltrim(SCAN_BUFFER_KEY, len(raw), -1)
    return written
