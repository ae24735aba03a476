"""Writes of members, one module per use case, re-exported here:

- `account`: closing an account (every app's part), favourites
- `points`: the points ledger: earn, redeem, give back, take back, expire
"""

from members.services.account import (
    ProductNotFound,
    add_favourite,
    close_account,
    remove_favourite,
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
    "OrderFacts",
    "ProductNotFound",
    "add_favourite",
    "catch_up_purchase_points",
    "close_account",
    "expire_points",
    "grant_points",
    "grant_purchase_points",
    "grant_review_points",
    "grant_scan_points",
    "redeem_points",
    "remove_favourite",
    "return_points_of_unpaid_order",
    "settle_refund_points",
]
