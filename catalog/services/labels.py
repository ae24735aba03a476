"""Shelf labels: one active label per offer, stable codes across reprints."""

from __future__ import annotations

from collections.abc import Iterable

from catalog.models import ShelfLabel, StoreOffer


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
