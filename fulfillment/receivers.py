"""What fulfillment does when orders announce something. Receivers only schedule work."""

from orders.models import Channel

PICKED_CHANNELS = {Channel.PICKUP, Channel.DELIVERY}


def on_order_paid(sender, *, order, **kwargs) -> None:
    """A paid pickup or delivery order becomes pick tasks, in a Celery task sent after commit
    (never inside the payment webhook's transaction)."""
    if order.channel in PICKED_CHANNELS:
        from fulfillment.tasks import create_pick_tasks

        create_pick_tasks.delay_on_commit(order.pk)
