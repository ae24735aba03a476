"""Orders for managers: an order's lines, timeline, payments and refunds, read-only, with the
actions the manager may take (cancel with a full refund, refund lines or an amount, move the
order along the pipeline), each one a form that calls one service. A list of every refund of
the manager's stores.

Every screen is store-scoped (`StoreScopedAdmin`): another store's order is as unknown as a
missing one. Money is shown in the order's currency, times in its store's time zone. The
manager's group holds the view permissions of the inline models (orders/apps.py), or Django
would silently leave the lines and the timeline out.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from omostore.errors import DomainError
from omostore.money import Money
from orders import live, services
from orders.models import (
    STAFF_CANCEL_REASONS,
    STAFF_REFUND_REASONS,
    CancelReason,
    Cart,
    CartLine,
    Order,
    OrderEvent,
    OrderLine,
    OrderRefund,
    OrderRefundLine,
    RefundReason,
    RegisterSale,
)
from orders.statuses import staff_may_cancel, staff_moves
from payments import selectors as payment_selectors
from stores.admin_scoping import ReadOnlyAdminMixin, StoreScopedAdmin, StoreScopedMixin


def _money(amount: int, currency: str) -> str:
    return Money(amount, currency).format()


def _local(moment, store) -> str:
    """A time in the store's zone, as the manager reads it: `2026-05-01 18:30`."""
    if moment is None:
        return "—"
    text = live.local_iso(moment, store.time_zone)
    return f"{text[:10]} {text[11:16]}"


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["sku", "name", "quantity_display", "unit_price_display", "total_display"]
    readonly_fields = fields
    verbose_name = "line"

    @admin.display(description="name")
    def name(self, line):
        return line.name_en

    @admin.display(description="quantity")
    def quantity_display(self, line):
        return f"{line.quantity} g" if line.sold_by == "weight" else str(line.quantity)

    @admin.display(description="unit price")
    def unit_price_display(self, line):
        per = " / 100 g" if line.sold_by == "weight" else ""
        return _money(line.unit_price, line.order.currency) + per

    @admin.display(description="amount")
    def total_display(self, line):
        return _money(line.line_total, line.order.currency)


class RegisterSaleInline(ReadOnlyInline):
    """A register sale's cashier, cash and change, or the card terminal's slip reference."""

    model = RegisterSale
    fields = ["cashier", "tendered", "change", "terminal_reference"]
    readonly_fields = fields
    verbose_name = "register sale"

    @admin.display(description="cash handed over")
    def tendered(self, sale):
        return _money(sale.cash_tendered, sale.order.currency) if sale.cash_tendered else "—"

    @admin.display(description="change")
    def change(self, sale):
        if sale.change_given is None:
            return "—"
        return _money(sale.change_given, sale.order.currency)


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["when", "what", "details", "actor", "note"]
    readonly_fields = fields
    verbose_name = "timeline step"
    verbose_name_plural = "timeline"

    @admin.display(description="when")
    def when(self, event):
        return _local(event.created_at, event.order.store)

    @admin.display(description="what")
    def what(self, event):
        if event.kind == OrderEvent.Kind.STATUS_CHANGED:
            return f"{event.from_status or '—'} → {event.to_status}"
        return event.get_kind_display()

    @admin.display(description="details")
    def details(self, event):
        return _event_details(event)


def _event_details(event: OrderEvent) -> str:
    """An event's payload as a manager reads it (docs/orders.md lists each kind's fields)."""
    payload, kind = event.payload, event.kind
    currency = payload.get("currency") or event.order.currency
    skus = {line.pk: line.sku for line in event.order.lines.all()}
    if kind == OrderEvent.Kind.STATUS_CHANGED:
        reason = payload.get("reason")
        return f"reason: {reason}" if reason else "—"
    if kind in (OrderEvent.Kind.REFUND, OrderEvent.Kind.REFUND_FAILED):
        text = f"{_money(payload['amount'], currency)} to {payload['destination']}"
        if payload.get("reason"):
            text += f" · {payload['reason']}"
        lines = [
            f"{line['quantity']} of {skus.get(line['line_id'], line['line_id'])}"
            f" ({_money(line['amount'], currency)})"
            for line in payload.get("lines", [])
        ]
        return text + (" · " + ", ".join(lines) if lines else " · by amount")
    if kind == OrderEvent.Kind.PAYMENT_FAILED:
        return f"{payload['method']} payment {payload['status']}: {payload['reason'] or '—'}"
    if kind == OrderEvent.Kind.LINE_SHORT:
        return f"{payload['sku']}: {payload['quantity_short']} short"
    if kind == OrderEvent.Kind.LINE_SUBSTITUTED:
        answer = "accepted" if payload["accepted"] else "declined"
        return f"{payload['sku']} → {payload['substitute_sku']}, {payload['quantity']} ({answer})"
    return ", ".join(f"{key}: {value}" for key, value in payload.items()) or "—"


class OrderRefundInline(ReadOnlyInline):
    model = OrderRefund
    fields = ["when", "amount_display", "destination", "reason", "status", "lines_display", "actor"]
    readonly_fields = fields
    show_change_link = True
    verbose_name = "refund"

    @admin.display(description="when")
    def when(self, refund):
        return _local(refund.created_at, refund.order.store)

    @admin.display(description="amount")
    def amount_display(self, refund):
        return refund.amount_money.format()

    @admin.display(description="lines")
    def lines_display(self, refund):
        return _refund_lines(refund)


def _refund_lines(refund: OrderRefund) -> str:
    lines = [
        f"{line.quantity}{' g' if line.line.sold_by == 'weight' else ''} of {line.line.sku} "
        f"({_money(line.amount, refund.currency)})"
        for line in refund.lines.all()
    ]
    return ", ".join(lines) or "by amount"


class StaffCancelForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[(str(r), CancelReason(r).label) for r in STAFF_CANCEL_REASONS]
    )
    note = forms.CharField(max_length=200, required=False)
    request_id = forms.UUIDField(widget=forms.HiddenInput)


class RefundAmountForm(forms.Form):
    amount = forms.IntegerField(min_value=1, help_text="In the currency's minor unit (yen).")
    reason = forms.ChoiceField(
        choices=[(str(r), RefundReason(r).label) for r in STAFF_REFUND_REASONS],
        initial=RefundReason.GOODWILL,
    )
    note = forms.CharField(max_length=200, required=False)
    request_id = forms.UUIDField(widget=forms.HiddenInput)


class RefundLinesForm(forms.Form):
    """One quantity field per line that still has units to refund (0 leaves it)."""

    reason = forms.ChoiceField(
        choices=[(str(r), RefundReason(r).label) for r in STAFF_REFUND_REASONS],
        initial=RefundReason.SHORTAGE,
    )
    note = forms.CharField(max_length=200, required=False)
    request_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            line = row["line"]
            unit = " g" if line.sold_by == "weight" else ""
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                min_value=0,
                max_value=row["left"],
                initial=0,
                required=False,
                label=f"{line.sku} {line.name_en}",
                help_text=f"up to {row['left']}{unit} "
                f"({_money(row['left_amount'], line.order.currency)})",
            )

    def clean(self):
        data = super().clean()
        lines = {
            row["line"].pk: data.get(f"line_{row['line'].pk}") or 0
            for row in self.rows
            if data.get(f"line_{row['line'].pk}")
        }
        if not lines:
            raise forms.ValidationError("Enter how many units of at least one line to refund.")
        data["lines"] = lines
        return data


@admin.register(Order)
class OrderAdmin(StoreScopedAdmin):
    list_display = [
        "number",
        "store",
        "channel",
        "status",
        "total_display",
        "member_code",
        "placed",
        "promised",
    ]
    list_filter = ["channel", "status", "store", "payment_method"]
    search_fields = ["number", "member__member_code"]
    list_select_related = ["store", "member"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, RegisterSaleInline, OrderEventInline, OrderRefundInline]
    change_form_template = "admin/orders/order/change_form.html"

    class Media:
        css = {"all": ["css/admin_orders.css"]}

    # What the shop needs, compact; the idempotency key and request fingerprint stay out of sight.
    fields = [
        ("status", "channel", "total_display"),
        ("store", "member_code", "payment_method"),
        ("placed", "paid", "promised"),
        "payments_display",
    ]
    delivery_fields = [("delivery_address", "delivery_distance_m")]
    in_store_fields = ["exit_verified"]
    readonly_fields = [
        "status",
        "channel",
        "total_display",
        "store",
        "member_code",
        "payment_method",
        "placed",
        "paid",
        "promised",
        "payments_display",
        "delivery_address",
        "delivery_distance_m",
        "exit_verified",
    ]
    actions = ["cancel_with_refund"]

    def get_fields(self, request, obj=None):
        if obj is not None and obj.channel == "delivery":
            return self.fields + self.delivery_fields
        if obj is not None and obj.channel == "in_store":
            return self.fields + self.in_store_fields
        return self.fields

    @admin.display(description="member")
    def member_code(self, order):
        # A register sale without a member QR has no member.
        return order.member.member_code if order.member_id else "—"

    @admin.display(description="total", ordering="total")
    def total_display(self, order):
        return order.total_money.format()

    @admin.display(description="placed", ordering="created_at")
    def placed(self, order):
        return _local(order.created_at, order.store)

    @admin.display(description="paid", ordering="paid_at")
    def paid(self, order):
        return _local(order.paid_at, order.store)

    @admin.display(description="promised by", ordering="promised_by")
    def promised(self, order):
        return _local(order.promised_by if live.promised_by(order) else None, order.store)

    @admin.display(description="exit verified")
    def exit_verified(self, order):
        return _local(order.exit_verified_at, order.store)

    @admin.display(description="payments")
    def payments_display(self, order):
        rows = []
        for payment in payment_selectors.payments_by_reference(references=[order.number])[
            order.number
        ]:
            refunded = (
                f", refunded {_money(payment.refunded_amount, payment.currency)}"
                if payment.refunded_amount
                else ""
            )
            rows.append(
                (
                    payment.get_method_display(),
                    _money(payment.amount, payment.currency),
                    payment.get_status_display().lower(),
                    refunded,
                )
            )
        if not rows:
            return "—"
        return format_html_join(mark_safe("<br>"), "{} {} — {}{}", rows)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # --- The order page: read-only, with the manager's actions -----------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "title": "Order",
            # Every field is read-only: no Save buttons (changes go through the actions).
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        if object_id is not None and request.method == "GET":
            order = self.get_object(request, object_id)
            if order is not None and self.has_change_permission(request, order):
                extra_context["order_actions"] = self._actions_for(order)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _actions_for(self, order) -> dict:
        refundable = any(row["left"] for row in services.refundable_lines(order=order))
        paid = order.paid_at is not None
        return {
            "moves": [
                (status, dict(Order._meta.get_field("status").flatchoices)[status])
                for status in staff_moves(channel=order.channel, from_status=order.status)
            ],
            "can_cancel": staff_may_cancel(channel=order.channel, status=order.status),
            "can_refund": paid and refundable and order.status != "cancelled",
            "can_refund_amount": paid
            and bool(payment_selectors.refundable_payments_for(reference=order.number)),
            "request_id": uuid.uuid4(),
            "urls": {
                name: reverse(f"admin:orders_order_{name}", args=[order.pk])
                for name in ("cancel", "refund_lines", "refund_amount", "move")
            },
        }

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/cancel/",
                self.admin_site.admin_view(self.cancel_view),
                name="orders_order_cancel",
            ),
            path(
                "<path:object_id>/refund-lines/",
                self.admin_site.admin_view(self.refund_lines_view),
                name="orders_order_refund_lines",
            ),
            path(
                "<path:object_id>/refund-amount/",
                self.admin_site.admin_view(self.refund_amount_view),
                name="orders_order_refund_amount",
            ),
            path(
                "<path:object_id>/move/",
                self.admin_site.admin_view(require_POST(self.move_view)),
                name="orders_order_move",
            ),
        ]
        return own + super().get_urls()

    def _order_for_action(self, request, object_id) -> Order:
        order = self.get_object(request, object_id)  # store-scoped: another store's is a 404
        if order is None:
            raise Http404("No such order.")
        if not self.has_change_permission(request, order):
            raise PermissionDenied("Only managers of this store change its orders.")
        return order

    def _back(self, order) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))

    def _action_page(
        self, request, order, *, title, form, template="admin/orders/order_action.html", **extra
    ):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "order": order,
            "form": form,
            **extra,
        }
        return render(request, template, context)

    def _run(self, request, order, call, done: str):
        try:
            call()
        except DomainError as error:
            self.message_user(request, f"{order}: {error.message}", messages.ERROR)
            return False
        self.message_user(request, f"{order}: {done}", messages.SUCCESS)
        return True

    def cancel_view(self, request, object_id):
        order = self._order_for_action(request, object_id)
        form = StaffCancelForm(
            request.POST or None,
            initial={"request_id": uuid.uuid4(), "reason": CancelReason.NOT_COLLECTED},
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if self._run(
                request,
                order,
                lambda: services.cancel_order_by_staff(
                    order=order,
                    actor=request.user,
                    reason=data["reason"],
                    note=data["note"],
                    idempotency_key=f"admin:{order.pk}:{data['request_id']}",
                ),
                "cancelled; everything paid is refunded.",
            ):
                return self._back(order)
        return self._action_page(
            request,
            order,
            title=f"Cancel order {order.number} with a full refund",
            form=form,
            refundable=services.refundable_lines(order=order),
            submit="Cancel the order and refund it",
        )

    def refund_lines_view(self, request, object_id):
        order = self._order_for_action(request, object_id)
        rows = [row for row in services.refundable_lines(order=order) if row["left"]]
        form = RefundLinesForm(
            request.POST or None, rows=rows, initial={"request_id": uuid.uuid4()}
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if self._run(
                request,
                order,
                lambda: services.refund_order_lines(
                    order=order,
                    lines=data["lines"],
                    actor=request.user,
                    reason=data["reason"],
                    note=data["note"],
                    idempotency_key=f"admin:{order.pk}:{data['request_id']}",
                ),
                "the lines are refunded.",
            ):
                return self._back(order)
        return self._action_page(
            request,
            order,
            title=f"Refund lines of order {order.number}",
            form=form,
            submit="Refund these units",
        )

    def refund_amount_view(self, request, object_id):
        order = self._order_for_action(request, object_id)
        form = RefundAmountForm(request.POST or None, initial={"request_id": uuid.uuid4()})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if self._run(
                request,
                order,
                lambda: services.refund_order_amount(
                    order=order,
                    amount=data["amount"],
                    actor=request.user,
                    reason=data["reason"],
                    note=data["note"],
                    idempotency_key=f"admin:{order.pk}:{data['request_id']}",
                ),
                "refunded.",
            ):
                return self._back(order)
        return self._action_page(
            request,
            order,
            title=f"Refund an amount of order {order.number}",
            form=form,
            submit="Refund",
        )

    def move_view(self, request, object_id):
        order = self._order_for_action(request, object_id)
        to_status = request.POST.get("status", "")
        if to_status not in staff_moves(channel=order.channel, from_status=order.status):
            self.message_user(
                request, f"{order}: it cannot become {to_status or '?'} now.", messages.ERROR
            )
            return self._back(order)

        def move():
            with transaction.atomic():
                locked = Order.objects.select_for_update().get(pk=order.pk)
                services.set_status(order=locked, to_status=to_status, actor=request.user)

        self._run(request, order, move, f"now {to_status.replace('_', ' ')}.")
        return self._back(order)

    # --- The list's bulk action ----------------------------------------------------------------

    @admin.action(
        description="Cancel the selected orders with a full refund", permissions=["change"]
    )
    def cancel_with_refund(self, request, queryset):
        form = StaffCancelForm(
            request.POST if "apply" in request.POST else None,
            initial={"request_id": uuid.uuid4(), "reason": CancelReason.NOT_COLLECTED},
        )
        if "apply" in request.POST and form.is_valid():
            data = form.cleaned_data
            for order in queryset:
                self._run(
                    request,
                    order,
                    lambda order=order: services.cancel_order_by_staff(
                        order=order,
                        actor=request.user,
                        reason=data["reason"],
                        note=data["note"],
                        idempotency_key=f"admin:{order.pk}:{data['request_id']}",
                    ),
                    "cancelled; everything paid is refunded.",
                )
            return None
        return render(
            request,
            "admin/orders/cancel_orders.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Cancel orders with a full refund",
                "form": form,
                "orders": queryset,
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            },
        )


class OrderRefundLineInline(ReadOnlyInline):
    model = OrderRefundLine
    fields = ["line", "quantity", "amount_display"]
    readonly_fields = fields

    @admin.display(description="amount")
    def amount_display(self, line):
        return _money(line.amount, line.order_refund.currency)


@admin.register(OrderRefund)
class OrderRefundAdmin(ReadOnlyAdminMixin, StoreScopedAdmin):
    """Every refund of the manager's stores: how much, where it went, for which lines, why and
    who. Read-only: refunds are made from the order page."""

    store_path = "order__store"

    class Media:
        css = {"all": ["css/admin_orders.css"]}

    list_display = [
        "when",
        "order_link",
        "amount_display",
        "destination",
        "reason",
        "status",
        "lines_display",
        "actor",
    ]
    list_filter = ["status", "reason", "destination", "order__store"]
    search_fields = ["order__number"]
    list_select_related = ["order__store", "actor"]
    date_hierarchy = "created_at"
    inlines = [OrderRefundLineInline]
    fields = [
        "order_link",
        "amount_display",
        "destination",
        "reason",
        "note",
        "status",
        "actor",
        "when",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("lines__line")

    @admin.display(description="when", ordering="created_at")
    def when(self, refund):
        return _local(refund.created_at, refund.order.store)

    @admin.display(description="order", ordering="order__number")
    def order_link(self, refund):
        url = reverse("admin:orders_order_change", args=[refund.order_id])
        return format_html('<a href="{}">{}</a>', url, refund.order.number)

    @admin.display(description="amount", ordering="amount")
    def amount_display(self, refund):
        return refund.amount_money.format()

    @admin.display(description="lines")
    def lines_display(self, refund):
        return _refund_lines(refund)


class CartLineInline(StoreScopedMixin, ReadOnlyInline):
    store_path = "cart__store"
    model = CartLine
    fields = ["offer", "quantity", "added_at"]
    readonly_fields = fields


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

    def has_change_permission(self, request, obj=None):
        return False  # and never edits them
