"""Domain events of the catalogue, for the apps above it (members, insights).

Sent after the transaction that made the change commits
(`omostore.domain_events.send_after_commit`). Receivers must accept `**kwargs`.
"""

from __future__ import annotations

from django.dispatch import Signal

# events: list of dicts {"event_id", "store_id", "product_id", "member_id" (or None),
# "scanned_at" (ISO 8601)}: buffered scans were written to the database.
scans_recorded = Signal()

# review_id, product_id, member_id: a member wrote a new review (orders marks it a verified
# purchase when the member has already bought the product).
review_written = Signal()

# member_id, product_ids, review_ids: reviews of the member became verified purchases.
reviews_verified = Signal()

# offer_id, store_id, product_id, old_price, new_price, markdown_price, markdown_starts_at,
# markdown_ends_at, actor: an offer's price or markdown changed (PriceChange written).
offer_price_changed = Signal()

# offer_id, store_id, product_id: an offer that had nothing available has stock again.
offer_back_in_stock = Signal()
