"""Notifications: the in-app inbox (always) and Web Push (per-kind preference, sent from Celery).

`notify` writes the inbox message once per `dedupe_key` and, when the member wants this kind as
a push and has a subscription, queues `members.tasks.send_push` after commit. The task sends to
every subscription of the member and deletes those the push service says are gone (404, 410).
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import Member
from accounts.selectors import member_language
from members import push
from members.models import (
    Favourite,
    InboxMessage,
    NotificationKind,
    NotificationPreference,
    PointsGrant,
    PushSubscription,
)
from members.notifications import ORDER_STATUS_KINDS, RULES
from omostore.errors import Conflict, DomainError, NotFound

logger = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS = 10


class InvalidSubscription(DomainError):
    code = "invalid_push_subscription"
    http_status = 400


class SubscriptionTaken(Conflict):
    code = "push_subscription_taken"


def push_wanted(*, member_id: int, kind: str) -> bool:
    pref = NotificationPreference.objects.filter(member_id=member_id, kind=kind).first()
    return pref is None or pref.push


@transaction.atomic
def notify(
    *, member_id: int, kind: str, title: str, body: str = "", url: str = "", dedupe_key: str
) -> InboxMessage | None:
    """Put a message in the member's inbox (once per `dedupe_key`; None when it was there
    already) and queue its push when wanted."""
    if kind not in RULES:
        raise ValueError(f"unknown notification kind {kind!r}")
    try:
        with transaction.atomic():
            message = InboxMessage.objects.create(
                member_id=member_id,
                kind=kind,
                title=title[:120],
                body=body[:300],
                url=url[:200],
                dedupe_key=dedupe_key[:160],
            )
    except IntegrityError:
        return None
    if (
        settings.VAPID_PRIVATE_KEY
        and push_wanted(member_id=member_id, kind=kind)
        and PushSubscription.objects.filter(member_id=member_id).exists()
    ):
        from members.tasks import send_push

        transaction.on_commit(
            lambda: send_push.apply_async((message.pk,), queue=settings.WEB_PUSH_QUEUE)
        )
    return message


def push_payload(message: InboxMessage) -> dict:
    """What the service worker shows (static/js/sw.js, "push")."""
    return {
        "id": message.pk,
        "kind": message.kind,
        "title": message.title,
        "body": message.body,
        "url": message.url or "/inbox/",
        "tag": message.kind,
    }


def send_push_for_message(*, message_id: int) -> int:
    """Send the message to every subscription of its member; delete the gone ones. Returns how
    many were delivered. Network I/O: call from a task, never inside a transaction."""
    message = InboxMessage.objects.filter(pk=message_id).first()
    if message is None or not settings.VAPID_PRIVATE_KEY:
        return 0
    if not push_wanted(member_id=message.member_id, kind=message.kind):
        return 0  # turned off since the message was queued
    rule = RULES[message.kind]
    delivered = 0
    for subscription in PushSubscription.objects.filter(member_id=message.member_id):
        outcome = push.send(
            endpoint=subscription.endpoint,
            p256dh=subscription.p256dh,
            auth=subscription.auth,
            payload=push_payload(message),
            ttl=rule.ttl,
            urgency=rule.urgency,
        )
        if outcome.gone:
            PushSubscription.objects.filter(pk=subscription.pk).delete()
        elif outcome.delivered:
            delivered += 1
            PushSubscription.objects.filter(pk=subscription.pk).update(
                last_success_at=timezone.now()
            )
        else:
            logger.warning("push to subscription %s failed: %s", subscription.pk, outcome.status)
    return delivered


def subscribe_push(
    *, member: Member, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Keep a browser's subscription for the member. An endpoint already kept for another
    member is refused (that browser must unsubscribe there first); the same one again updates
    its keys."""
    if not push.endpoint_allowed(endpoint):
        raise InvalidSubscription(_("This push service is not accepted."))
    existing = PushSubscription.objects.filter(endpoint=endpoint).first()
    if existing is not None and existing.member_id != member.pk:
        raise SubscriptionTaken(
            _(
                "This browser receives another account's notifications. Log in there and turn "
                "them off first."
            )
        )
    if existing is None and member.push_subscriptions.count() >= MAX_SUBSCRIPTIONS:
        raise InvalidSubscription(
            _("Notifications are on for %(n)d devices already: turn one off first.")
            % {"n": MAX_SUBSCRIPTIONS}
        )
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "member": member,
            "p256dh": p256dh,
            "auth": auth,
            "user_agent": user_agent[:200],
        },
    )
    return subscription


def unsubscribe_push(*, member: Member, endpoint: str) -> None:
    deleted, _rows = PushSubscription.objects.filter(member=member, endpoint=endpoint).delete()
    if not deleted:
        raise NotFound(_("No such subscription."))


def set_push_preferences(*, member: Member, push_kinds: set[str]) -> None:
    """Push for the kinds in `push_kinds`, inbox only for the others."""
    for kind in NotificationKind.values:
        NotificationPreference.objects.update_or_create(
            member=member, kind=kind, defaults={"push": kind in push_kinds}
        )


def mark_read(*, member: Member, message_id: int | None = None) -> int:
    """Mark one message (or all) read; another member's message is unknown."""
    queryset = InboxMessage.objects.filter(member=member, read_at__isnull=True)
    if message_id is not None:
        queryset = queryset.filter(pk=message_id)
    return queryset.update(read_at=timezone.now())


# --- What happened → what the member reads ------------------------------------------------------


def _in_language(member_id: int) -> override:
    """Translate in the member's language what is written inside this block. A message is written
    once (the inbox keeps the text and Web Push sends it), from a Celery task or a receiver with no
    request: so every label and `_()` must be evaluated inside, not before."""
    return override(member_language(member_id=member_id) or settings.LANGUAGE_CODE)


def notify_order_status(*, member_id: int, order_number: str, to_status: str, event_id) -> None:
    kind = ORDER_STATUS_KINDS.get(to_status)
    if kind is None:
        return
    with _in_language(member_id):
        notify(
            member_id=member_id,
            kind=kind,
            title=str(RULES[kind].label),
            body=_("Order %(number)s") % {"number": order_number},
            url=f"/orders/{order_number}/",
            dedupe_key=f"order:{order_number}:{to_status}:{event_id}",
        )


def notify_substitution_needed(*, member_id: int, order_number: str, line_id: int) -> None:
    """A picker offered a substitute (fulfillment's `substitution_offered`); the member must
    answer on the order page."""
    kind = NotificationKind.SUBSTITUTION_NEEDED
    with _in_language(member_id):
        notify(
            member_id=member_id,
            kind=kind,
            title=str(RULES[kind].label),
            body=_("Order %(number)s: accept or decline it.") % {"number": order_number},
            url=f"/orders/{order_number}/",
            dedupe_key=f"substitution:{order_number}:{line_id}",
        )


def _fans_at_store(*, product_id: int, store_id: int) -> list[int]:
    """Members who hearted the product and whose home store is this store."""
    return list(
        Favourite.objects.filter(
            product_id=product_id, member__home_store_id=store_id, member__user__is_active=True
        ).values_list("member_id", flat=True)
    )


def notify_favourite_marked_down(
    *, offer_id: int, store_id: int, product_id: int, product_name: str, price: str, day: str
) -> int:
    kind = NotificationKind.FAVOURITE_MARKED_DOWN
    sent = 0
    for member_id in _fans_at_store(product_id=product_id, store_id=store_id):
        with _in_language(member_id):
            sent += bool(
                notify(
                    member_id=member_id,
                    kind=kind,
                    title=str(RULES[kind].label),
                    body=_("%(name)s is now %(price)s at your store.")
                    % {"name": product_name, "price": price},
                    url="/favourites/",
                    dedupe_key=f"markdown:{offer_id}:{member_id}:{price}:{day}",
                )
            )
    return sent


def notify_favourite_back_in_stock(
    *, offer_id: int, store_id: int, product_id: int, product_name: str, day: str
) -> int:
    kind = NotificationKind.FAVOURITE_BACK_IN_STOCK
    sent = 0
    for member_id in _fans_at_store(product_id=product_id, store_id=store_id):
        with _in_language(member_id):
            sent += bool(
                notify(
                    member_id=member_id,
                    kind=kind,
                    title=str(RULES[kind].label),
                    body=_("%(name)s is back at your store.") % {"name": product_name},
                    url="/favourites/",
                    dedupe_key=f"restock:{offer_id}:{member_id}:{day}",
                )
            )
    return sent


def remind_points_expiring(*, days: int = 7, now: datetime.datetime | None = None) -> int:
    """Daily: a member whose points expire within `days` hears about it once per first grant
    that is about to expire."""
    now = now or timezone.now()
    rows = (
        PointsGrant.objects.filter(
            remaining__gt=0, expires_at__gt=now, expires_at__lte=now + datetime.timedelta(days=days)
        )
        .values("member_id")
        .annotate(points=Sum("remaining"), first=Min("expires_at"), first_id=Min("pk"))
    )
    kind = NotificationKind.POINTS_EXPIRING
    sent = 0
    for row in rows:
        with _in_language(row["member_id"]):
            sent += bool(
                notify(
                    member_id=row["member_id"],
                    kind=kind,
                    title=str(RULES[kind].label),
                    body=_("%(points)d points expire on %(date)s: use them at checkout.")
                    % {"points": row["points"], "date": timezone.localdate(row["first"])},
                    url="/points/",
                    dedupe_key=f"points-expiring:{row['member_id']}:{row['first_id']}",
                )
            )
    return sent
