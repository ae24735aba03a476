from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Carts and orders"
    # The manager's group needs the view permission of every model the order page shows inline
    # (lines, timeline, refunds) or Django's admin silently leaves those sections out.
    # `change_order` is what the order page's actions (cancel, refund, status) ask for; the
    # order's own fields stay read-only.
    role_permissions = {
        "manager": [
            "orders.view_order",
            "orders.change_order",
            "orders.view_orderline",
            "orders.view_orderevent",
            "orders.view_orderrefund",
            "orders.view_orderrefundline",
            "orders.view_cart",
            "orders.view_cartline",
            "orders.view_registersale",
        ],
    }

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from catalog import signals as catalog_signals
        from orders import receivers
        from payments import signals as payment_signals

        payment_signals.payment_succeeded.connect(
            receivers.on_payment_succeeded, dispatch_uid="orders.payment_succeeded"
        )
        payment_signals.payment_failed.connect(
            receivers.on_payment_failed, dispatch_uid="orders.payment_failed"
        )
        payment_signals.refund_succeeded.connect(
            receivers.on_refund_succeeded, dispatch_uid="orders.refund_succeeded"
        )
        payment_signals.refund_failed.connect(
            receivers.on_refund_failed, dispatch_uid="orders.refund_failed"
        )
        catalog_signals.review_written.connect(
            receivers.on_review_written, dispatch_uid="orders.review_written"
        )
        user_logged_in.connect(receivers.on_user_logged_in, dispatch_uid="orders.merge_cart")
