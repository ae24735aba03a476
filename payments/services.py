"""Writes of payments: pay, cancel, refund, top up the wallet, and take provider events in.

Every money movement is one conditional UPDATE (`balance >= amount`, `status = 'pending'`,
`refunded_amount + amount <= amount`), correct on SQLite and PostgreSQL alike without reading
first, and every one carries an idempotency key with a unique constraint, so a retry, a replayed
webhook or two deliveries at once change state once. Signals (`payments.signals`) are sent inside
the transaction that makes the change.

Provider calls (Stripe's API) are made outside this module's transactions where the caller lets
them be: a payment row is committed first, then the PaymentIntent is created with the payment's
idempotency key, so a retry never creates a second one.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Member, User
from omostore.errors import DomainError
from omostore.money import Money, minor_unit_exponent
from payments import providers, signals
from payments.errors import (
    IdempotencyKeyReused,
    InsufficientFunds,
    InvalidAmount,
    InvalidWebhook,
    PaymentMethodUnavailable,
    PaymentProviderError,
    RefundNotAllowed,
)
from payments.models import (
    Payment,
    PaymentMethod,
    Refund,
    WalletAccount,
    WalletEntry,
    WalletTopUp,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

# A PositiveIntegerField holds at most this on every database we run on.
MAX_AMOUNT = 2_147_483_647
# Top-up bounds in major units (¥100 to ¥100,000); minor units scale with the currency.
TOP_UP_MIN_MAJOR = 100
TOP_UP_MAX_MAJOR = 100_000
TOP_UP_REFERENCE_PREFIX = "TOPUP-"
TEST_OUTCOMES = ("succeed", "decline")
WEBHOOK_PROVIDERS = {"stripe": PaymentMethod.CARD, "test": PaymentMethod.TEST}

Status = Payment.Status


# --- Checks ---------------------------------------------------------------------------------------


def _check_amount(amount: Any, currency: str) -> None:
    try:
        minor_unit_exponent(currency)
    except ValueError:
        raise InvalidAmount(f"Unsupported currency {currency!r}.") from None
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise InvalidAmount("The amount must be a positive whole number of minor units.")


def _check_method_available(method: str) -> None:
    if method == PaymentMethod.TEST and not settings.TEST_PAYMENTS_ENABLED:
        raise PaymentMethodUnavailable("The test payment provider exists only outside production.")
    if method == PaymentMethod.CARD and not providers.stripe_configured():
        raise PaymentMethodUnavailable("Card payments are not available (no Stripe key is set).")
    if method not in PaymentMethod.values:
        raise PaymentMethodUnavailable(f"Unknown payment method {method!r}.")


def top_up_bounds(currency: str) -> tuple[int, int]:
    """The smallest and largest top-up, in the currency's minor units."""
    scale = 10 ** minor_unit_exponent(currency)
    return TOP_UP_MIN_MAJOR * scale, TOP_UP_MAX_MAJOR * scale


def _same_payment(payment: Payment, **expected: Any) -> Payment:
    """The payment an idempotency key already made, if it was made for the same request."""
    if any(getattr(payment, field) != value for field, value in expected.items()):
        raise IdempotencyKeyReused("This idempotency key was already used for another payment.")
    return payment


# --- Wallet ---------------------------------------------------------------------------------------


def _home_currency(member: Member) -> str:
    return member.home_store.currency if member.home_store_id else settings.DEFAULT_CURRENCY


def wallet_for(*, member: Member) -> WalletAccount:
    """The member's wallet, opened (empty, in the home store's currency) on first use."""
    account = WalletAccount.objects.filter(member=member).first()
    if account is not None:
        return account
    account, _ = WalletAccount.objects.get_or_create(
        member=member, defaults={"currency": _home_currency(member)}
    )
    return account


def wallet_balance(*, member: Member) -> Money:
    """Reads only: a member without a wallet has a zero balance in their home currency."""
    account = WalletAccount.objects.filter(member=member).first()
    if account is None:
        return Money.zero(_home_currency(member))
    return Money(account.balance, account.currency)


def _move_wallet(
    *,
    account_id: int,
    amount: int,
    kind: str,
    idempotency_key: str,
    payment: Payment | None,
) -> WalletEntry | None:
    """Add `amount` (negative spends) to the balance and write its ledger entry, or do nothing
    and return None when the balance would go below zero or the key was already used. Needs a
    transaction (the entry and the balance change commit together)."""
    now = timezone.now()
    with transaction.atomic():  # a savepoint: a replayed key undoes the balance change too
        accounts = WalletAccount.objects.filter(pk=account_id)
        if amount < 0:
            accounts = accounts.filter(balance__gte=-amount)
        if not accounts.update(balance=F("balance") + amount, updated_at=now):
            return None
        balance_after = WalletAccount.objects.values_list("balance", flat=True).get(pk=account_id)
        try:
            with transaction.atomic():
                return WalletEntry.objects.create(
                    account_id=account_id,
                    kind=kind,
                    amount=amount,
                    balance_after=balance_after,
                    idempotency_key=idempotency_key,
                    payment=payment,
                )
        except IntegrityError:
            transaction.set_rollback(True)
            return None


# --- Payment state changes (each once, by a conditional UPDATE) -----------------------------------


def _mark_succeeded(*, payment_id: int, from_statuses: tuple[str, ...]) -> Payment | None:
    """Succeed the payment if it is in one of `from_statuses`; credit a top-up and send
    payment_succeeded. Returns the payment, or None when another delivery got there first."""
    changed = Payment.objects.filter(pk=payment_id, status__in=from_statuses).update(
        status=Status.SUCCEEDED, succeeded_at=timezone.now(), failure_reason=""
    )
    if not changed:
        return None
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


# --- Payments -------------------------------------------------------------------------------------


def start_payment(
    *,
    member: Member,
    reference: str,
    amount: int,
    currency: str,
    method: str,
    idempotency_key: str,
) -> Payment:
    """Start paying `amount` for `reference` (an order number).

    wallet: spent at once (succeeded, payment_succeeded sent) or InsufficientFunds with nothing
    changed. card: a Stripe PaymentIntent, the payment pending until its webhook. test: pending
    until `confirm_test_payment`. The same idempotency key returns the same payment and never
    charges twice; the same key for a different request raises IdempotencyKeyReused.
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
    existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _resume(_same_payment(existing, **request))
    _check_method_available(method)
    if method == PaymentMethod.WALLET:
        return _pay_from_wallet(member=member, request=request, idempotency_key=idempotency_key)
    return _start_provider_payment(
        member=member, request=request, idempotency_key=idempotency_key, top_up=False
    )


@transaction.atomic
def _pay_from_wallet(*, member: Member, request: dict, idempotency_key: str) -> Payment:
    account = wallet_for(member=member)
    if account.currency != request["currency"]:
        raise PaymentMethodUnavailable(
            f"The wallet holds {account.currency}; this payment is in {request['currency']}."
        )
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
    )
    if spent is None:
        balance = WalletAccount.objects.values_list("balance", flat=True).get(pk=account.pk)
        have, need = Money(balance, account.currency), Money(payment.amount, account.currency)
        raise InsufficientFunds(
            f"The wallet holds {have}; this payment needs {need}.",
            details={"balance": have.as_dict(), "amount": need.as_dict()},
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
            "The card payment could not be started; please try again."
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


# --- Refunds --------------------------------------------------------------------------------------


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
            raise RefundNotAllowed("A wallet top-up cannot be refunded.")
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
                raise RefundNotAllowed(f"This payment is {current.status}; nothing to refund.")
            left = Money(current.refundable_amount, current.currency)
            raise RefundNotAllowed(
                f"At most {left} of this payment can be refunded.",
                details={"refundable": left.as_dict()},
            )
        _refund_through_provider(refund, payment=Payment.objects.get(pk=payment.pk))
    payment.refresh_from_db()
    refund.refresh_from_db()
    return refund


def _same_refund(refund: Refund, *, payment: Payment, amount: int) -> Refund:
    if refund.payment_id != payment.pk or refund.amount != amount:
        raise IdempotencyKeyReused("This idempotency key was already used for another refund.")
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
                "The card provider did not take the refund; nothing was refunded."
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


# --- Wallet top-ups -------------------------------------------------------------------------------


def start_top_up(*, member: Member, amount: int, method: str, idempotency_key: str) -> Payment:
    """A payment (card or test) that adds `amount` to the member's wallet once it succeeds;
    its reference is "TOPUP-<payment id>". The same key returns the same payment."""
    if method not in (PaymentMethod.CARD, PaymentMethod.TEST):
        raise PaymentMethodUnavailable("A wallet is topped up by card (or the test provider).")
    account = WalletAccount.objects.filter(member=member).first()
    currency = account.currency if account is not None else _home_currency(member)
    _check_amount(amount, currency)
    low, high = (Money(bound, currency) for bound in top_up_bounds(currency))
    if not low.amount <= amount <= high.amount:
        raise InvalidAmount(
            f"A top-up is from {low} to {high}.",
            details={"min": low.as_dict(), "max": high.as_dict()},
        )
    request = {"member_id": member.pk, "amount": amount, "currency": currency}
    existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if not WalletTopUp.objects.filter(payment=existing).exists():
            raise IdempotencyKeyReused("This idempotency key was already used for a payment.")
        return _resume(_same_payment(existing, method=method, **request))
    _check_method_available(method)
    return _start_provider_payment(
        member=member,
        request={**request, "method": method, "reference": f"{TOP_UP_REFERENCE_PREFIX}new"},
        idempotency_key=idempotency_key,
        top_up=True,
    )


# --- Provider events ------------------------------------------------------------------------------


def _webhook_secret(provider: str) -> str:
    if provider == "stripe":
        secret = settings.STRIPE_WEBHOOK_SECRET
    elif provider == "test":
        if not settings.TEST_PAYMENTS_ENABLED:
            raise InvalidWebhook("The test provider exists only outside production.")
        secret = settings.TEST_PAYMENTS_WEBHOOK_SECRET
    else:
        raise InvalidWebhook(f"Unknown payment provider {provider!r}.")
    if not secret:
        raise InvalidWebhook(f"Webhooks of {provider} are not configured.")
    return secret


def _parse_event(payload: bytes) -> dict[str, Any]:
    try:
        event = json.loads(payload)
        if not (
            isinstance(event, dict)
            and isinstance(event.get("id"), str)
            and 0 < len(event["id"]) <= 120
            and isinstance(event.get("type"), str)
            and 0 < len(event["type"]) <= 80
            and isinstance(event.get("data"), dict)
            and isinstance(event["data"].get("object"), dict)
        ):
            raise ValueError("not an event")
    except ValueError as exc:
        raise InvalidWebhook("The webhook body is not a provider event.") from exc
    return event


def handle_webhook(*, provider: str, payload: bytes, signature_header: str) -> WebhookEvent | None:
    """Take one provider event in: the single code path of Stripe's and the test provider's
    webhooks.

    The signature is checked first (Stripe's scheme, 300 s tolerance): InvalidWebhook, and no
    trace, when it fails. The event is then recorded, once per event id (a unique constraint,
    inserted first): a replay returns None and changes nothing. Its change is made in the same
    transaction, by a conditional UPDATE, so concurrent deliveries change state once.
    """
    secret = _webhook_secret(provider)
    try:
        providers.verify_event(
            payload=payload, signature_header=signature_header or "", secret=secret
        )
    except (stripe.SignatureVerificationError, ValueError, TypeError, AttributeError) as exc:
        raise InvalidWebhook("The webhook signature or body is not valid.") from exc
    event = _parse_event(payload)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = WebhookEvent.objects.create(
                    provider=provider,
                    event_id=event["id"],
                    event_type=event["type"],
                    payload=event,
                )
        except IntegrityError:
            return None
        _apply_event(method=WEBHOOK_PROVIDERS[provider], event=event)
    return record


def _apply_event(*, method: str, event: dict[str, Any]) -> None:
    kind, obj = event["type"], event["data"]["object"]
    if kind.startswith("payment_intent."):
        _apply_payment_intent_event(method=method, kind=kind, intent=obj)
    elif kind == "charge.refunded":
        _apply_charge_refunded(method=method, charge=obj)
    elif kind in ("refund.updated", "refund.failed"):
        refund = _refund_for(method=method, refund_ref=obj.get("id"))
        if refund is not None:
            _apply_refund_status(refund_id=refund.pk, status=obj.get("status"))
    else:
        logger.info("ignored provider event %s (%s)", event["id"], kind)


def _apply_payment_intent_event(*, method: str, kind: str, intent: dict[str, Any]) -> None:
    intent_id = intent.get("id")
    payment = (
        Payment.objects.filter(method=method, provider_ref=intent_id).first()
        if isinstance(intent_id, str) and intent_id
        else None
    )
    if payment is None:
        logger.warning("%s for unknown PaymentIntent %s", kind, intent.get("id"))
        return
    if kind == "payment_intent.succeeded":
        if intent.get("amount") != payment.amount or (
            str(intent.get("currency", "")).lower() != payment.currency.lower()
        ):
            logger.error(
                "PaymentIntent %s succeeded for %s %s; payment %s is %s %s: left as it is",
                payment.provider_ref,
                intent.get("amount"),
                intent.get("currency"),
                payment.pk,
                payment.amount,
                payment.currency,
            )
            return
        # The provider has the money: a payment we had canceled (its order expired) or seen
        # fail (the shopper then retried) succeeds too, and orders refunds what it cannot use.
        _mark_succeeded(
            payment_id=payment.pk,
            from_statuses=(Status.PENDING, Status.FAILED, Status.CANCELED),
        )
    elif kind == "payment_intent.payment_failed":
        error = intent.get("last_payment_error") or {}
        _mark_failed(
            payment_id=payment.pk,
            status=Status.FAILED,
            reason=str(error.get("message") or "declined"),
        )
    elif kind == "payment_intent.canceled":
        _mark_failed(
            payment_id=payment.pk,
            status=Status.CANCELED,
            reason=str(intent.get("cancellation_reason") or "canceled by the provider"),
        )


def _refund_for(*, method: str, refund_ref: Any) -> Refund | None:
    if not isinstance(refund_ref, str) or not refund_ref:
        return None
    return Refund.objects.filter(payment__method=method, provider_ref=refund_ref).first()


def _apply_charge_refunded(*, method: str, charge: dict[str, Any]) -> None:
    listed = (charge.get("refunds") or {}).get("data") or []
    if listed:
        for item in listed:
            refund = _refund_for(method=method, refund_ref=item.get("id"))
            if refund is not None:
                _apply_refund_status(refund_id=refund.pk, status=item.get("status"))
        return
    # Newer API versions leave the refunds out of the charge; a fully refunded charge means
    # every refund of its payment went through.
    if charge.get("refunded") and charge.get("payment_intent"):
        for refund_id in Refund.objects.filter(
            payment__method=method,
            payment__provider_ref=charge["payment_intent"],
            status=Refund.Status.PENDING,
        ).values_list("pk", flat=True):
            _mark_refund_succeeded(refund_id=refund_id)


# --- The test provider ----------------------------------------------------------------------------


def confirm_test_payment(*, payment: Payment, outcome: str) -> None:
    """The test provider's card network: the shopper's "card" is charged ("succeed") or declined
    ("decline"), and the outcome comes back as a signed Stripe-format event through
    `handle_webhook`, the same code path as Stripe's own webhooks.

    Like a real provider it does not know what we did with the payment meanwhile: confirming a
    payment canceled here plays the race of a shopper paying as the order expires (the webhook
    code then decides). The confirm API lets shoppers confirm only pending payments."""
    if not settings.TEST_PAYMENTS_ENABLED or payment.method != PaymentMethod.TEST:
        raise PaymentMethodUnavailable("The test payment provider exists only outside production.")
    if outcome not in TEST_OUTCOMES:
        raise DomainError("outcome must be succeed or decline.")
    succeed = outcome == "succeed"
    event = providers.payment_intent_event(
        event_type="payment_intent.succeeded" if succeed else "payment_intent.payment_failed",
        intent_id=payment.provider_ref,
        amount=payment.amount,
        currency=payment.currency,
        metadata={"reference": payment.reference, "payment_id": str(payment.pk)},
        status="succeeded" if succeed else "requires_payment_method",
        last_payment_error=None
        if succeed
        else {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "generic_decline",
            "message": "Your card was declined.",
        },
    )
    payload = json.dumps(event)
    handle_webhook(
        provider="test",
        payload=payload.encode(),
        signature_header=providers.sign_payload(
            payload, secret=settings.TEST_PAYMENTS_WEBHOOK_SECRET
        ),
    )
    payment.refresh_from_db()
