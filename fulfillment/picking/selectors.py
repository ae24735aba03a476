"""Reads of pick and pack: queues, one task with its lines, bags, packing."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from fulfillment.models import Bag, PickLine, PickTask
from fulfillment.picking import live


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
                queryset=PickLine.objects.select_related("offer__product").order_by(
                    "position", "pk"
                ),
            ),
            "bags",
        )
        .filter(pk=task_id)
    )
    if store_ids is not None:
        tasks = tasks.filter(store_id__in=store_ids)
    return tasks.first()


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


def orders_to_pack(*, store_id: int) -> list[dict[str, Any]]:
    """Orders of the store whose every task is picked and that are not packed yet, with their
    bags: the packing station's list."""
    tasks = (
        PickTask.objects.filter(store_id=store_id, order__status="picking")
        .exclude(status=PickTask.Status.CANCELLED)
        .select_related("order")
        .prefetch_related("bags")
        .order_by("due_at", "pk")
    )
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
