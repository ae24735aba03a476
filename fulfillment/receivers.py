"""What fulfillment does when orders announce something. Receivers only schedule work."""

from orders.models import Channel

PICKED_CHANNELS = {Channel.PICKUP, Channel.DELIVERY}


def on_order_paid(sender, *, order, **kwargs) -> None:
    """A paid pickup or delivery order becomes pick tasks, in a Celery task sent after commit
    (never inside the payment webhook's transaction)."""
    if order.channel in PICKED_CHANNELS:
        from fulfillment.tasks import create_pick_tasks

        create_pick_tasks.delay_on_commit(order.pk)


def on_order_cancelled(sender, *, order, **kwargs) -> None:
    """A cancelled order's pick tasks leave the tablets' queues (a Celery task after commit; a
    claim of a cancelled order's task is refused meanwhile)."""
    if order.channel in PICKED_CHANNELS:
        from fulfillment.tasks import cancel_pick_tasks

        cancel_pick_tasks.delay_on_commit(order.pk)
