"""Manager screens of payments: read-only, because money moves only through the services (a
refund is an action on the order, which calls `payments.services.refund_payment`)."""

from django.contrib import admin

from omostore.money import Money
from payments.models import (
    Payment,
    Refund,
    WalletAccount,
    WalletEntry,
    WalletTopUp,
    WebhookEvent,
)
from stores.admin_scoping import ReadOnlyAdminMixin


def _money(amount: int, currency: str) -> str:
    return Money(amount, currency).format()


class RefundInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Refund
    extra = 0
    fields = ["created_at", "amount", "status", "reason", "provider_ref", "created_by"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "pk",
        "reference",
        "member",
        "method",
        "status",
        "amount_display",
        "refunded_display",
        "created_at",
        "succeeded_at",
    ]
    list_filter = ["method", "status", "currency"]
    search_fields = ["reference", "provider_ref", "member__member_code", "member__user__email"]
    list_select_related = ["member__user"]
    date_hierarchy = "created_at"
    inlines = [RefundInline]
    fields = [
        "reference",
        "member",
        "method",
        "status",
        "amount",
        "refunded_amount",
        "currency",
        "provider_ref",
        "idempotency_key",
        "failure_reason",
        "created_at",
        "succeeded_at",
    ]
    readonly_fields = fields

    @admin.display(description="amount", ordering="amount")
    def amount_display(self, payment: Payment) -> str:
        return _money(payment.amount, payment.currency)

    @admin.display(description="refunded", ordering="refunded_amount")
    def refunded_display(self, payment: Payment) -> str:
        return _money(payment.refunded_amount, payment.currency)


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "payment_reference", "amount_display", "status", "reason", "created_at"]
    list_filter = ["status", "payment__method"]
    search_fields = ["payment__reference", "provider_ref", "idempotency_key"]
    list_select_related = ["payment", "created_by"]
    fields = [
        "payment",
        "amount",
        "status",
        "reason",
        "provider_ref",
        "idempotency_key",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description="reference", ordering="payment__reference")
    def payment_reference(self, refund: Refund) -> str:
        return refund.payment.reference

    @admin.display(description="amount", ordering="amount")
    def amount_display(self, refund: Refund) -> str:
        return _money(refund.amount, refund.payment.currency)


class WalletEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WalletEntry
    extra = 0
    fields = ["created_at", "kind", "amount", "balance_after", "payment", "idempotency_key"]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]


class WalletTopUpInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WalletTopUp
    extra = 0
    fields = ["created_at", "amount", "payment"]
    readonly_fields = fields


@admin.register(WalletAccount)
class WalletAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["member", "balance_display", "updated_at"]
    list_filter = ["currency"]
    search_fields = ["member__member_code", "member__user__email"]
    list_select_related = ["member__user"]
    fields = ["member", "currency", "balance", "updated_at"]
    readonly_fields = fields
    inlines = [WalletEntryInline, WalletTopUpInline]

    @admin.display(description="balance", ordering="balance")
    def balance_display(self, account: WalletAccount) -> str:
        return _money(account.balance, account.currency)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "provider", "event_type", "event_id"]
    list_filter = ["provider", "event_type"]
    search_fields = ["event_id"]
    date_hierarchy = "received_at"
    fields = ["provider", "event_id", "event_type", "payload", "received_at"]
    readonly_fields = fields
