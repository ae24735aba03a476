"""Orders for managers: lines, timeline, payments and refunds; filters; refunds."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render

from accounts.models import StaffRole
from accounts.selectors import store_ids_for
from omostore.errors import DomainError
from orders import services
from orders.models import Cart, CartLine, Order, OrderEvent, OrderLine
from payments.models import Payment


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
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "store",
        "channel",
        "status",
        "total",
        "currency",
        "member",
        "created_at",
        "promised_by",
    ]
    list_filter = ["channel", "status", "store", "payment_method"]
    search_fields = ["number", "member__member_code", "member__user__email"]
    list_select_related = ["store", "member__user"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, OrderEventInline]
    readonly_fields = [f.name for f in Order._meta.fields] + ["payments"]
    actions = ["refund"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            store_id__in=store_ids_for(user=request.user, roles=[StaffRole.Role.MANAGER])
        )

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


class CartLineInline(admin.TabularInline):
    model = CartLine
    extra = 0
    raw_id_fields = ["offer"]


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ["pk", "store", "member", "updated_at"]
    list_filter = ["store"]
    list_select_related = ["store", "member"]
    inlines = [CartLineInline]
    raw_id_fields = ["member"]
