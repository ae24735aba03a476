"""Payments: start (wallet, card, test provider), resume and cancel; each state change once, by
a conditional UPDATE."""

from __future__ import annotations

import logging

import stripe
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Member
from omostore.errors import DomainError
from omostore.money import Money
from payments import providers, signals
from payments.errors import (
    InsufficientFunds,
    PaymentMethodUnavailable,
    PaymentProviderError,
)
from payments.models import (
    Payment,
    PaymentMethod,
    WalletAccount,
    WalletEntry,
    WalletTopUp,
)
from payments.services.common import (
    REGISTER_METHODS,
    TOP_UP_REFERENCE_PREFIX,
    Status,
    _check_amount,
    _check_method_available,
    _same_payment,
)
from payments.services.wallet import _move_wallet, wallet_for

logger = logging.getLogger(__name__)

# A PositiveIntegerField holds at most this on every database we run on.
# Top-up bounds in major units (¥100 to ¥100,000); minor units scale with the currency.


def _mark_succeeded(
    *, payment_id: int, from_statuses: tuple[str, ...], known: Payment | None = None
) -> Payment | None:
    """Succeed the payment if it is in one of `from_statuses`; credit a top-up and send
    payment_succeeded. Returns the payment, or None when another delivery got there first.
    `known`: a wallet spend created in this transaction (no top-up; not read again)."""
    now = timezone.now()
    changed = Payment.objects.filter(pk=payment_id, status__in=from_statuses).update(
        status=Status.SUCCEEDED, succeeded_at=now, failure_reason=""
    )
    if not changed:
        return None
    if known is not None:
        known.status, known.succeeded_at, known.failure_reason = Status.SUCCEEDED, now, ""
        signals.payment_succeeded.send(sender=Payment, payment=known)
        return known
    payment = Payment.objects.select_related("member").get(pk=payment_id)
    top_up = WalletTopUp.objects.filter(payment=payment).first()
    if top_up is not None:
        _move_wallet(
            account_id=top_up.account_id,
            amount=top_up.amount,
            kind=WalletEntry.Kind.TOP_UP,
            idempotency_key=f"top-up:{top_up.pk}",
            payment=payment,
        )
    signals.payment_succeeded.send(sender=Payment, payment=payment)
    return payment


def _mark_failed(*, payment_id: int, status: str, reason: str) -> Payment | None:
    """Pending → failed or canceled, and payment_failed; never overrides a success."""
    changed = Payment.objects.filter(pk=payment_id, status=Status.PENDING).update(
        status=status, failure_reason=reason[:200]
    )
    if not changed:
        return None
    payment = Payment.objects.select_related("member").get(pk=payment_id)
    signals.payment_failed.send(sender=Payment, payment=payment)
    return payment


def start_payment(
    *,
    member: Member,
    reference: str,
    amount: int,
    currency: str,
    method: str,
    idempotency_key: str,
    new_key: bool = False,
) -> Payment:
    """Start paying `amount` for `reference` (an order number).

    wallet: spent at once (succeeded, payment_succeeded sent) or InsufficientFunds with nothing
    changed. card: a Stripe PaymentIntent, the payment pending until its webhook. test: pending
    until `confirm_test_payment`. The same idempotency key returns the same payment and never
    charges twice; the same key for a different request raises IdempotencyKeyReused.

    `new_key`: the caller knows no payment can have this key yet (it derives from a reference
    created in the same request); the lookup and the savepoints that guard a replay are skipped
    (a wallet payment then costs 7 queries instead of 15). A duplicate would still be refused by
    the key's unique constraint, failing the caller's transaction.
    """
    _check_amount(amount, currency)
    if not reference or len(reference) > Payment._meta.get_field("reference").max_length:
        raise ValueError(f"bad payment reference {reference!r}")
    request = {
        "member_id": member.pk,
        "reference": reference,
        "amount": amount,
        "currency": currency,
        "method": method,
    }
    if not new_key:
        existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _resume(_same_payment(existing, **request))
    _check_method_available(method)
    if method == PaymentMethod.WALLET:
        return _pay_from_wallet(
            member=member, request=request, idempotency_key=idempotency_key, new_key=new_key
        )
    return _start_provider_payment(
        member=member, request=request, idempotency_key=idempotency_key, top_up=False
    )


@transaction.atomic
def _pay_from_wallet(
    *, member: Member, request: dict, idempotency_key: str, new_key: bool = False
) -> Payment:
    account = wallet_for(member=member)
    if account.currency != request["currency"]:
        raise PaymentMethodUnavailable(
            _("The wallet holds %(wallet)s; this payment is in %(currency)s.")
            % {"wallet": account.currency, "currency": request["currency"]}
        )
    if new_key:
        payment = Payment.objects.create(idempotency_key=idempotency_key, **request)
    else:
        try:
            with transaction.atomic():
                payment = Payment.objects.create(idempotency_key=idempotency_key, **request)
        except IntegrityError:  # the same key at the same moment: the first one won
            return _same_payment(Payment.objects.get(idempotency_key=idempotency_key), **request)
    spent = _move_wallet(
        account_id=account.pk,
        amount=-payment.amount,
        kind=WalletEntry.Kind.SPEND,
        idempotency_key=f"spend:{payment.pk}",
        payment=payment,
        new_key=True,  # the payment was created just now: nobody spent for it yet
    )
    if spent is None:
        balance = WalletAccount.objects.values_list("balance", flat=True).get(pk=account.pk)
        have, need = Money(balance, account.currency), Money(payment.amount, account.currency)
        raise InsufficientFunds(
            _("The wallet holds %(have)s; this payment needs %(need)s.")
            % {"have": have, "need": need},
            details={"balance": have.as_dict(), "amount": need.as_dict()},
        )
    payment.member = member
    return _mark_succeeded(payment_id=payment.pk, from_statuses=(Status.PENDING,), known=payment)


@transaction.atomic
def record_register_payment(
    *,
    member: Member | None,
    reference: str,
    amount: int,
    currency: str,
    method: str,
    provider_ref: str,
    idempotency_key: str,
) -> Payment:
    """Money a staffed register took itself: cash, or a card on the store's terminal (its
    reference in `provider_ref`). Succeeds at once (payment_succeeded sent); `member` is None
    for a shopper who showed no member QR. The same key returns the same payment."""
    _check_amount(amount, currency)
    if method not in REGISTER_METHODS:
        raise PaymentMethodUnavailable(_("Unknown payment method %(method)s.") % {"method": method})
    request = {
        "member_id": member.pk if member else None,
        "reference": reference,
        "amount": amount,
        "currency": currency,
        "method": method,
    }
    existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _same_payment(existing, **request)
    payment = Payment.objects.create(
        idempotency_key=idempotency_key, provider_ref=provider_ref[:120], **request
    )
    return _mark_succeeded(payment_id=payment.pk, from_statuses=(Status.PENDING,))


def _start_provider_payment(
    *, member: Member, request: dict, idempotency_key: str, top_up: bool
) -> Payment:
    """A pending card or test payment (and its top-up row); the PaymentIntent after the row is
    committed (when the caller has no transaction of its own)."""
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                idempotency_key=idempotency_key,
                provider_ref=(
                    providers.new_test_intent_id()
                    if request["method"] == PaymentMethod.TEST
                    else ""
                ),
                **request,
            )
            if top_up:
                payment.reference = f"{TOP_UP_REFERENCE_PREFIX}{payment.pk}"
                payment.save(update_fields=["reference"])
                WalletTopUp.objects.create(
                    account=wallet_for(member=member), payment=payment, amount=payment.amount
                )
    except IntegrityError:  # the same key at the same moment: the first one won
        existing = Payment.objects.get(idempotency_key=idempotency_key)
        if top_up:
            request = {k: v for k, v in request.items() if k != "reference"}
        return _resume(_same_payment(existing, **request))
    return _resume(payment)


def _resume(payment: Payment) -> Payment:
    """A card payment whose PaymentIntent was not created yet gets it now (a retry with the same
    key: Stripe's idempotency returns the same intent)."""
    if (
        payment.method == PaymentMethod.CARD
        and payment.status == Status.PENDING
        and not payment.provider_ref
    ):
        _create_payment_intent(payment)
    return payment


def _create_payment_intent(payment: Payment) -> None:
    try:
        intent = providers.create_payment_intent(
            amount=payment.amount,
            currency=payment.currency,
            metadata={"reference": payment.reference, "payment_id": str(payment.pk)},
            idempotency_key=payment.idempotency_key,
        )
    except stripe.StripeError as exc:
        logger.warning("PaymentIntent for payment %s failed: %s", payment.pk, exc)
        with transaction.atomic():
            _mark_failed(
                payment_id=payment.pk,
                status=Status.FAILED,
                reason=f"provider error: {exc.user_message or type(exc).__name__}",
            )
        payment.refresh_from_db()
        raise PaymentProviderError(
            _("The card payment could not be started; please try again.")
        ) from exc
    Payment.objects.filter(pk=payment.pk, provider_ref="").update(
        provider_ref=intent.id, client_secret=intent.client_secret or ""
    )
    payment.refresh_from_db()


def cancel_payment(*, payment: Payment) -> Payment:
    """Pending → canceled (no signal: the caller asked). Any other status is left as it is. A
    card payment's PaymentIntent is canceled at Stripe once this commits; if that fails (it was
    paid meanwhile), the provider's success event still arrives and succeeds the payment."""
    canceled = Payment.objects.filter(pk=payment.pk, status=Status.PENDING).update(
        status=Status.CANCELED
    )
    payment.refresh_from_db()
    if canceled and payment.method == PaymentMethod.CARD and payment.provider_ref:
        intent_id = payment.provider_ref
        transaction.on_commit(lambda: _cancel_intent_quietly(intent_id))
    return payment


def _cancel_intent_quietly(intent_id: str) -> None:
    try:
        providers.cancel_payment_intent(intent_id=intent_id)
    except (stripe.StripeError, DomainError) as exc:
        logger.warning("could not cancel PaymentIntent %s: %s", intent_id, exc)
