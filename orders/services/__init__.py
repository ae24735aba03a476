"""Writes of the orders app, one module per use case, re-exported here so callers import
`orders.services` and never need to know which module holds what:

- `cart`: the cart of a member or an anonymous shopper, and its quantity rules
- `checkout`: a priced, reserved order from the cart, and its payment started (or resumed)
- `pipeline`: every status change (`set_status`), every other timeline step (`record_event`);
  goods that leave the store are sold
- `stock_allocation`: the units each line holds in the offer's reserved stock, reserved,
  released (`release_line_units`: shortages, substitutions, line refunds) and sold through
  catalog's stock services
- `cancellation`: by the member, by the store, by the clock
- `refunds`: per line, by amount, or everything that is left
- `payment_outcomes`: what a payment's or a refund's outcome does to its order
- `exit_pass`: scan & go exit passes
- `substitution`: a substitute agreed while picking becomes a line of its own
- `register`: sales and line refunds at a staffed register, and their e-receipts
"""

from orders.services.cancellation import (
    cancel_order,
    cancel_order_by_staff,
    cancel_unpaid_order,
    expire_unpaid_orders,
)
from orders.services.cart import (
    DEFAULT_WEIGHED_GRAMS,
    STOCK_RULE,
    add_recipe_to_cart,
    add_to_cart,
    anonymous_cart,
    cart_for_member,
    check_available,
    merge_carts,
    remove_line,
    restore_cart_from_order,
    set_line_quantity,
    validate_quantity,
)
from orders.services.checkout import (
    DELIVERY_NOTES_MAX,
    DELIVERY_PHONE_PATTERN,
    DELIVERY_PROMISE,
    DeliveryRequest,
    check_delivery,
    line_total,
    place_order,
    reservation_minutes,
    resume_payment,
    start_order_payment,
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
    record_refund_failure,
)
from orders.services.pipeline import (
    LEAVES_THE_STORE,
    record_event,
    release_reservation,
    set_status,
)
from orders.services.refunds import (
    line_refund_amount,
    refund_order_amount,
    refund_order_lines,
    refund_remaining,
    refundable_lines,
)
from orders.services.register import (
    REGISTER_ROLES,
    BasketItem,
    check_register_staff,
    e_receipt_code,
    order_for_e_receipt,
    price_item,
    refund_register_lines,
    sell_at_register,
)
from orders.services.stock_allocation import (
    allocate_line_units,
    allocate_new_lines,
    release_line_units,
    release_order_allocations,
    sell_order_allocations,
)
from orders.services.substitution import substitute_line_units

__all__ = [
    "DEFAULT_WEIGHED_GRAMS",
    "DELIVERY_NOTES_MAX",
    "DELIVERY_PHONE_PATTERN",
    "DELIVERY_PROMISE",
    "EXIT_PASS_SALT",
    "LEAVES_THE_STORE",
    "REGISTER_ROLES",
    "STOCK_RULE",
    "BasketItem",
    "DeliveryRequest",
    "add_recipe_to_cart",
    "add_to_cart",
    "allocate_line_units",
    "allocate_new_lines",
    "anonymous_cart",
    "cancel_order",
    "cancel_order_by_staff",
    "cancel_unpaid_order",
    "cart_for_member",
    "check_available",
    "check_delivery",
    "check_register_staff",
    "e_receipt_code",
    "expire_unpaid_orders",
    "issue_exit_pass",
    "line_refund_amount",
    "line_total",
    "merge_carts",
    "order_for_e_receipt",
    "place_order",
    "price_item",
    "record_event",
    "record_payment",
    "record_payment_failure",
    "record_refund",
    "record_refund_failure",
    "refund_order_amount",
    "refund_order_lines",
    "refund_register_lines",
    "refund_remaining",
    "refundable_lines",
    "release_line_units",
    "release_order_allocations",
    "release_reservation",
    "remove_line",
    "reservation_minutes",
    "restore_cart_from_order",
    "resume_payment",
    "sell_at_register",
    "sell_order_allocations",
    "set_line_quantity",
    "set_status",
    "start_order_payment",
    "store_is_open",
    "substitute_line_units",
    "validate_quantity",
    "verify_exit_pass",
]
