"""Refunds: full or partial, never more than was paid, through the provider and the ledger."""

from __future__ import annotations

import logging

import stripe
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import User
from omostore.money import Money
from payments import providers, signals
from payments.errors import (
    IdempotencyKeyReused,
    PaymentProviderError,
    RefundNotAllowed,
)
from payments.models import (
    Payment,
    PaymentMethod,
    Refund,
    WalletEntry,
    WalletTopUp,
)
from payments.services.common import REGISTER_METHODS, Status, _check_amount
from payments.services.wallet import _move_wallet, wallet_for

logger = logging.getLogger(__name__)

# A PositiveIntegerField holds at most this on every database we run on.
# Top-up bounds in major units (¥100 to ¥100,000); minor units scale with the currency.


def refund_payment(
    *,
    payment: Payment,
    amount: int,
    reason: str,
    idempotency_key: str,
    actor: User | None = None,
) -> Refund:
    """Refund `amount` of a succeeded payment, in full or in part, never more than is left.

    wallet and test refunds succeed at once; a card refund is created at Stripe (inside this
    transaction: a provider error undoes everything) and succeeds when Stripe says so, now or
    by webhook. refund_succeeded is sent when it succeeds. The same idempotency key returns the
    same refund. Raises RefundNotAllowed (nothing changed) past the refundable amount.
    """
    _check_amount(amount, payment.currency)
    existing = Refund.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _same_refund(existing, payment=payment, amount=amount)
    with transaction.atomic():
        if WalletTopUp.objects.filter(payment_id=payment.pk).exists():
            raise RefundNotAllowed(_("A wallet top-up cannot be refunded."))
        try:
            with transaction.atomic():
                refund = Refund.objects.create(
                    payment_id=payment.pk,
                    amount=amount,
                    reason=reason[:200],
                    idempotency_key=idempotency_key,
                    created_by=actor,
                )
        except IntegrityError:  # the same key at the same moment: the first one won
            existing = Refund.objects.get(idempotency_key=idempotency_key)
            return _same_refund(existing, payment=payment, amount=amount)
        reserved = Payment.objects.filter(
            pk=payment.pk,
            status=Status.SUCCEEDED,
            refunded_amount__lte=F("amount") - amount,
        ).update(refunded_amount=F("refunded_amount") + amount)
        if not reserved:
            current = Payment.objects.get(pk=payment.pk)
            if current.status != Status.SUCCEEDED:
                raise RefundNotAllowed(
                    _("This payment is %(status)s; nothing to refund.") % {"status": current.status}
                )
            left = Money(current.refundable_amount, current.currency)
            raise RefundNotAllowed(
                _("At most %(left)s of this payment can be refunded.") % {"left": left},
                details={"refundable": left.as_dict()},
            )
        _refund_through_provider(refund, payment=Payment.objects.get(pk=payment.pk))
    payment.refresh_from_db()
    refund.refresh_from_db()
    return refund


def _same_refund(refund: Refund, *, payment: Payment, amount: int) -> Refund:
    if refund.payment_id != payment.pk or refund.amount != amount:
        raise IdempotencyKeyReused(_("This Idempotency-Key was already used for another refund."))
    return refund


def _refund_through_provider(refund: Refund, *, payment: Payment) -> None:
    if payment.method == PaymentMethod.WALLET:
        _move_wallet(
            account_id=wallet_for(member=payment.member).pk,
            amount=refund.amount,
            kind=WalletEntry.Kind.REFUND,
            idempotency_key=f"refund:{refund.pk}",
            payment=payment,
        )
        _mark_refund_succeeded(refund_id=refund.pk)
    elif payment.method == PaymentMethod.TEST:
        Refund.objects.filter(pk=refund.pk).update(provider_ref=providers.new_test_refund_id())
        _mark_refund_succeeded(refund_id=refund.pk)
    elif payment.method in REGISTER_METHODS:
        # Handed back at the register (cash from the drawer, or on the card terminal): the
        # cashier did it, this records it.
        _mark_refund_succeeded(refund_id=refund.pk)
    else:
        try:
            answer = providers.create_refund(
                payment_intent=payment.provider_ref,
                amount=refund.amount,
                metadata={
                    "reference": payment.reference,
                    "payment_id": str(payment.pk),
                    "refund_id": str(refund.pk),
                },
                idempotency_key=refund.idempotency_key,
            )
        except stripe.StripeError as exc:
            logger.warning("Stripe refund for payment %s failed: %s", payment.pk, exc)
            raise PaymentProviderError(
                _("The card provider did not take the refund; nothing was refunded.")
            ) from exc
        Refund.objects.filter(pk=refund.pk).update(provider_ref=answer.id)
        _apply_refund_status(refund_id=refund.pk, status=answer.status)


def _apply_refund_status(*, refund_id: int, status: str | None) -> None:
    if status == "succeeded":
        _mark_refund_succeeded(refund_id=refund_id)
    elif status in ("failed", "canceled"):
        _mark_refund_failed(refund_id=refund_id)


def _mark_refund_succeeded(*, refund_id: int) -> None:
    if Refund.objects.filter(pk=refund_id, status=Refund.Status.PENDING).update(
        status=Refund.Status.SUCCEEDED
    ):
        refund = Refund.objects.select_related("payment").get(pk=refund_id)
        signals.refund_succeeded.send(sender=Refund, refund=refund)


def _mark_refund_failed(*, refund_id: int) -> None:
    """The provider gave up on a refund: what it held back becomes refundable again."""
    if Refund.objects.filter(pk=refund_id, status=Refund.Status.PENDING).update(
        status=Refund.Status.FAILED
    ):
        refund = Refund.objects.get(pk=refund_id)
        Payment.objects.filter(pk=refund.payment_id, refunded_amount__gte=refund.amount).update(
            refunded_amount=F("refunded_amount") - refund.amount
        )
        signals.refund_failed.send(sender=Refund, refund=refund)
