"""Reads of payments, with their related rows already fetched."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Member
from payments.models import Payment, WalletEntry


def payments_for_reference(*, reference: str) -> QuerySet[Payment]:
    """Every payment of an order, newest first, its refunds prefetched."""
    return (
        Payment.objects.filter(reference=reference)
        .prefetch_related("refunds")
        .order_by("-created_at", "-pk")
    )


def succeeded_payment_for(*, reference: str) -> Payment | None:
    """The payment that paid for `reference` (the first to succeed, should there be two)."""
    return (
        Payment.objects.filter(reference=reference, status=Payment.Status.SUCCEEDED)
        .prefetch_related("refunds")
        .order_by("succeeded_at", "pk")
        .first()
    )


def latest_payment_for(*, reference: str) -> Payment | None:
    """The newest payment of `reference` (an order number), whatever its status."""
    return Payment.objects.filter(reference=reference).order_by("-pk").first()


def pending_payments_for(*, reference: str) -> QuerySet[Payment]:
    """The payments of `reference` still waiting for their outcome."""
    return Payment.objects.filter(reference=reference, status=Payment.Status.PENDING).order_by("pk")


def refundable_payments_for(*, reference: str) -> list[Payment]:
    """The succeeded payments of `reference` with money left to refund, oldest first."""
    return [
        payment
        for payment in Payment.objects.filter(
            reference=reference, status=Payment.Status.SUCCEEDED
        ).order_by("succeeded_at", "pk")
        if payment.refundable_amount > 0
    ]


def payments_by_reference(*, references: list[str]) -> dict[str, list[Payment]]:
    """Every payment of each reference, oldest first, refunds prefetched (one list page)."""
    grouped: dict[str, list[Payment]] = {reference: [] for reference in references}
    for payment in (
        Payment.objects.filter(reference__in=references)
        .prefetch_related("refunds")
        .order_by("created_at", "pk")
    ):
        grouped[payment.reference].append(payment)
    return grouped


def wallet_entries(*, member: Member) -> QuerySet[WalletEntry]:
    """The member's wallet ledger, newest first."""
    return (
        WalletEntry.objects.filter(account__member=member)
        .select_related("payment")
        .order_by("-created_at", "-pk")
    )


def member_payment(*, member: Member, payment_id: int) -> Payment | None:
    return Payment.objects.filter(pk=payment_id, member=member).first()
