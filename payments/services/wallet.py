"""The member wallet: stored value, every change a ledger entry."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Member
from omostore.money import Money
from payments.models import (
    Payment,
    WalletAccount,
    WalletEntry,
)

logger = logging.getLogger(__name__)

# A PositiveIntegerField holds at most this on every database we run on.
# Top-up bounds in major units (¥100 to ¥100,000); minor units scale with the currency.


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


def _add_to_balance(*, account_id: int, amount: int, now) -> int | None:
    """One conditional UPDATE (never below zero) that returns the new balance (RETURNING, on
    SQLite and PostgreSQL), or None when the balance is too low."""
    table = connection.ops.quote_name(WalletAccount._meta.db_table)
    sql = "UPDATE {} SET {} WHERE {} RETURNING balance".format(  # noqa: S608
        table,
        "balance = balance + %s, updated_at = %s",
        "id = %s AND balance + %s >= 0",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [amount, connection.ops.adapt_datetimefield_value(now), account_id, amount]
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _move_wallet(
    *,
    account_id: int,
    amount: int,
    kind: str,
    idempotency_key: str,
    payment: Payment | None,
    new_key: bool = False,
) -> WalletEntry | None:
    """Add `amount` (negative spends) to the balance and write its ledger entry, or do nothing
    and return None when the balance would go below zero or the key was already used. Needs a
    transaction (the entry and the balance change commit together). `new_key`: the key cannot
    have been used (it names a payment created in this transaction): one conditional UPDATE
    that reads the balance back, and the entry, without savepoints."""
    now = timezone.now()
    if new_key:
        balance_after = _add_to_balance(account_id=account_id, amount=amount, now=now)
        if balance_after is None:
            return None
        return WalletEntry.objects.create(
            account_id=account_id,
            kind=kind,
            amount=amount,
            balance_after=balance_after,
            idempotency_key=idempotency_key,
            payment=payment,
        )
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
