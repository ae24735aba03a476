"""Writes of payments, one module per use case, re-exported here so callers import
`payments.services` and never need to know which module holds what:

- `wallet`: the member wallet and its ledger
- `payments`: start, resume and cancel a payment (wallet, card, test provider)
- `refunds`: full or partial refunds through the provider and the ledger
- `top_ups`: wallet top-ups
- `webhooks`: provider events in, the one code path of every provider
- `test_provider`: our own card network, outside production only

Every money movement is one conditional UPDATE (`balance >= amount`, `status = 'pending'`,
`refunded_amount + amount <= amount`), correct on SQLite and PostgreSQL alike without reading
first, and every one carries an idempotency key with a unique constraint, so a retry, a replayed
webhook or two deliveries at once change state once. Signals (`payments.signals`) are sent inside
the transaction that makes the change.
"""

from payments.services.common import (
    MAX_AMOUNT,
    REGISTER_METHODS,
    TEST_OUTCOMES,
    TOP_UP_MAX_MAJOR,
    TOP_UP_MIN_MAJOR,
    TOP_UP_REFERENCE_PREFIX,
    WEBHOOK_PROVIDERS,
    top_up_bounds,
)
from payments.services.payments import (
    cancel_payment,
    record_register_payment,
    start_payment,
)
from payments.services.refunds import (
    refund_payment,
)
from payments.services.test_provider import (
    confirm_test_payment,
)
from payments.services.top_ups import (
    start_top_up,
)
from payments.services.wallet import (
    wallet_balance,
    wallet_for,
)
from payments.services.webhooks import (
    handle_webhook,
)

__all__ = [
    "MAX_AMOUNT",
    "REGISTER_METHODS",
    "TEST_OUTCOMES",
    "TOP_UP_MAX_MAJOR",
    "TOP_UP_MIN_MAJOR",
    "TOP_UP_REFERENCE_PREFIX",
    "WEBHOOK_PROVIDERS",
    "cancel_payment",
    "confirm_test_payment",
    "handle_webhook",
    "record_register_payment",
    "refund_payment",
    "start_payment",
    "start_top_up",
    "top_up_bounds",
    "wallet_balance",
    "wallet_for",
]
