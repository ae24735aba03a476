"""Celery tasks of fulfillment (thin: load by id, call one service)."""

from celery import shared_task

from fulfillment.dispatch_service import tick


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
