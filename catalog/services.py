"""Writes of the catalogue: scans, reviews, shelf labels."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime

import redis
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.models import Member
from catalog import signals
from catalog.models import Product, Review, ScanEvent, ShelfLabel, StoreOffer
from catalog.selectors import bump_content_version
from omostore.domain_events import send_after_commit
from omostore.errors import DomainError, Forbidden
from omostore.redis_client import redis_client
from stores.models import Store

logger = logging.getLogger(__name__)

SCAN_BUFFER_KEY = "omostore:catalog:scan-buffer"
SCAN_FLUSH_LOCK_KEY = "omostore:catalog:scan-flush-lock"
SCAN_FLUSH_BATCH = 500
SCAN_SIGNAL_FIELDS = ("event_id", "store_id", "product_id", "member_id", "scanned_at")


class InvalidReview(DomainError):
    code = "invalid_review"


# --- Scans ----------------------------------------------------------------------------------------


def record_scan(
    *,
    label: ShelfLabel,
    source: str,
    member_id: int | None,
    device_id: str,
    at: datetime | None = None,
) -> None:
    """Note that someone looked at a product through a label, without slowing the page.

    The event goes into a Redis list (one round trip, no database write on the page) and
    `flush_scan_buffer`, run by beat every few seconds, writes the buffer in bulk. If Redis does
    not answer, the event is written straight to the database instead: interest is data.
    """
    if source not in ScanEvent.Source.values:
        raise ValueError(f"unknown scan source {source!r}")
    event = {
        "event_id": str(uuid.uuid4()),
        "store_id": label.offer.store_id,
        "product_id": label.offer.product_id,
        "label_id": label.pk,
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


# --- Reviews --------------------------------------------------------------------------------------


def _clean_text(value: str, *, field: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise InvalidReview(f"The {field} is too long (at most {limit} characters).")
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value):
        raise InvalidReview(f"The {field} contains control characters.")
    return value


@transaction.atomic
def write_review(
    *, product: Product, member_id: int, rating: int, title: str = "", text: str = ""
) -> tuple[Review, bool]:
    """Create the member's review of the product, or update it: one review per member and
    product. Text is stored as written and escaped wherever it is shown. Returns (review,
    created)."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidReview("The rating must be a whole number from 1 to 5.")
    title = _clean_text(title, field="title", limit=Review.TITLE_MAX)
    text = _clean_text(text, field="text", limit=Review.TEXT_MAX)
    review = Review.objects.select_for_update().filter(product=product, member_id=member_id).first()
    if review is not None:
        if review.status == Review.Status.HIDDEN:
            raise Forbidden("This review was hidden by a moderator and can no longer be edited.")
        review.rating, review.title, review.text = rating, title, text
        review.save(update_fields=["rating", "title", "text", "updated_at"])
        transaction.on_commit(lambda: bump_content_version(product_ids=[product.pk]))
        return review, False
    try:
        with transaction.atomic():
            review = Review.objects.create(
                product=product, member_id=member_id, rating=rating, title=title, text=text
            )
        transaction.on_commit(lambda: bump_content_version(product_ids=[product.pk]))
        # Catalog cannot see purchases (orders sits above it): orders hears this and marks the
        # review a verified purchase if the member already bought the product.
        send_after_commit(
            signals.review_written,
            sender=Review,
            review_id=review.pk,
            product_id=product.pk,
            member_id=member_id,
        )
    except IntegrityError:  # the same member's other tab got there first
        return write_review(
            product=product, member_id=member_id, rating=rating, title=title, text=text
        )
    return review, True


def moderate_reviews(*, review_ids: Iterable[int], status: str, moderator_id: int) -> int:
    if status not in Review.Status.values:
        raise InvalidReview(f"unknown review status {status!r}")
    reviews = Review.objects.filter(pk__in=list(review_ids))
    product_ids = list(reviews.values_list("product_id", flat=True))
    changed = reviews.update(status=status, moderated_by_id=moderator_id, updated_at=timezone.now())
    bump_content_version(product_ids=product_ids)
    return changed


def mark_verified_purchases(*, product_ids: Iterable[int], member_id: int) -> int:
    """Called by orders when a member has bought the products, in any channel: one UPDATE for
    the whole order."""
    reviews = Review.objects.filter(
        product_id__in=list(product_ids), member_id=member_id, verified_purchase=False
    )
    reviewed = list(reviews.values_list("product_id", "pk"))
    if not reviewed:
        return 0
    changed = reviews.update(verified_purchase=True)
    product_ids = [product_id for product_id, _ in reviewed]
    transaction.on_commit(lambda: bump_content_version(product_ids=product_ids))
    send_after_commit(
        signals.reviews_verified,
        sender=Review,
        member_id=member_id,
        product_ids=product_ids,
        review_ids=[pk for _, pk in reviewed],
    )
    return changed


# --- Shelf labels ---------------------------------------------------------------------------------


def labels_for_offers(*, offers: Iterable[StoreOffer]) -> list[ShelfLabel]:
    """The active label of each offer, creating one where there is none. Reprinting returns the
    same labels, so codes on the shelf stay valid."""
    offers = list(offers)
    existing = {
        label.offer_id: label
        for label in ShelfLabel.objects.filter(offer__in=offers, is_active=True)
        .select_related("offer__product", "offer__store")
        .order_by("created_at")
    }
    labels = []
    for offer in offers:
        label = existing.get(offer.pk)
        if label is None:
            label = ShelfLabel.objects.create(offer=offer)
            label.offer = offer
        labels.append(label)
    return labels


# --- Stock ----------------------------------------------------------------------------------------


class InsufficientStock(DomainError):
    code = "insufficient_stock"
    http_status = 409


def reserve_stock(*, quantities: dict[int, int]) -> None:
    """Reserve `quantities` (offer id → units) all or none; the caller's transaction is undone
    when this raises.

    Each line is one conditional UPDATE (`on_hand - reserved >= n`), correct on SQLite and
    PostgreSQL alike without reading first. Rows are touched in primary-key order, so two
    checkouts of the same products in opposite orders never deadlock. Every short line is
    listed in the one InsufficientStock error. Needs an open transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reserve_stock needs a transaction")
    short = []
    for offer_id, quantity in sorted(quantities.items()):
        if quantity <= 0:
            raise ValueError("quantities must be positive")
        reserved = StoreOffer.objects.filter(
            pk=offer_id,
            is_active=True,
            stock_on_hand__gte=F("stock_reserved") + quantity,
        ).update(stock_reserved=F("stock_reserved") + quantity)
        if not reserved:
            short.append(offer_id)
    if short:
        offers = StoreOffer.objects.filter(pk__in=short).select_related("product")
        lines = [
            {
                "sku": offer.product.sku,
                "name": offer.product.name_en,
                "requested": quantities[offer.pk],
                "available": max(offer.stock_available, 0) if offer.is_active else 0,
            }
            for offer in offers
        ]
        names = ", ".join(
            _("%(name)s (%(available)s left)")
            % {"name": line["name"], "available": line["available"]}
            for line in lines
        )
        raise InsufficientStock(
            _("Not enough stock for: %(names)s.") % {"names": names}, details={"lines": lines}
        )


def release_stock(*, quantities: dict[int, int]) -> None:
    """Give back a reservation (an unpaid order expired or was cancelled)."""
    for offer_id, quantity in sorted(quantities.items()):
        StoreOffer.objects.filter(pk=offer_id, stock_reserved__gte=quantity).update(
            stock_reserved=F("stock_reserved") - quantity
        )


def take_reserved_stock(*, quantities: dict[int, int]) -> None:
    """The reserved goods have left the shelf for good: off the stock and off the reservation."""
    for offer_id, quantity in sorted(quantities.items()):
        StoreOffer.objects.filter(
            pk=offer_id, stock_reserved__gte=quantity, stock_on_hand__gte=quantity
        ).update(
            stock_on_hand=F("stock_on_hand") - quantity,
            stock_reserved=F("stock_reserved") - quantity,
        )
