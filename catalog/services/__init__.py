"""Writes of the catalogue, one module per use case, re-exported here so callers import
`catalog.services` and never need to know which module holds what:

- `stock`: every change of on-hand and reserved units, each with its `StockMovement`
- `prices`: every change of a price or markdown, each with its `PriceChange`
- `scans`: looks at a product through a shelf label, buffered and written in bulk
- `reviews`: members' reviews, their moderation and verified purchases
- `labels`: shelf labels with stable codes
"""

from catalog.errors import InsufficientStock, InvalidPriceChange, InvalidReview, InvalidStockChange
from catalog.services.labels import labels_for_offers
from catalog.services.prices import (
    change_price,
    check_markdown,
    end_markdown,
    mark_down,
    markdown_price_for,
)
from catalog.services.reviews import mark_verified_purchases, moderate_reviews, write_review
from catalog.services.scans import (
    SCAN_BUFFER_KEY,
    SCAN_FLUSH_BATCH,
    SCAN_FLUSH_LOCK_KEY,
    SCAN_SIGNAL_FIELDS,
    flush_scan_buffer,
    record_scan,
)
from catalog.services.stock import (
    StockUnits,
    count_stock,
    receive_stock,
    record_waste,
    release_stock,
    reserve_stock,
    return_to_stock,
    sell_reserved_stock,
    take_reserved_stock,
)

__all__ = [
    "SCAN_BUFFER_KEY",
    "SCAN_FLUSH_BATCH",
    "SCAN_FLUSH_LOCK_KEY",
    "SCAN_SIGNAL_FIELDS",
    "InsufficientStock",
    "InvalidPriceChange",
    "InvalidReview",
    "InvalidStockChange",
    "StockUnits",
    "change_price",
    "check_markdown",
    "count_stock",
    "end_markdown",
    "flush_scan_buffer",
    "labels_for_offers",
    "mark_down",
    "mark_verified_purchases",
    "markdown_price_for",
    "moderate_reviews",
    "receive_stock",
    "record_scan",
    "record_waste",
    "release_stock",
    "reserve_stock",
    "return_to_stock",
    "sell_reserved_stock",
    "take_reserved_stock",
    "write_review",
]
