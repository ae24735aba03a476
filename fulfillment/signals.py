"""Domain events of fulfillment, for the apps above it (members' notifications, insights).

Sent after the transaction that made the change has committed
(`omostore.domain_events.send_after_commit`); receivers live in the receiving app's
`receivers.py` and must accept `**kwargs`.
"""

from __future__ import annotations

from django.dispatch import Signal

# A picker found a line short and proposed a substitute: the shopper should answer on the order
# page before `expires_at`, after which their standing choice applies.
#   order (Order), line_id (int: the OrderLine), substitution_id (int), expires_at (datetime)
substitution_offered = Signal()
