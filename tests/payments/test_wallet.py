"""The member wallet: spends by conditional update, never below zero; top-ups credited once."""

import json

import pytest
from django.db.models import Sum

from omostore.errors import api_exception_handler
from omostore.money import Money
from payments import services
from payments.errors import IdempotencyKeyReused, InsufficientFunds, PaymentMethodUnavailable
from payments.models import Payment, PaymentMethod, WalletAccount, WalletEntry, WebhookEvent
from tests import factories
from tests.payments.helpers import TEST_WEBHOOK_SECRET, intent_event, run_at_once, signature

pytestmark = pytest.mark.django_db


def pay_from_wallet(member, amount: int, key: str = "order:ORD-1", reference: str = "ORD-1"):
    return services.start_payment(
        member=member,
        reference=reference,
        amount=amount,
        currency="JPY",
        method=PaymentMethod.WALLET,
        idempotency_key=key,
    )


def ledger_total(account: WalletAccount) -> int:
    return WalletEntry.objects.filter(account=account).aggregate(total=Sum("amount"))["total"] or 0


def test_a_wallet_with_enough_balance_pays_at_once(member, signal_log):
    account = factories.make_wallet(member=member, balance=5000)

    payment = pay_from_wallet(member, 1980)

    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.succeeded_at is not None
    account.refresh_from_db()
    assert account.balance == 3020
    spend = WalletEntry.objects.get(account=account, kind=WalletEntry.Kind.SPEND)
    assert (spend.amount, spend.balance_after, spend.payment) == (-1980, 3020, payment)
    assert ledger_total(account) == account.balance
    assert signal_log.of("payment_succeeded") == [payment.pk]
    assert services.wallet_balance(member=member) == Money(3020, "JPY")


def test_the_whole_balance_can_be_spent(member):
    account = factories.make_wallet(member=member, balance=1000)

    pay_from_wallet(member, 1000)

    account.refresh_from_db()
    assert account.balance == 0


def test_an_insufficient_balance_is_refused_and_changes_nothing(member, signal_log):
    account = factories.make_wallet(member=member, balance=999)

    with pytest.raises(InsufficientFunds) as refused:
        pay_from_wallet(member, 1000)

    assert refused.value.code == "insufficient_funds"
    assert refused.value.details["balance"] == Money(999, "JPY").as_dict()
    response = api_exception_handler(refused.value, {})
    assert response.status_code == 402
    assert response.data["error"]["code"] == "insufficient_funds"
    account.refresh_from_db()
    assert account.balance == 999
    assert Payment.objects.count() == 0
    assert WalletEntry.objects.filter(kind=WalletEntry.Kind.SPEND).count() == 0
    assert signal_log.events == []


def test_a_member_without_a_wallet_cannot_pay_from_it_and_gets_none(member):
    with pytest.raises(InsufficientFunds):
        pay_from_wallet(member, 100)

    assert not WalletAccount.objects.filter(member=member).exists()
    assert services.wallet_balance(member=member) == Money(0, "JPY")


def test_the_same_key_pays_once(member, signal_log):
    account = factories.make_wallet(member=member, balance=5000)

    first = pay_from_wallet(member, 1000)
    again = pay_from_wallet(member, 1000)

    assert again.pk == first.pk
    account.refresh_from_db()
    assert account.balance == 4000
    assert signal_log.of("payment_succeeded") == [first.pk]


def test_the_same_key_for_another_payment_is_refused(member):
    factories.make_wallet(member=member, balance=5000)
    pay_from_wallet(member, 1000)

    with pytest.raises(IdempotencyKeyReused):
        pay_from_wallet(member, 2000)
    with pytest.raises(IdempotencyKeyReused):
        pay_from_wallet(factories.make_member(), 1000)


def test_a_wallet_pays_only_in_its_own_currency(member):
    factories.make_wallet(member=member, balance=5000, currency="JPY")

    with pytest.raises(PaymentMethodUnavailable):
        services.start_payment(
            member=member,
            reference="ORD-9",
            amount=500,
            currency="USD",
            method=PaymentMethod.WALLET,
            idempotency_key="order:ORD-9",
        )


def test_a_new_wallet_takes_the_home_store_currency(db):
    member = factories.make_member()
    member.home_store = factories.make_store(currency="USD")
    member.save()

    assert services.wallet_for(member=member).currency == "USD"
    assert services.wallet_for(member=factories.make_member()).currency == "JPY"


@pytest.mark.django_db(transaction=True)
def test_twenty_spends_at_once_never_overdraw(signal_log):
    """Real threads with their own connections: 20 spends of ¥100 from ¥1,000."""
    # given
    member = factories.make_member()
    account = factories.make_wallet(member=member, balance=1000)

    # when
    def spend(i: int) -> str:
        try:
            pay_from_wallet(member, 100, key=f"order:ORD-{i}", reference=f"ORD-{i}")
        except InsufficientFunds:
            return "refused"
        return "paid"

    outcomes, failures = run_at_once(20, spend)

    # then
    assert failures == []
    assert sorted(outcomes) == ["paid"] * 10 + ["refused"] * 10
    account.refresh_from_db()
    assert account.balance == 0
    assert ledger_total(account) == 0
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 10
    assert Payment.objects.exclude(status=Payment.Status.SUCCEEDED).count() == 0
    balances_after = sorted(
        WalletEntry.objects.filter(kind=WalletEntry.Kind.SPEND).values_list(
            "balance_after", flat=True
        )
    )
    assert balances_after == list(range(0, 1000, 100))
    assert len(signal_log.of("payment_succeeded")) == 10


def test_a_test_provider_top_up_is_credited_once_even_if_its_webhook_is_replayed(
    member, signal_log
):
    # given a top-up paid through the test provider
    account = factories.make_wallet(member=member, balance=200)
    payment = services.start_top_up(
        member=member, amount=3000, method=PaymentMethod.TEST, idempotency_key="top-up:1"
    )
    assert payment.reference == f"TOPUP-{payment.pk}"
    assert payment.status == Payment.Status.PENDING
    services.confirm_test_payment(payment=payment, outcome="succeed")

    # when the same event comes again, and another success event for the same intent
    delivered = WebhookEvent.objects.get()
    replay = json.dumps(delivered.payload)
    assert (
        services.handle_webhook(
            provider="test",
            payload=replay.encode(),
            signature_header=signature(replay, secret=TEST_WEBHOOK_SECRET),
        )
        is None
    )
    another = intent_event("payment_intent.succeeded", payment)
    services.handle_webhook(
        provider="test",
        payload=another.encode(),
        signature_header=signature(another, secret=TEST_WEBHOOK_SECRET),
    )

    # then
    payment.refresh_from_db()
    account.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert account.balance == 3200
    top_ups = WalletEntry.objects.filter(account=account, payment=payment)
    assert [(e.kind, e.amount, e.balance_after) for e in top_ups] == [("top_up", 3000, 3200)]
    assert ledger_total(account) == account.balance
    assert signal_log.of("payment_succeeded") == [payment.pk]


def test_a_declined_top_up_credits_nothing(member, signal_log):
    payment = services.start_top_up(
        member=member, amount=3000, method=PaymentMethod.TEST, idempotency_key="top-up:2"
    )

    services.confirm_test_payment(payment=payment, outcome="decline")

    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert services.wallet_balance(member=member) == Money(0, "JPY")
    assert signal_log.of("payment_failed") == [payment.pk]


@pytest.mark.parametrize(
    ("currency", "low", "high"),
    [("JPY", 100, 100_000), ("USD", 10_000, 10_000_000), ("KWD", 100_000, 100_000_000)],
)
def test_top_up_bounds_follow_the_currency_exponent(currency, low, high):
    assert services.top_up_bounds(currency) == (low, high)
