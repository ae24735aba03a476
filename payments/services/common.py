"""Checks shared by every money movement."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from omostore.money import minor_unit_exponent
from payments import providers
from payments.errors import (
    IdempotencyKeyReused,
    InvalidAmount,
    PaymentMethodUnavailable,
)
from payments.models import (
    Payment,
    PaymentMethod,
)

logger = logging.getLogger(__name__)

# A PositiveIntegerField holds at most this on every database we run on.
MAX_AMOUNT = 2_147_483_647
# Top-up bounds in major units (¥100 to ¥100,000); minor units scale with the currency.
TOP_UP_MIN_MAJOR = 100
TOP_UP_MAX_MAJOR = 100_000
TOP_UP_REFERENCE_PREFIX = "TOPUP-"
TEST_OUTCOMES = ("succeed", "decline")
# Money taken at a staffed register outside any provider (`record_register_payment`): cash in
# the drawer, or a card on the store's own terminal (its slip's reference is kept).
REGISTER_METHODS = frozenset({PaymentMethod.CASH, PaymentMethod.TERMINAL})
WEBHOOK_PROVIDERS = {"stripe": PaymentMethod.CARD, "test": PaymentMethod.TEST}

Status = Payment.Status


def _check_amount(amount: Any, currency: str) -> None:
    try:
        minor_unit_exponent(currency)
    except ValueError:
        raise InvalidAmount(f"Unsupported currency {currency!r}.") from None
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise InvalidAmount(_("The amount must be a positive whole number of minor units."))


def _check_method_available(method: str) -> None:
    if method == PaymentMethod.TEST and not settings.TEST_PAYMENTS_ENABLED:
        raise PaymentMethodUnavailable(
            _("The test payment provider exists only outside production.")
        )
    if method == PaymentMethod.CARD and not providers.stripe_configured():
        raise PaymentMethodUnavailable(_("Card payments are not available (no Stripe key is set)."))
    if method not in PaymentMethod.values:
        raise PaymentMethodUnavailable(_("Unknown payment method %(method)s.") % {"method": method})
    if method in REGISTER_METHODS:
        raise PaymentMethodUnavailable(
            _("Cash and card terminals are taken at a staffed register only.")
        )


def top_up_bounds(currency: str) -> tuple[int, int]:
    """The smallest and largest top-up, in the currency's minor units."""
    scale = 10 ** minor_unit_exponent(currency)
    return TOP_UP_MIN_MAJOR * scale, TOP_UP_MAX_MAJOR * scale


def _same_payment(payment: Payment, **expected: Any) -> Payment:
    """The payment an idempotency key already made, if it was made for the same request."""
    if any(getattr(payment, field) != value for field, value in expected.items()):
        raise IdempotencyKeyReused(_("This Idempotency-Key was already used for another payment."))
    return payment
