"""Substitutions, approved live: the shopper's standing choice per line (best match, a specific
product, or no substitute), substitutes ranked for a short line, the picker's proposal, the
shopper's Accept / Decline, and the standing choice applied when nobody answered in time.

Money: a substitute never costs more than the units it replaces; a cheaper one refunds the
difference, and a declined one refunds the units, always through `orders` refunds (which ask
`payments`) with a key per substitution, so a retry never pays twice.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import selectors as catalog_selectors
from catalog.services import InsufficientStock
from fulfillment import signals
from fulfillment.models import PickLine, Substitution, SubstitutionChoice
from fulfillment.picking import errors, services
from omostore.domain_events import send_after_commit
from orders import selectors as order_selectors
from orders import services as order_services
from orders.models import Order, OrderEventKind, OrderStatus, RefundReason

Choice = SubstitutionChoice.Choice
# A choice may change until the line is picked.
CHOICE_OPEN_STATUSES = frozenset({OrderStatus.PLACED, OrderStatus.PAID, OrderStatus.PICKING})


def answer_window() -> datetime.timedelta:
    return datetime.timedelta(seconds=getattr(settings, "SUBSTITUTION_ANSWER_SECONDS", 300))


def member_order(*, member, number: str) -> Order:
    """The member's own order, or a 404: another member's order is as unknown as a missing one."""
    order = order_selectors.member_order(member=member, number=number)
    if order is None:
        raise errors.SubstitutionNotFound(_("No such order."))
    return order


@transaction.atomic
def choose_substitution(*, member, number: str, line_id: int, choice: str, sku: str = ""):
    """The shopper's standing choice for one line of their order, until it is picked."""
    order = member_order(member=member, number=number)
    line = next((line for line in order.lines.all() if line.pk == line_id), None)
    if line is None:
        raise errors.SubstitutionNotFound(_("This order has no such line."))
    if order.status not in CHOICE_OPEN_STATUSES:
        raise errors.SubstitutionClosed(_("This order is already picked."))
    if choice not in Choice.values:
        raise errors.InvalidSubstitute(
            _("Choose best_match, specific or none."), details={"choices": Choice.values}
        )
    offer = None
    if choice == Choice.SPECIFIC:
        offer = catalog_selectors.active_offer(store=order.store, sku=sku or "")
        if offer is None or offer.pk == line.offer_id or offer.product.sold_by != "piece":
            raise errors.InvalidSubstitute(_("Choose another product of this store."))
    made, _created = SubstitutionChoice.objects.update_or_create(
        order_line=line, defaults={"choice": choice, "offer": offer}
    )
    return made


def standing_choice(*, order_line_id: int) -> tuple[str, int | None]:
    """(choice, specific offer id) for a line: best match when the shopper chose nothing."""
    made = SubstitutionChoice.objects.filter(order_line_id=order_line_id).first()
    if made is None:
        return Choice.BEST_MATCH, None
    return made.choice, made.offer_id


def rank_substitutes(*, line: PickLine, limit: int = 5) -> list[dict]:
    """Substitutes for a short piece line: same category and zone, in stock for the missing
    units; the shopper's specific choice first, then products they accepted before, then the
    closest price. Each: `{offer, price}` where `price` is what the shopper pays per unit
    (never more than the original's)."""
    order_line = line.order_line
    product = line.offer.product
    short = line.quantity_ordered - line.quantity_picked
    candidates = catalog_selectors.substitute_offers(
        store_id=line.offer.store_id,
        category_id=product.category_id,
        zone=product.zone,
        exclude_offer_id=line.offer_id,
        min_available=max(short, 1),
    )
    choice, specific = standing_choice(order_line_id=order_line.pk)
    if choice == Choice.NONE:
        return []
    accepted_before = set(
        Substitution.objects.filter(
            status=Substitution.Status.ACCEPTED,
            line__order_line__order__member_id=order_line.order.member_id,
        ).values_list("offer__product_id", flat=True)
    )
    unit_price = order_line.unit_price

    def key(offer):
        price = offer.current_price().amount
        return (
            offer.pk != specific,
            offer.product_id not in accepted_before,
            abs(price - unit_price),
            price,
            offer.pk,
        )

    ranked = sorted(candidates, key=key)[:limit]
    return [{"offer": o, "price": min(o.current_price().amount, unit_price)} for o in ranked]


@transaction.atomic
def propose_substitute(
    *, task_id: int, line_id: int, picker, store_ids: list[int] | None, offer_id: int
) -> Substitution:
    """The picker found fewer than ordered and proposes one of the ranked substitutes for the
    missing units. The line is short (its timeline says so); the shopper has
    SUBSTITUTION_ANSWER_SECONDS to accept or decline, after which their standing choice applies."""
    task, line = services._picking_line(
        task_id=task_id, line_id=line_id, picker=picker, store_ids=store_ids
    )
    if line.status != PickLine.Status.PENDING or line.sold_by != "piece":
        raise errors.NotSubstitutable(_("Only a piece line still to pick can be substituted."))
    offered = {row["offer"].pk: row for row in rank_substitutes(line=line)}
    row = offered.get(offer_id)
    if row is None:
        raise errors.InvalidSubstitute(_("Propose one of the listed substitutes."))
    short = line.quantity_ordered - line.quantity_picked
    PickLine.objects.filter(pk=line.pk).update(
        status=PickLine.Status.SHORT, updated_at=timezone.now()
    )
    order = Order.objects.select_related("store").get(pk=line.order_line.order_id)
    order_services.record_event(
        order=order,
        kind=OrderEventKind.LINE_SHORT,
        payload={"line_id": line.order_line_id, "sku": line.sku, "quantity_short": short},
        actor=picker,
        note="substitute proposed",
    )
    substitution = Substitution.objects.create(
        line=line,
        offer=row["offer"],
        quantity=short,
        price=row["price"],
        expires_at=timezone.now() + answer_window(),
        proposed_by=picker,
    )
    services._publish(task.pk)
    send_after_commit(
        signals.substitution_offered,
        sender=Substitution,
        order=order,
        line_id=line.order_line_id,
        substitution_id=substitution.pk,
        expires_at=substitution.expires_at,
    )
    return substitution


def _locked_open(substitution_id: int) -> Substitution:
    substitution = (
        Substitution.objects.select_for_update()
        .select_related("line__order_line", "line__task", "offer__product")
        .filter(pk=substitution_id)
        .first()
    )
    if substitution is None:
        raise errors.SubstitutionNotFound(_("No such substitution."))
    return substitution


@transaction.atomic
def answer_substitution(*, member, number: str, substitution_id: int, accept: bool):
    """The shopper accepts or declines a proposal on their live order page; after the time to
    answer, or a second time, it is refused (409) and nothing changes."""
    order = member_order(member=member, number=number)
    if not Substitution.objects.filter(
        pk=substitution_id, line__order_line__order_id=order.pk
    ).exists():
        raise errors.SubstitutionNotFound(_("No such substitution."))
    substitution = _locked_open(substitution_id)
    if substitution.status != Substitution.Status.PROPOSED:
        raise errors.SubstitutionClosed(_("This proposal was already answered."))
    if order.status not in (OrderStatus.PAID, OrderStatus.PICKING):
        raise errors.SubstitutionClosed(_("This order is no longer being picked."))
    if substitution.expires_at <= timezone.now():
        raise errors.SubstitutionClosed(
            _("The time to answer is over; your standing choice applied.")
        )
    status = Substitution.Status.ACCEPTED if accept else Substitution.Status.DECLINED
    return _resolve(substitution, status=status, accepted=accept, actor=member.user)


def expire_substitutions(*, now: datetime.datetime | None = None) -> int:
    """Beat: proposals nobody answered in time get the shopper's standing choice (a refund for
    `none`, the proposed substitute otherwise). Safe to run twice (a status guard)."""
    now = now or timezone.now()
    done = 0
    for substitution_id in Substitution.objects.filter(
        status=Substitution.Status.PROPOSED, expires_at__lte=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            substitution = _locked_open(substitution_id)
            if substitution.status != Substitution.Status.PROPOSED:
                continue
            choice, _offer = standing_choice(order_line_id=substitution.line.order_line_id)
            _resolve(
                substitution,
                status=Substitution.Status.EXPIRED,
                accepted=choice != Choice.NONE,
                actor=None,
            )
            done += 1
    return done


def _resolve(substitution: Substitution, *, status: str, accepted: bool, actor) -> Substitution:
    """Close the proposal (guarded by its status) and settle the line: accepted → the
    substitute's units are reserved, the original's released, any price difference refunded;
    declined → the missing units are refunded and released."""
    closed = Substitution.objects.filter(
        pk=substitution.pk, status=Substitution.Status.PROPOSED
    ).update(status=status, answered_at=timezone.now())
    if not closed:
        raise errors.SubstitutionClosed(_("This proposal was already answered."))
    line = substitution.line
    order = Order.objects.select_related("store").get(pk=line.order_line.order_id)
    if order.status not in (OrderStatus.PAID, OrderStatus.PICKING):
        # Cancelled meanwhile: the cancellation gave back the stock and the money already.
        services._publish(line.task_id)
        substitution.refresh_from_db()
        return substitution
    if accepted:
        try:
            with transaction.atomic():
                order_services.substitute_line_units(
                    line=line.order_line,
                    units=substitution.quantity,
                    offer=substitution.offer,
                    unit_price=substitution.price,
                    actor=actor,
                )
        except InsufficientStock:
            accepted = False  # gone meanwhile: the shopper gets the refund instead
    order_services.record_event(
        order=order,
        kind=OrderEventKind.LINE_SUBSTITUTED,
        payload={
            "line_id": line.order_line_id,
            "sku": line.sku,
            "substitute_sku": substitution.offer.product.sku,
            "quantity": substitution.quantity,
            "accepted": accepted,
        },
        actor=actor,
        note=status,
    )
    if accepted:
        order_line = line.order_line
        replaced = order_services.line_refund_amount(
            line_total=order_line.line_total,
            line_quantity=order_line.quantity,
            already=0,
            quantity=substitution.quantity,
        )
        PickLine.objects.filter(pk=line.pk).update(status=PickLine.Status.SUBSTITUTED)
        difference = replaced - substitution.price * substitution.quantity
        if difference > 0:
            order_services.refund_order_amount(
                order=order,
                amount=difference,
                actor=actor,
                reason=RefundReason.SHORTAGE,
                idempotency_key=f"substitution:{substitution.pk}",
                note=f"{substitution.offer.product.sku} is cheaper than {line.sku}",
            )
    else:
        services._give_back(
            line=line,
            units=substitution.quantity,
            actor=actor,
            key=f"pick-short:{line.pk}",
            note="substitute declined",
        )
    services._publish(line.task_id)
    substitution.refresh_from_db()
    return substitution
