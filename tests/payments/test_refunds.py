"""Refunds, full and partial, never more than was paid; the same key returns the same refund."""

import pytest

from omostore.errors import api_exception_handler
from payments import services
from payments.errors import IdempotencyKeyReused, InvalidAmount, RefundNotAllowed
from payments.models import Payment, PaymentMethod, Refund, WalletAccount, WalletEntry
from tests import factories
from tests.payments.helpers import run_at_once

pytestmark = pytest.mark.django_db


def wallet_payment(member, amount: int = 1000) -> Payment:
    factories.make_wallet(member=member, balance=amount)
    return services.start_payment(
        member=member,
        reference="ORD-100",
        amount=amount,
        currency="JPY",
        method=PaymentMethod.WALLET,
        idempotency_key="order:ORD-100",
    )


def paid_by_test_provider(member, amount: int = 1000) -> Payment:
    payment = services.start_payment(
        member=member,
        reference="ORD-200",
        amount=amount,
        currency="JPY",
        method=PaymentMethod.TEST,
        idempotency_key="order:ORD-200",
    )
    services.confirm_test_payment(payment=payment, outcome="succeed")
    payment.refresh_from_db()
    return payment


def refund(payment: Payment, amount: int, key: str, **extra) -> Refund:
    return services.refund_payment(
        payment=payment, amount=amount, reason="damaged", idempotency_key=key, **extra
    )


def test_a_full_wallet_refund_credits_the_wallet_back(member, signal_log):
    payment = wallet_payment(member)
    staff = factories.make_user()

    done = refund(payment, 1000, "refund:1", actor=staff)

    assert done.status == Refund.Status.SUCCEEDED
    assert done.created_by == staff
    assert payment.refunded_amount == 1000  # the caller's object is brought up to date
    account = WalletAccount.objects.get(member=member)
    assert account.balance == 1000
    entry = WalletEntry.objects.get(kind=WalletEntry.Kind.REFUND)
    assert (entry.amount, entry.balance_after, entry.payment) == (1000, 1000, payment)
    assert signal_log.of("refund_succeeded") == [done.pk]


def test_partial_wallet_refunds_add_up_and_never_pass_the_amount(member, signal_log):
    # given
    payment = wallet_payment(member)
    refund(payment, 300, "refund:a")
    refund(payment, 500, "refund:b")

    # when
    with pytest.raises(RefundNotAllowed) as refused:
        refund(payment, 201, "refund:c")

    # then
    assert refused.value.details["refundable"]["amount"] == 200
    assert api_exception_handler(refused.value, {}).status_code == 409
    payment.refresh_from_db()
    assert payment.refunded_amount == 800
    assert payment.refundable_amount == 200
    assert Refund.objects.count() == 2
    assert WalletAccount.objects.get(member=member).balance == 800
    assert len(signal_log.of("refund_succeeded")) == 2
    refund(payment, 200, "refund:d")
    assert WalletAccount.objects.get(member=member).balance == 1000


def test_test_provider_refunds_full_and_partial(member, signal_log):
    payment = paid_by_test_provider(member)

    part = refund(payment, 400, "refund:t1")
    rest = refund(payment, 600, "refund:t2")

    assert part.status == rest.status == Refund.Status.SUCCEEDED
    assert part.provider_ref.startswith("testre_")
    payment.refresh_from_db()
    assert payment.refunded_amount == 1000
    assert signal_log.of("refund_succeeded") == [part.pk, rest.pk]
    with pytest.raises(RefundNotAllowed):
        refund(payment, 1, "refund:t3")


def test_the_same_key_returns_the_same_refund(member, signal_log):
    payment = wallet_payment(member)

    first = refund(payment, 300, "refund:same")
    again = refund(payment, 300, "refund:same")

    assert again.pk == first.pk
    payment.refresh_from_db()
    assert payment.refunded_amount == 300
    assert WalletAccount.objects.get(member=member).balance == 300
    assert signal_log.of("refund_succeeded") == [first.pk]
    with pytest.raises(IdempotencyKeyReused):
        refund(payment, 400, "refund:same")


@pytest.mark.parametrize("amount", [0, -1, 1.5, True, "100"])
def test_refund_amounts_are_positive_whole_numbers(member, amount):
    payment = wallet_payment(member)

    with pytest.raises(InvalidAmount):
        refund(payment, amount, "refund:bad")

    assert Refund.objects.count() == 0


@pytest.mark.parametrize(
    "status", [Payment.Status.PENDING, Payment.Status.FAILED, Payment.Status.CANCELED]
)
def test_only_a_succeeded_payment_is_refunded(member, status):
    payment = factories.make_payment(member=member, status=status)

    with pytest.raises(RefundNotAllowed):
        refund(payment, 100, "refund:x")

    assert Refund.objects.count() == 0


def test_a_top_up_is_not_refunded(member):
    payment = services.start_top_up(
        member=member, amount=1000, method=PaymentMethod.TEST, idempotency_key="top-up:r"
    )
    services.confirm_test_payment(payment=payment, outcome="succeed")

    with pytest.raises(RefundNotAllowed):
        refund(payment, 1000, "refund:top-up")

    assert WalletAccount.objects.get(member=member).balance == 1000


@pytest.mark.django_db(transaction=True)
def test_refunds_at_once_never_pass_the_amount(signal_log):
    # given a ¥1,000 payment and five refunds of ¥300 asked for at once
    member = factories.make_member()
    payment = paid_by_test_provider(member)

    # when
    def refund_300(i: int) -> str:
        try:
            refund(payment, 300, f"refund:parallel:{i}")
        except RefundNotAllowed:
            return "refused"
        return "refunded"

    outcomes, failures = run_at_once(5, refund_300)

    # then
    assert failures == []
    assert sorted(outcomes) == ["refunded"] * 3 + ["refused"] * 2
    payment.refresh_from_db()
    assert payment.refunded_amount == 900
    assert Refund.objects.count() == 3
    assert len(signal_log.of("refund_succeeded")) == 3
