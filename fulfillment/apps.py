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
        ],
    }
