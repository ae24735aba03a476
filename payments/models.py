"""Money movements: payments, refunds, the member wallet and provider webhooks.

Payments know an order only by its reference (the order number); orders learn what happened
through the signals in `payments.signals`.
"""

from django.db import models
from django.db.models import F, Q

from omostore.money import CURRENCIES

currency_choices = [(code, code) for code in CURRENCIES]


class PaymentMethod(models.TextChoices):
    WALLET = "wallet", "Wallet"
    CARD = "card", "Card (Stripe)"
    TEST = "test", "Test provider"
    # Taken at a staffed register, outside any provider: recorded, never charged by us.
    CASH = "cash", "Cash"
    TERMINAL = "terminal", "Card terminal"


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    reference = models.CharField(max_length=40, db_index=True, help_text="Order number.")
    member = models.ForeignKey(
        "accounts.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        help_text="Empty for cash or a card terminal at a register without a member QR.",
    )
    method = models.CharField(max_length=8, choices=PaymentMethod.choices)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, choices=currency_choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    refunded_amount = models.PositiveIntegerField(default=0)
    provider_ref = models.CharField(max_length=120, blank=True, db_index=True)
    client_secret = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=F("amount")), name="payment_refund_lte_amount"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.amount} {self.currency} for {self.reference} ({self.status})"

    @property
    def refundable_amount(self) -> int:
        return self.amount - self.refunded_amount if self.status == self.Status.SUCCEEDED else 0


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveIntegerField()
    reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    provider_ref = models.CharField(max_length=120, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_positive")]

    def __str__(self) -> str:
        return f"refund {self.amount} of payment {self.payment_id}"


class WalletAccount(models.Model):
    """A member's stored value. The balance never goes below zero (a database constraint)."""

    member = models.OneToOneField(
        "accounts.Member", on_delete=models.PROTECT, related_name="wallet"
    )
    currency = models.CharField(max_length=3, choices=currency_choices, default="JPY")
    balance = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="wallet_balance_gte_0")
        ]

    def __str__(self) -> str:
        return f"wallet of {self.member_id}: {self.balance} {self.currency}"


class WalletEntry(models.Model):
    """The wallet's ledger: every change of balance, with the key that makes it happen once."""

    class Kind(models.TextChoices):
        TOP_UP = "top_up", "Top-up"
        SPEND = "spend", "Spend"
        REFUND = "refund", "Refund"

    account = models.ForeignKey(WalletAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    amount = models.IntegerField(help_text="Positive adds to the balance, negative spends.")
    balance_after = models.IntegerField()
    idempotency_key = models.CharField(max_length=120, unique=True)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="wallet_entries"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "wallet entries"

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class WalletTopUp(models.Model):
    """A top-up paid through a card or the test provider; credited when its payment succeeds."""

    account = models.ForeignKey(WalletAccount, on_delete=models.PROTECT, related_name="top_ups")
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="top_up")
    amount = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"top-up {self.amount} of wallet {self.account_id}"


class WebhookEvent(models.Model):
    """Every provider event we accepted, once: a replay finds its id here and changes nothing."""

    provider = models.CharField(max_length=16)
    event_id = models.CharField(max_length=120)
    event_type = models.CharField(max_length=80)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.event_id}"
