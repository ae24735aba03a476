from celery import shared_task

from orders import services


@shared_task(name="orders.tasks.expire_unpaid_orders", ignore_result=True)
def expire_unpaid_orders() -> int:
    """Beat runs this every 30 s: unpaid reservations past their time go back on the shelf."""
    return services.expire_unpaid_orders()
