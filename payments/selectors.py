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


def wallet_entries(*, member: Member) -> QuerySet[WalletEntry]:
    """The member's wallet ledger, newest first."""
    return (
        WalletEntry.objects.filter(account__member=member)
        .select_related("payment")
        .order_by("-created_at", "-pk")
    )


def member_payment(*, member: Member, payment_id: int) -> Payment | None:
    return Payment.objects.filter(pk=payment_id, member=member).first()
