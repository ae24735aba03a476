"""What the pickers' tablets receive: the zone group's snapshot and events (docs/realtime.md,
"The zone group"). One function builds a task's summary; the snapshot (a selector, on connect)
and the events (published by services after commit) both use it, so snapshot + events = the
snapshot of now."""

from __future__ import annotations

from typing import Any

from fulfillment.models import PickTask
from omostore import realtime
from orders.live import local_iso

# The tasks a zone's queue shows: waiting for a picker, or being picked.
QUEUE_STATUSES = frozenset({PickTask.Status.OPEN, PickTask.Status.CLAIMED})


def task_summary(task: PickTask) -> dict[str, Any]:
    """A task as the queue lists it. Needs `order`, `store`, `picker` and `lines` fetched."""
    lines = list(task.lines.all())
    picker = task.picker
    return {
        "id": task.pk,
        "order_number": task.order.number,
        "channel": task.order.channel,
        "zone": task.zone,
        "status": task.status,
        "due_at": local_iso(task.due_at, task.store.time_zone),
        "picker": {"id": picker.pk, "name": picker.display_name or picker.email.split("@")[0]}
        if picker is not None
        else None,
        "lines": len(lines),
        "lines_done": sum(1 for line in lines if line.status != line.Status.PENDING),
    }


def queue_sort_key(summary: dict[str, Any]) -> tuple[str, int]:
    """Most urgent first: the earliest due time, then the oldest task."""
    return (summary["due_at"], summary["id"])


def publish_task(*, task: PickTask) -> None:
    """`pick.task` to the task's zone group once the change commits. The caller passes a task
    read with `selectors.task_for_summary` (or fresh rows) after its change."""
    realtime.publish(
        realtime.groups.store_zone(task.store_id, task.zone),
        "pick.task",
        {"task": task_summary(task)},
    )


def publish_progress(*, order) -> None:
    """`pick.progress` to the order's group: the live order page fetches the picking state
    again (`GET /api/v1/orders/<number>/picking/`). The order group's fold ignores it."""
    realtime.publish(realtime.groups.order(order.pk), "pick.progress", {"number": order.number})


def publish_packing(*, store_id: int, order_id: int, number: str) -> None:
    """`pack.order` to the store's packing group once the change commits: the order's row as the
    packing station lists it, or `null` once it is off the list (packed, cancelled)."""
    from fulfillment.picking import selectors  # selectors import this module

    rows = selectors.packing_rows(store_id=store_id, order_id=order_id)
    realtime.publish(
        realtime.groups.store_packing(store_id),
        "pack.order",
        {"number": number, "order": rows[0] if rows else None},
    )
