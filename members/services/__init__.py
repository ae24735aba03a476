"""Writes of members, one module per use case, re-exported here:

- `account`: closing an account (every app's part), favourites
- `points`: the points ledger: earn, redeem, give back, take back, expire
- `notifications`: the inbox, Web Push subscriptions and preferences, and what each event says
"""

from members.services.account import (
    ProductNotFound,
    add_favourite,
    close_account,
    remove_favourite,
)
from members.services.notifications import (
    InvalidSubscription,
    SubscriptionTaken,
    mark_read,
    notify,
    notify_favourite_back_in_stock,
    notify_favourite_marked_down,
    notify_order_status,
    notify_substitution_needed,
    push_wanted,
    remind_points_expiring,
    send_push_for_message,
    set_push_preferences,
    subscribe_push,
    unsubscribe_push,
)
from members.services.points import (
    InsufficientPoints,
    OrderFacts,
    catch_up_purchase_points,
    expire_points,
    grant_points,
    grant_purchase_points,
    grant_review_points,
    grant_scan_points,
    redeem_points,
    return_points_of_unpaid_order,
    settle_refund_points,
)

__all__ = [
    "InsufficientPoints",
    "InvalidSubscription",
    "OrderFacts",
    "ProductNotFound",
    "SubscriptionTaken",
    "add_favourite",
    "catch_up_purchase_points",
    "close_account",
    "expire_points",
    "grant_points",
    "grant_purchase_points",
    "grant_review_points",
    "grant_scan_points",
    "mark_read",
    "notify",
    "notify_favourite_back_in_stock",
    "notify_favourite_marked_down",
    "notify_order_status",
    "notify_substitution_needed",
    "push_wanted",
    "redeem_points",
    "remind_points_expiring",
    "remove_favourite",
    "return_points_of_unpaid_order",
    "send_push_for_message",
    "set_push_preferences",
    "settle_refund_points",
    "subscribe_push",
    "unsubscribe_push",
]
