"""What members does when the apps below announce something (their `signals.py`).

Points work is a few small writes, idempotent by key, so the receivers do it at once (the signals
come after the announcing transaction committed); `members.tasks.catch_up_purchase_points` (beat)
grants what a lost signal missed. Connected in `MembersConfig.ready()`.
"""

from __future__ import annotations

import datetime
import logging

from django.dispatch import receiver
from django.utils.dateparse import parse_datetime

from catalog import signals as catalog_signals
from members import services
from members.services.facts import order_facts
from orders import signals as order_signals

logger = logging.getLogger(__name__)


@receiver(order_signals.redeem_points, dispatch_uid="members.points.redeem_at_checkout")
def redeem_at_checkout(
    sender, member, points: int, idempotency_key: str, order_number: str, **kwargs
) -> int:
    """The checkout hook: take the points inside the checkout's transaction, or raise."""
    services.redeem_points(
        member=member,
        points=points,
        idempotency_key=f"redeem:{member.pk}:{idempotency_key}",
        reference=order_number,
    )
    return points


@receiver(order_signals.order_paid, dispatch_uid="members.points.order_paid")
def earn_for_purchase(sender, order, **kwargs) -> None:
    """Any channel (app, register, …): the receiver does not look at it."""
    services.grant_purchase_points(order=order_facts(order))


@receiver(order_signals.order_refunded, dispatch_uid="members.points.order_refunded")
def settle_refund(
    sender, order, order_refund_id: int, amount: int, fully_refunded: bool = False, **kwargs
) -> None:
    services.settle_refund_points(
        order=order_facts(order),
        order_refund_id=order_refund_id,
        amount=amount,
        fully_refunded=fully_refunded,
    )


@receiver(order_signals.order_cancelled, dispatch_uid="members.points.order_cancelled")
def give_back_on_unpaid_cancel(sender, order, **kwargs) -> None:
    if order.paid_at is None:  # a paid order gives its points back through its refunds
        services.return_points_of_unpaid_order(order=order_facts(order))


@receiver(catalog_signals.reviews_verified, dispatch_uid="members.points.reviews_verified")
def earn_for_reviews(sender, member_id: int, review_ids, **kwargs) -> None:
    services.grant_review_points(member_id=member_id, review_ids=list(review_ids))


@receiver(catalog_signals.scans_recorded, dispatch_uid="members.points.scans_recorded")
def earn_for_scans(sender, events, **kwargs) -> None:
    """Members only: an anonymous scan (member_id None) earns nothing."""
    for event in events:
        if not event.get("member_id"):
            continue
        scanned_at = parse_datetime(event["scanned_at"]) or datetime.datetime.now(datetime.UTC)
        services.grant_scan_points(
            member_id=event["member_id"],
            store_id=event["store_id"],
            product_id=event["product_id"],
            scanned_at=scanned_at,
        )
