from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "fulfillment"
    verbose_name = "Picking, packing and delivery"
    role_permissions = {
        "manager": [
            "fulfillment.view_rider",
            "fulfillment.add_rider",
            "fulfillment.change_rider",
            "fulfillment.view_trip",
            "fulfillment.change_trip",
            "fulfillment.view_tripstop",
            "fulfillment.view_picktask",
            "fulfillment.view_pickline",
            "fulfillment.view_pickscan",
            "fulfillment.view_bag",
            "fulfillment.view_substitution",
        ],
    }

    def ready(self) -> None:
        from fulfillment import receivers
        from orders import signals as order_signals

        order_signals.order_paid.connect(
            receivers.on_order_paid, dispatch_uid="fulfillment.order_paid"
        )
        order_signals.order_cancelled.connect(
            receivers.on_order_cancelled, dispatch_uid="fulfillment.order_cancelled"
        )
