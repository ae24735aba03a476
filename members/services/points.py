"""Points: an append-only ledger (`PointsEntry`) over grants with their own expiry.

Every change first locks the member's `PointsAccount` row with an UPDATE (a row lock on
PostgreSQL, the write lock on SQLite), so the changes of one member happen one at a time and the
balance check that follows is true when the change is written. Every change carries an
idempotency key (unique in the ledger): the same purchase, review or refund signalled twice
changes the balance once. Spending takes from the grants that expire first.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Member
from members.live import publish_points_earned
from members.models import (
    OrderRefundPoints,
    PointsAccount,
    PointsEntry,
    PointsGrant,
    PointsSource,
    StorePointsRule,
)
from omostore.errors import Conflict

logger = logging.getLogger(__name__)


class InsufficientPoints(Conflict):
    code = "insufficient_points"


@dataclass(frozen=True)
class OrderFacts:
    """What points need to know of an order (members reads orders; the receivers fill this)."""

    number: str
    member_id: int
    store_id: int
    paid: int  # money paid, minor units (the total after points)
    points_redeemed: int


def _lock_account(member_id: int) -> PointsAccount:
    """The member's account, locked for the rest of the transaction (made if missing)."""
    if not PointsAccount.objects.filter(member_id=member_id).update(balance=F("balance")):
        try:
            with transaction.atomic():
                PointsAccount.objects.create(member_id=member_id)
        except IntegrityError:  # made at the same moment by another change
            pass
        PointsAccount.objects.filter(member_id=member_id).update(balance=F("balance"))
    return PointsAccount.objects.get(member_id=member_id)


def _entry(*, account, kind, source, points, key, reference="", grant=None) -> PointsEntry:
    PointsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + points)
    account.refresh_from_db(fields=["balance"])
    return PointsEntry.objects.create(
        member_id=account.member_id,
        kind=kind,
        source=source,
        points=points,
        balance_after=account.balance,
        idempotency_key=key,
        reference=reference,
        grant=grant,
    )


def _already(key: str) -> PointsEntry | None:
    return PointsEntry.objects.filter(idempotency_key=key).first()


def expiry_from(at: datetime.datetime) -> datetime.datetime:
    return at + datetime.timedelta(days=settings.POINTS_EXPIRY_DAYS)


@transaction.atomic
def grant_points(
    *,
    member_id: int,
    points: int,
    source: str,
    idempotency_key: str,
    reference: str = "",
    expires_at: datetime.datetime | None = None,
) -> PointsEntry | None:
    """Add `points` as one grant that expires `POINTS_EXPIRY_DAYS` from now (or `expires_at`).
    The same key again is a no-op (returns the first entry); nothing for zero points."""
    if points <= 0:
        return None
    account = _lock_account(member_id)
    existing = _already(idempotency_key)
    if existing is not None:
        return existing
    grant = PointsGrant.objects.create(
        member_id=member_id,
        source=source,
        points=points,
        remaining=points,
        expires_at=expires_at or expiry_from(timezone.now()),
        reference=reference,
    )
    return _entry(
        account=account,
        kind=PointsEntry.Kind.EARN if source != PointsSource.RETURNED else PointsEntry.Kind.RETURN,
        source=source,
        points=points,
        key=idempotency_key,
        reference=reference,
        grant=grant,
    )


def _expire_due(account: PointsAccount, now: datetime.datetime) -> None:
    """Expire the member's grants whose time has come (the account is locked)."""
    due = PointsGrant.objects.filter(
        member_id=account.member_id, expires_at__lte=now, remaining__gt=0
    ).order_by("expires_at", "pk")
    for grant in due:
        left = grant.remaining
        PointsGrant.objects.filter(pk=grant.pk).update(remaining=0)
        _entry(
            account=account,
            kind=PointsEntry.Kind.EXPIRE,
            source=grant.source,
            points=-left,
            key=f"expire:grant:{grant.pk}",
            reference=grant.reference,
            grant=grant,
        )


def _take(account: PointsAccount, points: int) -> None:
    """Take `points` from the grants that expire first (the account is locked and holds them)."""
    left = points
    for grant in PointsGrant.objects.filter(
        member_id=account.member_id, remaining__gt=0, expires_at__gt=timezone.now()
    ).order_by("expires_at", "pk"):
        used = min(left, grant.remaining)
        PointsGrant.objects.filter(pk=grant.pk).update(remaining=F("remaining") - used)
        left -= used
        if not left:
            return
    raise InsufficientPoints(_("You do not have that many points."))  # the books disagree


@transaction.atomic
def redeem_points(
    *, member: Member, points: int, idempotency_key: str, reference: str = ""
) -> PointsEntry:
    """Use `points` (1 point = 1 minor unit off an order). Raises InsufficientPoints when the
    balance is short, changing nothing. The same key again returns the first entry."""
    if points <= 0:
        raise InsufficientPoints(_("Use at least one point."))
    account = _lock_account(member.pk)
    existing = _already(idempotency_key)
    if existing is not None:
        return existing
    _expire_due(account, timezone.now())
    if account.balance < points:
        raise InsufficientPoints(
            _("You have %(balance)d points; you cannot use %(points)d.")
            % {"balance": account.balance, "points": points},
            details={"balance": account.balance, "points": points},
        )
    _take(account, points)
    return _entry(
        account=account,
        kind=PointsEntry.Kind.REDEEM,
        source="",
        points=-points,
        key=idempotency_key,
        reference=reference,
    )


def _take_back(account: PointsAccount, points: int, *, key: str, reference: str) -> int:
    """Take back up to `points` earned (never below zero: points already spent stay spent)."""
    if _already(key) is not None:
        return 0
    _expire_due(account, timezone.now())
    taken = min(points, account.balance)
    if taken <= 0:
        return 0
    _take(account, taken)
    _entry(
        account=account,
        kind=PointsEntry.Kind.CLAWBACK,
        source=PointsSource.PURCHASE,
        points=-taken,
        key=key,
        reference=reference,
    )
    return taken


def spend_per_point(*, store_id: int) -> int | None:
    """Minor units paid per point in this store; None when the store gives no points."""
    rule = StorePointsRule.objects.filter(store_id=store_id).first()
    if rule is None:
        return settings.POINTS_SPEND_PER_POINT
    return rule.spend_per_point if rule.earns_points else None


def grant_purchase_points(*, order: OrderFacts) -> PointsEntry | None:
    """Points for a paid order of any channel: one per `spend_per_point` of money paid (points
    used on it earn nothing). Once per order, however often it is signalled; each time, the
    member's history group hears `history.points` (the same number again is harmless)."""
    rate = spend_per_point(store_id=order.store_id)
    if rate is None:
        return None
    entry = grant_points(
        member_id=order.member_id,
        points=order.paid // rate,
        source=PointsSource.PURCHASE,
        idempotency_key=f"purchase:{order.number}",
        reference=order.number,
    )
    if entry is not None:  # the member's history shows it on the order's row, live
        publish_points_earned(member_id=order.member_id, number=order.number, points=entry.points)
    return entry


def _sum(reference: str, kind: str) -> int:
    return abs(
        PointsEntry.objects.filter(reference=reference, kind=kind).aggregate(n=Sum("points"))["n"]
        or 0
    )


@transaction.atomic
def settle_refund_points(
    *, order: OrderFacts, order_refund_id: int, amount: int, fully_refunded: bool
) -> None:
    """A refund of `amount` gives back the points used on the order and takes back those it
    earned, both in proportion to the money refunded so far (all of them once the order is fully
    refunded). Once per refund."""
    account = _lock_account(order.member_id)
    try:
        with transaction.atomic():
            OrderRefundPoints.objects.create(
                order_refund_id=order_refund_id, order_number=order.number, amount=amount
            )
    except IntegrityError:
        return  # this refund was settled already
    refunded = (
        OrderRefundPoints.objects.filter(order_number=order.number).aggregate(n=Sum("amount"))["n"]
        or 0
    )
    paid = max(order.paid, 1)
    share = (1, 1) if fully_refunded or refunded >= paid else (refunded, paid)

    returned_target = order.points_redeemed * share[0] // share[1]
    returned = _sum(order.number, PointsEntry.Kind.RETURN)
    if returned_target > returned:
        grant_points(
            member_id=order.member_id,
            points=returned_target - returned,
            source=PointsSource.RETURNED,
            idempotency_key=f"return:{order.number}:refund:{order_refund_id}",
            reference=order.number,
        )
    earned = _sum(order.number, PointsEntry.Kind.EARN)
    clawed_target = earned * share[0] // share[1]
    # Points already spent cannot be taken back; a later refund tries again for what is due.
    clawed = _sum(order.number, PointsEntry.Kind.CLAWBACK)
    if clawed_target > clawed:
        _take_back(
            account,
            clawed_target - clawed,
            key=f"clawback:{order.number}:refund:{order_refund_id}",
            reference=order.number,
        )


def return_points_of_unpaid_order(*, order: OrderFacts) -> PointsEntry | None:
    """An order cancelled before it was paid gives back every point used on it."""
    if not order.points_redeemed:
        return None
    return grant_points(
        member_id=order.member_id,
        points=order.points_redeemed,
        source=PointsSource.RETURNED,
        idempotency_key=f"return:{order.number}:unpaid",
        reference=order.number,
    )


def grant_review_points(*, member_id: int, review_ids: list[int]) -> int:
    """Points for each review that became a verified purchase, once per review."""
    granted = 0
    for review_id in review_ids:
        entry = grant_points(
            member_id=member_id,
            points=settings.POINTS_PER_VERIFIED_REVIEW,
            source=PointsSource.REVIEW,
            idempotency_key=f"review:{review_id}",
            reference=f"review:{review_id}",
        )
        granted += 1 if entry is not None else 0
    return granted


@transaction.atomic
def grant_scan_points(
    *, member_id: int, store_id: int, product_id: int, scanned_at: datetime.datetime
) -> PointsEntry | None:
    """A point for the first scan of a product in a store on a day (the store's local day), at
    most `POINTS_SCANS_PER_DAY` such grants a day per member. Later scans are no-ops."""
    day = timezone.localdate(scanned_at)
    key = f"scan:{member_id}:{store_id}:{product_id}:{day.isoformat()}"
    account = _lock_account(member_id)
    if _already(key) is not None:
        return None
    today = PointsEntry.objects.filter(
        member_id=member_id,
        source=PointsSource.SCAN,
        kind=PointsEntry.Kind.EARN,
        idempotency_key__endswith=f":{day.isoformat()}",
    ).count()
    if today >= settings.POINTS_SCANS_PER_DAY:
        return None
    del account
    return grant_points(
        member_id=member_id,
        points=settings.POINTS_PER_SCAN,
        source=PointsSource.SCAN,
        idempotency_key=key,
        reference=f"scan:{store_id}:{product_id}",
    )


def expire_points(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Expire every grant whose time has come (beat, hourly); each member in its own
    transaction. Returns how many members were looked at."""
    now = now or timezone.now()
    member_ids = list(
        PointsGrant.objects.filter(expires_at__lte=now, remaining__gt=0)
        .values_list("member_id", flat=True)
        .distinct()[:limit]
    )
    for member_id in member_ids:
        with transaction.atomic():
            _expire_due(_lock_account(member_id), now)
    return len(member_ids)


def catch_up_purchase_points(*, days: int = 2) -> int:
    """Grant the purchase points of orders paid in the last `days` that have none (a signal
    lost between the payment's commit and its receiver). Returns how many were granted."""
    from members.services.facts import order_facts
    from orders import selectors as order_selectors

    since = timezone.now() - datetime.timedelta(days=days)
    orders = list(order_selectors.orders_paid_since(since=since))
    done = set(
        PointsEntry.objects.filter(
            idempotency_key__in=[f"purchase:{o.number}" for o in orders]
        ).values_list("reference", flat=True)
    )
    granted = 0
    for order in orders:
        if order.member_id is None:
            continue
        if order.number not in done and grant_purchase_points(order=order_facts(order)):
            granted += 1
    return granted
