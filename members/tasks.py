"""Celery tasks of members (thin: each calls one service)."""

from __future__ import annotations

from celery import shared_task

from members import services


@shared_task(name="members.tasks.expire_points", ignore_result=True)
def expire_points() -> int:
    """Beat, hourly: grants past their expiry leave the balance."""
    return services.expire_points()


@shared_task(name="members.tasks.catch_up_purchase_points", ignore_result=True)
def catch_up_purchase_points() -> int:
    """Beat, every 10 minutes: paid orders of the last two days that earned nothing (a lost
    `order_paid`) earn now; the idempotency key makes it safe to run any number of times."""
    return services.catch_up_purchase_points()


@shared_task(name="members.tasks.send_push", ignore_result=True)
def send_push(message_id: int) -> int:
    """One inbox message to every push subscription of its member (gone ones are deleted)."""
    return services.send_push_for_message(message_id=message_id)


@shared_task(name="members.tasks.remind_points_expiring", ignore_result=True)
def remind_points_expiring() -> int:
    """Beat, daily: members whose points expire within a week hear it once."""
    return services.remind_points_expiring()
