from celery import shared_task

from orders import services


@shared_task(name="orders.tasks.expire_unpaid_orders", ignore_result=True)
def expire_unpaid_orders() -> int:
    """Beat runs this every 30 s: unpaid reservations past their time go back on the shelf."""
    return services.expire_unpaid_orders()


@shared_task(name="orders.tasks.prune_member_qr_uses", ignore_result=True)
def prune_member_qr_uses() -> int:
    """Beat runs this hourly: the record of member QRs used at registers forgets those that
    expired anyway (a replay of one fails on its age). Here, beside the register that uses
    them, so accounts needs no tasks module of its own."""
    from accounts.member_qr import prune_member_qr_uses as prune

    return prune()
