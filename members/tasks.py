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
