"""Orders for managers: lines, timeline, payments and refunds; filters; refunds."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render

from omostore.errors import DomainError
from orders import services
from orders.models import Cart, CartLine, Order, OrderEvent, OrderLine
from payments.models import Payment
from stores.admin_scoping import StoreScopedAdmin, StoreScopedMixin


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ["sku", "name_en", "quantity", "sold_by", "unit_price", "line_total"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class RefundForm(forms.Form):
    _selected_action = forms.CharField(widget=forms.MultipleHiddenInput)
    amount = forms.IntegerField(min_value=1, help_text="In the currency's minor unit (yen).")
    reason = forms.CharField(max_length=200)


@admin.register(Order)
class OrderAdmin(StoreScopedAdmin):
    list_display = [
        "number",
        "store",
        "channel",
        "status",
        "total",
        "currency",
        "member_code",
        "created_at",
        "promised_by",
    ]
    list_filter = ["channel", "status", "store", "payment_method"]
    search_fields = ["number", "member__member_code"]
    list_select_related = ["store", "member"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, OrderEventInline]
    # What the shop needs; the idempotency key and request fingerprint stay out of sight.
    fields = [
        "number",
        "store",
        "member_code",
        "channel",
        "status",
        "currency",
        "total",
        "payment_method",
        "delivery_address",
        "delivery_distance_m",
        "promised_by",
        "paid_at",
        "exit_verified_at",
        "created_at",
        "payments",
    ]
    readonly_fields = fields
    actions = ["refund"]

    @admin.display(description="member")
    def member_code(self, order):
        return order.member.member_code

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="payments and refunds")
    def payments(self, order):
        rows = []
        for payment in Payment.objects.filter(reference=order.number).prefetch_related("refunds"):
            refunds = ", ".join(f"-{r.amount} ({r.status})" for r in payment.refunds.all())
            rows.append(
                f"#{payment.pk} {payment.method} {payment.amount} {payment.currency} "
                f"{payment.status}" + (f" · refunds {refunds}" if refunds else "")
            )
        return "; ".join(rows) or "—"

    @admin.action(description="Refund (part or all of) the selected order")
    def refund(self, request, queryset):
        if not request.user.has_perm("orders.change_order"):
            self.message_user(request, "Only managers refund orders.", messages.ERROR)
            return None
        if "apply" in request.POST:
            form = RefundForm(request.POST)
            if form.is_valid():
                for order in queryset:
                    try:
                        services.refund_order(
                            order=order,
                            amount=form.cleaned_data["amount"],
                            actor=request.user,
                            reason=form.cleaned_data["reason"],
                        )
                    except DomainError as error:
                        self.message_user(request, f"{order}: {error.message}", messages.ERROR)
                    else:
                        self.message_user(request, f"{order}: refunded.", messages.SUCCESS)
                return None
        else:
            form = RefundForm(
                initial={
                    "_selected_action": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
                }
            )
        return render(
            request,
            "admin/orders/refund_form.html",
            {**self.admin_site.each_context(request), "form": form, "orders": queryset},
        )


class CartLineInline(StoreScopedMixin, admin.TabularInline):
    store_path = "cart__store"
    model = CartLine
    extra = 0
    raw_id_fields = ["offer"]


@admin.register(Cart)
class CartAdmin(StoreScopedAdmin):
    list_display = ["pk", "store", "member_code", "updated_at"]
    list_filter = ["store"]
    list_select_related = ["store", "member"]
    inlines = [CartLineInline]
    fields = ["store", "member_code", "created_at", "updated_at"]
    readonly_fields = fields

    @admin.display(description="member")
    def member_code(self, cart):
        return cart.member.member_code if cart.member_id else "anonymous"

    def has_add_permission(self, request):
        return False  # carts are the shoppers'; the admin only looks
