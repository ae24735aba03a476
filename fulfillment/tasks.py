"""Celery tasks of fulfillment: thin, idempotent, each calls one service."""

import datetime

from celery import shared_task
from django.core.exceptions import ObjectDoesNotExist

from fulfillment.dispatch_service import tick
from fulfillment.picking import services


@shared_task(name="fulfillment.tasks.create_pick_tasks", ignore_result=True)
def create_pick_tasks(order_id: int) -> int:
    """A paid order's pick tasks (a second run makes nothing new)."""
    try:
        return len(services.create_pick_tasks(order_id=order_id))
    except ObjectDoesNotExist:  # the order is gone (a test database, a purge): nothing to do
        return 0


@shared_task(name="fulfillment.tasks.create_missing_pick_tasks", ignore_result=True)
def create_missing_pick_tasks() -> int:
    """Beat runs this every minute: paid orders of the last day whose `order_paid` was lost."""
    return services.create_missing_pick_tasks(since=datetime.timedelta(days=1))


@shared_task(name="fulfillment.tasks.expire_substitutions", ignore_result=True)
def expire_substitutions() -> int:
    """Beat runs this every 15 s: unanswered proposals get the shopper's standing choice."""
    from fulfillment.picking import substitutions

    return substitutions.expire_substitutions()


@shared_task(name="fulfillment.tasks.cancel_pick_tasks", ignore_result=True)
def cancel_pick_tasks(order_id: int) -> int:
    """A cancelled order's tasks leave the queues (a second run changes nothing)."""
    return services.cancel_pick_tasks(order_id=order_id)


@shared_task(name="fulfillment.tasks.dispatch_all_stores")
def dispatch_all_stores() -> int:
    """Beat, every DISPATCH_TICK_SECONDS: one dispatcher tick per store with riders on duty."""
    store_ids = tick.stores_to_dispatch()
    for store_id in store_ids:
        dispatch_store.delay(store_id)
    return len(store_ids)


@shared_task(name="fulfillment.tasks.dispatch_store", expires=30)
def dispatch_store(store_id: int) -> str:
    """One store's tick under its Redis lock (a second one at once does nothing)."""
    return tick.run_store_tick(store_id=store_id).status
