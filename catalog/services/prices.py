"""Prices: every change of an offer's price or markdown, and its `PriceChange` row.

Only the price fields are written (an UPDATE naming them), never the whole row: a manager who
saves a price while checkouts reserve the offer cannot write back stock read a moment earlier.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import signals
from catalog.errors import InvalidPriceChange
from catalog.models import PriceChange, StoreOffer
from omostore.domain_events import send_after_commit

PRICE_FIELDS = ("price", "markdown_price", "markdown_starts_at", "markdown_ends_at")
_UNCHANGED = object()


def _check_amount(value, *, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidPriceChange(
            _("A price is a whole number of the currency's smallest unit, zero or more."),
            details={"field": field},
        )
    return value


def check_markdown(
    *,
    price: int,
    markdown_price: int | None,
    starts_at: datetime.datetime | None,
    ends_at: datetime.datetime | None,
    now: datetime.datetime | None = None,
) -> None:
    """The one rule for a markdown, for the service and the forms: below the price, and a window
    that has not ended already and ends after it starts."""
    if markdown_price is None:
        return
    now = now or timezone.now()
    if markdown_price >= price:
        raise InvalidPriceChange(
            _("A markdown must be below the price (%(price)s); %(markdown)s is not.")
            % {"price": price, "markdown": markdown_price},
            details={"field": "markdown_price", "price": price, "markdown_price": markdown_price},
        )
    if ends_at is not None and ends_at <= now:
        raise InvalidPriceChange(
            _("The markdown's end time has already passed; choose a time in the future."),
            details={"field": "markdown_ends_at"},
        )
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise InvalidPriceChange(
            _("The markdown must end after it starts."), details={"field": "markdown_ends_at"}
        )


@transaction.atomic
def change_price(
    *,
    offer: StoreOffer,
    actor,
    price=_UNCHANGED,
    markdown_price=_UNCHANGED,
    markdown_starts_at=_UNCHANGED,
    markdown_ends_at=_UNCHANGED,
    reason: str = "",
) -> PriceChange | None:
    """Set the offer's price and/or markdown (arguments left out keep their value). Refused with
    InvalidPriceChange, nothing changed, when the markdown is not below the price or its window
    has already ended. Writes a PriceChange and sends `offer_price_changed` after commit; returns
    None when nothing changed. `offer` is updated in place (price fields only)."""
    current = StoreOffer.objects.select_for_update().filter(pk=offer.pk).values(*PRICE_FIELDS)
    current = current.first()
    if current is None:
        raise InvalidPriceChange(_("This offer no longer exists."))
    wanted = dict(current)
    for field, value in zip(
        PRICE_FIELDS,
        (price, markdown_price, markdown_starts_at, markdown_ends_at),
        strict=True,
    ):
        if value is not _UNCHANGED:
            wanted[field] = value
    _check_amount(wanted["price"], field="price")
    if wanted["markdown_price"] is None:
        wanted["markdown_starts_at"] = wanted["markdown_ends_at"] = None
    else:
        _check_amount(wanted["markdown_price"], field="markdown_price")
        changed_markdown = any(
            wanted[field] != current[field]
            for field in ("markdown_price", "markdown_starts_at", "markdown_ends_at", "price")
        )
        if changed_markdown:
            check_markdown(
                price=wanted["price"],
                markdown_price=wanted["markdown_price"],
                starts_at=wanted["markdown_starts_at"],
                ends_at=wanted["markdown_ends_at"],
            )
    for field in PRICE_FIELDS:
        setattr(offer, field, wanted[field])
    if wanted == current:
        return None
    now = timezone.now()
    StoreOffer.objects.filter(pk=offer.pk).update(**wanted, updated_at=now)
    change = PriceChange.objects.create(
        offer_id=offer.pk,
        old_price=current["price"],
        new_price=wanted["price"],
        old_markdown_price=current["markdown_price"],
        new_markdown_price=wanted["markdown_price"],
        markdown_starts_at=wanted["markdown_starts_at"],
        markdown_ends_at=wanted["markdown_ends_at"],
        reason=(reason or "")[:200],
        actor=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )
    send_after_commit(
        signals.offer_price_changed,
        sender=StoreOffer,
        offer_id=offer.pk,
        store_id=offer.store_id,
        product_id=offer.product_id,
        old_price=current["price"],
        new_price=wanted["price"],
        markdown_price=wanted["markdown_price"],
        markdown_starts_at=wanted["markdown_starts_at"],
        markdown_ends_at=wanted["markdown_ends_at"],
        actor=change.actor,
    )
    return change


def markdown_price_for(*, price: int, percent_off: int) -> int:
    return price * (100 - percent_off) // 100


@transaction.atomic
def mark_down(
    *,
    offers: Iterable[StoreOffer],
    percent_off: int,
    ends_at: datetime.datetime,
    actor,
    starts_at: datetime.datetime | None = None,
) -> list[PriceChange]:
    """Mark the offers down by `percent_off` from `starts_at` (now) until `ends_at`, all or
    none: a refusal for one offer (its markdown would not be below its price, the end has
    passed) changes none."""
    if isinstance(percent_off, bool) or not isinstance(percent_off, int):
        raise InvalidPriceChange(_("The markdown is a whole percentage."))
    if not 1 <= percent_off <= 90:
        raise InvalidPriceChange(_("Mark down by 1 to 90 percent."))
    starts_at = starts_at or timezone.now()
    changes = []
    for offer in sorted(offers, key=lambda offer: offer.pk):
        change = change_price(
            offer=offer,
            actor=actor,
            markdown_price=markdown_price_for(price=offer.price, percent_off=percent_off),
            markdown_starts_at=starts_at,
            markdown_ends_at=ends_at,
            reason=f"marked down {percent_off}%",
        )
        if change is not None:
            changes.append(change)
    return changes


@transaction.atomic
def end_markdown(*, offers: Iterable[StoreOffer], actor) -> list[PriceChange]:
    """End the markdown of the offers that have one, now."""
    changes = []
    for offer in sorted(offers, key=lambda offer: offer.pk):
        change = change_price(
            offer=offer, actor=actor, markdown_price=None, reason="markdown ended"
        )
        if change is not None:
            changes.append(change)
    return changes
