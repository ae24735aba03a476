"""What the dispatcher publishes (docs/realtime.md is the reference): the rider's phone
(`rider.trip`, group `realtime.groups.rider(user id)`) and the shopper's order page
(`order.tracking`, group `realtime.groups.order(order id)`). The payloads are the selectors'
own shapes, read once the transaction has committed, so an event always equals a fresh
snapshot."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

from omostore import realtime

logger = logging.getLogger(__name__)


def _publish_after_commit(group: str, event: str, build: Callable[[], dict[str, Any]]) -> None:
    def _send() -> None:
        try:
            realtime.send_now(group, event, build())
        except Exception:
            logger.exception("realtime event %s to %s was not sent", event, group)

    transaction.on_commit(_send)


def publish_rider_trip(*, rider) -> None:
    """`rider.trip`: the rider's current trip or duty changed (assigned, re-planned, a step
    done, a break); the payload is the whole rider snapshot."""
    from fulfillment.dispatch_service import selectors

    _publish_after_commit(
        realtime.groups.rider(rider.user_id),
        "rider.trip",
        lambda: selectors.rider_snapshot(rider_id=rider.pk),
    )
    publish_board_changed(store_id=rider.store_id, what="trip")


def publish_board_changed(*, store_id: int, what: str) -> None:
    """`dispatch.changed` to the store's dispatch board: something on it changed (`what`:
    `trip`, `location`, `duty`); the board reads a fresh snapshot (debounced on its side)."""
    realtime.publish(realtime.groups.dispatch(store_id), "dispatch.changed", {"what": what})


def publish_tracking(*, order_id: int) -> None:
    """`order.tracking`: where the rider is and when they arrive, for the order's live page."""
    from fulfillment.dispatch_service import selectors

    _publish_after_commit(
        realtime.groups.order(order_id),
        "order.tracking",
        lambda: {"tracking": selectors.tracking_for_order(order_id=order_id)},
    )
