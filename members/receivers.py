"""What members does when the apps below announce something (their `signals.py`).

Points work is a few small writes, idempotent by key, so the receivers do it at once (the signals
come after the announcing transaction committed); `members.tasks.catch_up_purchase_points` (beat)
grants what a lost signal missed. Connected in `MembersConfig.ready()`.
"""

from __future__ import annotations

import datetime
import logging

from django.dispatch import receiver
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalog import signals as catalog_signals
from fulfillment import signals as fulfillment_signals
from members import selectors, services
from members.models import Favourite
from members.services.facts import order_facts
from omostore.money import Money
from orders import signals as order_signals
from stores import selectors as store_selectors

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


@receiver(order_signals.points_earned, dispatch_uid="members.points.earned_per_order")
def points_earned_per_order(sender, member_id: int, numbers, **kwargs) -> dict[str, int]:
    """The history hook: what each of these orders earned, in one read."""
    return selectors.purchase_points_by_order(member_id=member_id, numbers=list(numbers))


@receiver(order_signals.order_paid, dispatch_uid="members.points.order_paid")
def earn_for_purchase(sender, order, **kwargs) -> None:
    """Any channel (app, register, …): the receiver does not look at it. A sale with no member
    (a register sale without the member QR) earns nothing."""
    if order.member_id is None:
        return
    services.grant_purchase_points(order=order_facts(order))


@receiver(order_signals.order_refunded, dispatch_uid="members.points.order_refunded")
def settle_refund(
    sender, order, order_refund_id: int, amount: int, fully_refunded: bool = False, **kwargs
) -> None:
    if order.member_id is None:
        return
    services.settle_refund_points(
        order=order_facts(order),
        order_refund_id=order_refund_id,
        amount=amount,
        fully_refunded=fully_refunded,
    )


@receiver(order_signals.order_cancelled, dispatch_uid="members.points.order_cancelled")
def give_back_on_unpaid_cancel(sender, order, **kwargs) -> None:
    if order.member_id is not None and order.paid_at is None:  # paid: through its refunds
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


# --- Notifications -------------------------------------------------------------------------------


@receiver(order_signals.order_status_changed, dispatch_uid="members.notify.order_status")
def notify_order_status(sender, order, to_status: str, event_id=None, **kwargs) -> None:
    if order.member_id is None:
        return
    services.notify_order_status(
        member_id=order.member_id,
        order_number=order.number,
        to_status=to_status,
        event_id=event_id,
    )


@receiver(fulfillment_signals.substitution_offered, dispatch_uid="members.notify.substitution")
def notify_substitution(sender, order, line_id: int, **kwargs) -> None:
    """A picker proposed a substitute: the member should answer before the standing choice
    applies (inbox always, push when wanted)."""
    if order.member_id is None:
        return
    services.notify_substitution_needed(
        member_id=order.member_id, order_number=order.number, line_id=line_id
    )


def _favourite_product_name(product_id: int) -> str | None:
    favourite = Favourite.objects.filter(product_id=product_id).select_related("product").first()
    return favourite.product.name_en if favourite else None


@receiver(catalog_signals.offer_price_changed, dispatch_uid="members.notify.price_changed")
def notify_marked_down(
    sender,
    offer_id: int,
    store_id: int,
    product_id: int,
    old_price: int,
    new_price: int,
    markdown_price=None,
    markdown_starts_at=None,
    markdown_ends_at=None,
    **kwargs,
) -> None:
    """A favourite's price at the member's home store went down (a markdown now on, or a lower
    regular price)."""
    name = _favourite_product_name(product_id)
    if name is None:
        return
    now = timezone.now()
    marked_down = markdown_price is not None and (
        (markdown_starts_at is None or _at(markdown_starts_at) <= now)
        and (markdown_ends_at is None or now < _at(markdown_ends_at))
    )
    price = markdown_price if marked_down else new_price
    if old_price is None or price >= old_price:
        return
    store = store_selectors.active_stores().filter(pk=store_id).first()
    if store is None:
        return
    services.notify_favourite_marked_down(
        offer_id=offer_id,
        store_id=store_id,
        product_id=product_id,
        product_name=name,
        price=str(Money(price, store.currency)),
        day=timezone.localdate(now).isoformat(),
    )


def _at(value):
    return parse_datetime(value) if isinstance(value, str) else value


@receiver(catalog_signals.offer_back_in_stock, dispatch_uid="members.notify.back_in_stock")
def notify_back_in_stock(sender, offer_id: int, store_id: int, product_id: int, **kwargs) -> None:
    name = _favourite_product_name(product_id)
    if name is None:
        return
    services.notify_favourite_back_in_stock(
        offer_id=offer_id,
        store_id=store_id,
        product_id=product_id,
        product_name=name,
        day=timezone.localdate().isoformat(),
    )
