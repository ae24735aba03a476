"""The floor's figures for managers: pick time per order, items per hour per picker, and the
shortage rate, over the last `days` days."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Sum
from django.utils import timezone

from fulfillment.models import PickLine, PickTask


def floor_figures(*, store_ids: list[int] | None, days: int = 7) -> dict:
    since = timezone.now() - datetime.timedelta(days=days)
    tasks = PickTask.objects.filter(picked_at__gte=since, started_at__isnull=False)
    lines = PickLine.objects.filter(task__picked_at__gte=since)
    if store_ids is not None:
        tasks = tasks.filter(store_id__in=store_ids)
        lines = lines.filter(task__store_id__in=store_ids)
    # Pick time per order: first claim of any of its tasks to the last task picked.
    per_order: dict[int, list] = {}
    for order_id, started, picked in tasks.values_list("order_id", "started_at", "picked_at"):
        first, last = per_order.get(order_id, (started, picked))
        per_order[order_id] = [min(first, started), max(last, picked)]
    minutes = sorted((last - first).total_seconds() / 60 for first, last in per_order.values())
    pickers = []
    for row in (
        tasks.values("picker_id", "picker__email", "picker__display_name")
        .annotate(tasks=Count("pk"))
        .order_by("picker__email")
    ):
        mine = tasks.filter(picker_id=row["picker_id"])
        seconds = sum(
            (t.picked_at - t.started_at).total_seconds()
            for t in mine.only("picked_at", "started_at")
        )
        items = (
            PickLine.objects.filter(task__in=mine, sold_by="piece").aggregate(
                n=Sum("quantity_picked")
            )["n"]
            or 0
        ) + PickLine.objects.filter(task__in=mine, sold_by="weight", quantity_picked__gt=0).count()
        pickers.append(
            {
                "name": row["picker__display_name"] or row["picker__email"] or "—",
                "tasks": row["tasks"],
                "items": items,
                "items_per_hour": round(items / (seconds / 3600), 1) if seconds else None,
            }
        )
    total_lines = lines.count()
    short_lines = lines.filter(status__in=["short", "substituted"]).count()
    return {
        "days": days,
        "orders": len(minutes),
        "median_pick_minutes": round(minutes[len(minutes) // 2], 1) if minutes else None,
        "pickers": pickers,
        "lines": total_lines,
        "shortage_rate": round(100 * short_lines / total_lines, 1) if total_lines else None,
        "late_tasks": tasks.filter(picked_at__gt=F("due_at")).count(),
    }
