"""Writes of the orders app, one module per use case, re-exported here so callers import
`orders.services` and never need to know which module holds what:

- `cart`: the cart of a member or an anonymous shopper
- `checkout`: a priced, reserved order from the cart, and its payment started
- `pipeline`: every status change (`set_status` and its transition table), cancellation, expiry
- `payment_outcomes`: what a payment's success or failure does to its order
- `exit_pass`: scan & go exit passes
"""

from orders.services.cart import (
    DEFAULT_WEIGHED_GRAMS,
    add_recipe_to_cart,
    add_to_cart,
    anonymous_cart,
    cart_for_member,
    merge_carts,
    remove_line,
    set_line_quantity,
    validate_quantity,
)
from orders.services.checkout import (
    DELIVERY_PROMISE,
    DeliveryRequest,
    check_delivery,
    line_total,
    place_order,
    reservation_minutes,
    store_is_open,
)
from orders.services.exit_pass import (
    EXIT_PASS_SALT,
    issue_exit_pass,
    verify_exit_pass,
)
from orders.services.payment_outcomes import (
    record_payment,
    record_payment_failure,
    record_refund,
)
from orders.services.pipeline import (
    cancel_order,
    cancel_unpaid_order,
    expire_unpaid_orders,
    order_group,
    refund_order,
    release_reservation,
    set_status,
)

__all__ = [
    "DEFAULT_WEIGHED_GRAMS",
    "DELIVERY_PROMISE",
    "EXIT_PASS_SALT",
    "DeliveryRequest",
    "add_recipe_to_cart",
    "add_to_cart",
    "anonymous_cart",
    "cancel_order",
    "cancel_unpaid_order",
    "cart_for_member",
    "check_delivery",
    "expire_unpaid_orders",
    "issue_exit_pass",
    "line_total",
    "merge_carts",
    "order_group",
    "place_order",
    "record_payment",
    "record_payment_failure",
    "record_refund",
    "refund_order",
    "release_reservation",
    "remove_line",
    "reservation_minutes",
    "set_line_quantity",
    "set_status",
    "store_is_open",
    "validate_quantity",
    "verify_exit_pass",
]
