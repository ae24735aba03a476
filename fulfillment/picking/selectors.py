"""Reads of pick and pack: queues, one task with its lines, bags, packing."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, F, IntegerField, Prefetch, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from fulfillment.models import Bag, PickLine, PickTask, Substitution, SubstitutionChoice
from fulfillment.picking import live
from omostore.money import Money
from orders.live import local_iso


def _tasks() -> QuerySet[PickTask]:
    return PickTask.objects.select_related("order", "store", "picker").prefetch_related(
        Prefetch("lines", queryset=PickLine.objects.order_by("position", "pk"))
    )


def task_for_summary(*, task_id: int) -> PickTask:
    return _tasks().get(pk=task_id)


def task_detail(*, task_id: int, store_ids: list[int] | None) -> PickTask | None:
    """A task with its lines (and their products' images) and bags, for the pick screen."""
    tasks = (
        PickTask.objects.select_related("order", "store", "picker")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=PickLine.objects.select_related("offer__product", "task__store")
                .prefetch_related(
                    Prefetch(
                        "substitutions",
                        queryset=Substitution.objects.select_related("offer__product").order_by(
                            "pk"
                        ),
                    )
                )
                .order_by("position", "pk"),
            ),
            Prefetch("bags", queryset=bags_with_items()),
        )
        .filter(pk=task_id)
    )
    if store_ids is not None:
        tasks = tasks.filter(store_id__in=store_ids)
    return tasks.first()


def bags_with_items():
    """Bags with `items`: the pieces (a weighed line's scan counts one) confirmed into each."""
    piece = Case(
        When(scans__line__sold_by="weight", then=Value(1)),
        default=F("scans__quantity"),
        output_field=IntegerField(),
    )
    return Bag.objects.annotate(items=Coalesce(Sum(piece), 0)).order_by("number")


def order_to_pack(*, store_id: int, number: str):
    """The order being packed, if it is of this store and being picked."""
    task = (
        PickTask.objects.select_related("order")
        .filter(store_id=store_id, order__number=number, order__status="picking")
        .first()
    )
    return task.order if task is not None else None


def zone_queue(*, store_id: int, zone: str) -> list[dict[str, Any]]:
    """The zone group's `tasks`: open and claimed tasks, most urgent first."""
    tasks = _tasks().filter(store_id=store_id, zone=zone, status__in=live.QUEUE_STATUSES)
    return sorted((live.task_summary(task) for task in tasks), key=live.queue_sort_key)


def zone_snapshot(*, store, zone: str) -> dict[str, Any]:
    """The zone group's snapshot (docs/realtime.md)."""
    return {
        "store": store.code,
        "zone": zone,
        "queue_statuses": sorted(live.QUEUE_STATUSES),
        "tasks": zone_queue(store_id=store.pk, zone=zone),
    }


def bags_of_order(*, order_id: int) -> list[Bag]:
    """Every bag of an order, in number order (the dispatcher checks them at handover)."""
    return list(Bag.objects.filter(order_id=order_id).order_by("number"))


def orders_to_pack(*, store_id: int, order_id: int | None = None) -> list[dict[str, Any]]:
    """Orders of the store whose every task is picked and that are not packed yet, with their
    bags: the packing station's list (or just `order_id`'s row, if it is on it)."""
    tasks = (
        PickTask.objects.filter(store_id=store_id, order__status="picking")
        .exclude(status=PickTask.Status.CANCELLED)
        .select_related("order__store")
        .prefetch_related("bags")
        .order_by("due_at", "pk")
    )
    if order_id is not None:
        tasks = tasks.filter(order_id=order_id)
    by_order: dict[int, list[PickTask]] = {}
    for task in tasks:
        by_order.setdefault(task.order_id, []).append(task)
    rows = []
    for group in by_order.values():
        if all(t.status == PickTask.Status.PICKED for t in group):
            order = group[0].order
            bags = sorted((b for t in group for b in t.bags.all()), key=lambda b: b.number)
            rows.append({"order": order, "tasks": group, "bags": bags})
    return rows


def packing_row(row: dict) -> dict[str, Any]:
    """One order of the packing station, as the API lists it and `pack.order` carries it."""
    order, tasks = row["order"], row["tasks"]
    return {
        "number": order.number,
        "channel": order.channel,
        "due_at": local_iso(min(t.due_at for t in tasks), order.store.time_zone),
        "zones": [t.zone for t in tasks],
        "bags": [
            {"number": b.number, "zone": b.zone, "scanned": b.scanned_at is not None}
            for b in row["bags"]
        ],
    }


def packing_rows(*, store_id: int, order_id: int | None = None) -> list[dict[str, Any]]:
    """The packing station's orders, most urgent first (due time, then number)."""
    rows = [packing_row(row) for row in orders_to_pack(store_id=store_id, order_id=order_id)]
    return sorted(rows, key=lambda r: (r["due_at"], r["number"]))


def packing_snapshot(*, store) -> dict[str, Any]:
    """The packing group's snapshot (docs/realtime.md, "The packing group")."""
    return {"store": store.code, "orders": packing_rows(store_id=store.pk)}


def order_picking(*, order) -> dict[str, Any]:
    """What the shopper's live order page shows of the picking: items picked of all, each
    line's state and standing substitution choice, and the substitutes proposed (docs/orders.md).
    Weighed lines count as one item each."""
    lines = list(
        PickLine.objects.filter(task__order=order)
        .select_related("order_line")
        .order_by("order_line_id")
    )
    choices = {
        c.order_line_id: c
        for c in SubstitutionChoice.objects.filter(order_line__order=order).select_related(
            "offer__product"
        )
    }
    proposals = list(
        Substitution.objects.filter(line__task__order=order)
        .select_related("offer__product", "line")
        .order_by("pk")
    )
    zone = order.store.time_zone

    def items(line) -> tuple[int, int]:
        if line.status == PickLine.Status.SUBSTITUTED:
            return line.quantity_ordered, line.quantity_ordered
        if line.sold_by == "weight":
            return 1, int(line.status != PickLine.Status.PENDING and line.quantity_picked > 0)
        return line.quantity_ordered, line.quantity_picked

    by_line = {line.order_line_id: line for line in lines}
    last_proposal = {p.line.order_line_id: p for p in proposals}
    total = sum(items(line)[0] for line in lines)
    picked = sum(items(line)[1] for line in lines)
    return {
        "number": order.number,
        "status": order.status,
        "items_total": total,
        "items_picked": picked,
        # A line without a pick line once picking began is a substitute agreed meanwhile: the
        # original line says "replaced by ...".
        "lines": [
            _line_state(order_line, by_line.get(order_line.pk), choices, last_proposal)
            for order_line in order.lines.all()
            if order_line.pk in by_line or not by_line
        ],
        "proposals": [
            {
                "id": p.id,
                "line_id": p.line.order_line_id,
                "original": {"en": p.line.name_en, "ja": p.line.name_ja},
                "substitute": {"en": p.offer.product.name_en, "ja": p.offer.product.name_ja},
                "substitute_sku": p.offer.product.sku,
                "quantity": p.quantity,
                "unit_price": Money(p.price, order.currency).as_dict(),
                "status": p.status,
                "expires_at": local_iso(p.expires_at, zone),
            }
            for p in proposals
        ],
    }


def _line_state(
    order_line, line: PickLine | None, choices: dict, last_proposal: dict
) -> dict[str, Any]:
    choice = choices.get(order_line.pk)
    proposal = last_proposal.get(order_line.pk)
    status = line.status if line is not None else "waiting"
    if proposal is not None and proposal.status == Substitution.Status.PROPOSED:
        status = "asking"
    return {
        "line_id": order_line.pk,
        "name": {"en": order_line.name_en, "ja": order_line.name_ja},
        "sold_by": order_line.sold_by,
        "quantity": order_line.quantity,
        "picked": line.quantity_picked if line is not None else 0,
        "status": status,
        "substitute": (
            {"en": proposal.offer.product.name_en, "ja": proposal.offer.product.name_ja}
            if proposal is not None and status == PickLine.Status.SUBSTITUTED
            else None
        ),
        "choice": choice.choice if choice is not None else "best_match",
        "choice_sku": choice.offer.product.sku if choice is not None and choice.offer else "",
    }
