"""Sending the apps' domain signals (`<app>/signals.py`) once the transaction commits.

Every domain signal is sent after the transaction that made the change has committed, never
inside it: a receiver sees committed rows and cannot undo the change, and a slow or failing
receiver never holds a payment webhook's transaction open. A receiver that starts work schedules
an idempotent Celery task, and the receiving app keeps a periodic task that catches up on work a
lost message missed.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)


def send_after_commit(signal: Signal, *, sender, **kwargs) -> None:
    """Send `signal` once the current transaction commits (at once outside a transaction). A
    receiver that raises is logged and does not stop the others."""

    def _send() -> None:
        for receiver, result in signal.send_robust(sender=sender, **kwargs):
            if isinstance(result, Exception):
                logger.error("receiver %r of %s failed", receiver, sender, exc_info=result)

    transaction.on_commit(_send)
