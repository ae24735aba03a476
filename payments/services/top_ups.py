"""Wallet top-ups through the card or test provider; credited when the payment succeeds."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from accounts.models import Member
from omostore.money import Money
from payments.errors import (
    IdempotencyKeyReused,
    InvalidAmount,
    PaymentMethodUnavailable,
)
from payments.models import (
    Payment,
    PaymentMethod,
    WalletAccount,
    WalletTopUp,
)
from payments.services.common import (
    TOP_UP_REFERENCE_PREFIX,
    _check_amount,
    _check_method_available,
    _same_payment,
    top_up_bounds,
)
from payments.services.payments import _resume, _start_provider_payment
from payments.services.wallet import _home_currency

logger = logging.getLogger(__name__)

# A PositiveIntegerField holds at most this on every database we run on.
# Top-up bounds in major units (¥100 to ¥100,000); minor units scale with the currency.


def start_top_up(*, member: Member, amount: int, method: str, idempotency_key: str) -> Payment:
    """A payment (card or test) that adds `amount` to the member's wallet once it succeeds;
    its reference is "TOPUP-<payment id>". The same key returns the same payment."""
    if method not in (PaymentMethod.CARD, PaymentMethod.TEST):
        raise PaymentMethodUnavailable(_("A wallet is topped up by card (or the test provider)."))
    account = WalletAccount.objects.filter(member=member).first()
    currency = account.currency if account is not None else _home_currency(member)
    _check_amount(amount, currency)
    low, high = (Money(bound, currency) for bound in top_up_bounds(currency))
    if not low.amount <= amount <= high.amount:
        raise InvalidAmount(
            _("A top-up is from %(low)s to %(high)s.") % {"low": low, "high": high},
            details={"min": low.as_dict(), "max": high.as_dict()},
        )
    request = {"member_id": member.pk, "amount": amount, "currency": currency}
    existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if not WalletTopUp.objects.filter(payment=existing).exists():
            raise IdempotencyKeyReused(_("This Idempotency-Key was already used for a payment."))
        return _resume(_same_payment(existing, method=method, **request))
    _check_method_available(method)
    return _start_provider_payment(
        member=member,
        request={**request, "method": method, "reference": f"{TOP_UP_REFERENCE_PREFIX}new"},
        idempotency_key=idempotency_key,
        top_up=True,
    )
