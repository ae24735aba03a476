"""The staffed register: its screen (`/staff/register/`), a sale's receipt with its line refunds
(`/staff/register/sales/<number>/`), the public e-receipt (`/r/<code>/`), and the JSON API the
screen calls (static/js/register.js). Views check the role per store and call one service."""

from __future__ import annotations

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.member_qr import read_member_qr
from catalog.labels import qr_svg
from omostore.errors import NotFound, idempotency_key
from omostore.money import Money
from omostore.ratelimit import enforce_rate_limit
from orders import selectors, services
from orders.api import _store, _valid, idempotency_header
from orders.models import REGISTER_REFUND_REASONS, Order, OrderRefund, RefundReason
from payments import services as payment_services
from payments.models import PaymentMethod
from stores import selectors as store_selectors
from stores.selectors import has_store_role

# --- Shapes ---------------------------------------------------------------------------------------


def _item_dict(item: services.register.PricedItem) -> dict:
    return {
        "offer_id": item.offer_id,
        "code": item.code,
        "sku": item.sku,
        "name": {"en": item.name_en, "ja": item.name_ja},
        "sold_by": item.sold_by,
        "quantity": item.quantity,
        "count": item.count,
        "pack_size": item.pack_size,
        "grams": item.grams,
        "unit_price": item.unit_price.as_dict(),
        "total": item.total.as_dict(),
    }


def _sale_dict(order: Order) -> dict:
    sale = order.register_sale
    money = lambda amount: Money(amount, order.currency).as_dict()  # noqa: E731
    rows = services.refundable_lines(order=order)
    refunded = sum(r.amount for r in order.refunds.all() if r.status != OrderRefund.Status.FAILED)
    return {
        "number": order.number,
        "status": order.status,
        "total": money(order.total),
        "refunded": money(refunded),
        "payment_method": order.payment_method,
        "cash_tendered": money(sale.cash_tendered) if sale.cash_tendered is not None else None,
        "change": money(sale.change_given) if sale.change_given is not None else None,
        "terminal_reference": sale.terminal_reference,
        "member": {"code": order.member.member_code} if order.member_id else None,
        "lines": [
            {
                "id": row["line"].pk,
                "name": {"en": row["line"].name_en, "ja": row["line"].name_ja},
                "sold_by": row["line"].sold_by,
                "quantity": row["line"].quantity,
                "unit_price": money(row["line"].unit_price),
                "total": money(row["line"].line_total),
                "refundable": row["left"],
            }
            for row in rows
        ],
        "receipt_url": reverse("register-sale", args=[order.number]),
        "e_receipt_url": reverse("e-receipt", args=[services.e_receipt_code(order=order)]),
        "e_receipt_qr_url": reverse("register-e-receipt-qr", args=[order.number]),
    }


def _sale(store, number: str) -> Order:
    order = selectors.register_sale(store=store, number=number)
    if order is None:
        raise NotFound(_("No such sale at this store."))
    return order


# --- API ------------------------------------------------------------------------------------------


class RegisterItemApi(APIView):
    """Price one scanned code (a barcode or SKU) and quantity, at the store's price now."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        store = serializers.SlugField()
        code = serializers.CharField(max_length=32)
        quantity = serializers.IntegerField(min_value=1, max_value=5000, required=False)

    @extend_schema(parameters=[InputSerializer], responses=dict)
    def get(self, request):
        data = _valid(self.InputSerializer, request.query_params)
        store = _store(data["store"])
        services.check_register_staff(user=request.user, store=store)
        code = data["code"].strip()
        quantity = data.get("quantity")
        match = services.register.match_code(store=store, code=code)
        if quantity is None:  # one piece, pack or label; a weighed product must say its grams
            weighed = match is not None and match.offer.product.sold_by == "weight"
            quantity = 0 if weighed and match.grams is None else 1
        item = services.price_item(
            store=store, item=services.BasketItem(code=code, quantity=quantity), match=match
        )
        return Response(_item_dict(item))


class RegisterMemberApi(APIView):
    """Read a scanned member QR (without using it): who it is and their wallet balance."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        store = serializers.SlugField()
        member_qr = serializers.CharField(max_length=300)

    @extend_schema(request=InputSerializer, responses=dict)
    def post(self, request):
        data = _valid(self.InputSerializer, request.data)
        store = _store(data["store"])
        services.check_register_staff(user=request.user, store=store)
        enforce_rate_limit(
            key=f"register-member:{request.user.pk}", limit=60, window_seconds=60, action="scans"
        )
        scanned = read_member_qr(token=data["member_qr"])
        balance = payment_services.wallet_balance(member=scanned.member)
        return Response(
            {
                "code": scanned.member.member_code,
                "name": scanned.member.user.display_name,
                "wallet": balance.as_dict(),
            }
        )


class RegisterSaleApi(APIView):
    """Sell a basket: a paid `register` order. Needs an `Idempotency-Key` (one per basket)."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class ItemSerializer(serializers.Serializer):
            code = serializers.CharField(max_length=32)
            quantity = serializers.IntegerField(min_value=1, max_value=5000)

        store = serializers.SlugField()
        items = ItemSerializer(many=True, min_length=1, max_length=100)
        payment_method = serializers.ChoiceField(
            choices=[PaymentMethod.WALLET, PaymentMethod.CASH, PaymentMethod.TERMINAL]
        )
        member_qr = serializers.CharField(max_length=300, required=False, allow_blank=True)
        cash_tendered = serializers.IntegerField(
            min_value=0, max_value=payment_services.MAX_AMOUNT, required=False
        )
        terminal_reference = serializers.CharField(max_length=60, required=False, allow_blank=True)

    @extend_schema(
        request=InputSerializer, responses={201: dict, 200: dict}, parameters=[idempotency_header]
    )
    def post(self, request):
        key = idempotency_key(request)
        data = _valid(self.InputSerializer, request.data)
        store = _store(data["store"])
        order, created = services.sell_at_register(
            store=store,
            cashier=request.user,
            items=[
                services.BasketItem(code=i["code"].strip(), quantity=i["quantity"])
                for i in data["items"]
            ],
            payment_method=data["payment_method"],
            idempotency_key=key,
            member_qr=data.get("member_qr", ""),
            cash_tendered=data.get("cash_tendered"),
            terminal_reference=data.get("terminal_reference", ""),
        )
        order = selectors.register_sale(store=store, number=order.number)
        return Response(
            _sale_dict(order), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class RegisterRefundApi(APIView):
    """Refund lines of a register sale of this store (cash back from the drawer, recorded as
    cash). Needs an `Idempotency-Key`."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class LineSerializer(serializers.Serializer):
            line_id = serializers.IntegerField(min_value=1)
            quantity = serializers.IntegerField(min_value=1, max_value=5000)

        store = serializers.SlugField()
        lines = LineSerializer(many=True, min_length=1, max_length=100)
        reason = serializers.ChoiceField(choices=[str(r) for r in REGISTER_REFUND_REASONS])

    @extend_schema(request=InputSerializer, responses=dict, parameters=[idempotency_header])
    def post(self, request, number: str):
        key = idempotency_key(request)
        data = _valid(self.InputSerializer, request.data)
        store = _store(data["store"])
        services.check_register_staff(user=request.user, store=store)
        order = _sale(store, number)
        lines: dict[int, int] = {}
        for line in data["lines"]:
            lines[line["line_id"]] = lines.get(line["line_id"], 0) + line["quantity"]
        services.refund_register_lines(
            order=order,
            store=store,
            cashier=request.user,
            lines=lines,
            reason=data["reason"],
            idempotency_key=key,
        )
        return Response(_sale_dict(_sale(store, number)), status=status.HTTP_201_CREATED)


# --- Pages ----------------------------------------------------------------------------------------


def _register_store(request):
    """The store whose register this user works: `?store=<code>`, or their only one."""
    code = request.GET.get("store", "")
    roles = list(services.REGISTER_ROLES)
    if code:
        store = store_selectors.store_by_code(code=code)
        if store is None:
            raise Http404("No such store.")
        if not has_store_role(user=request.user, store_id=store.pk, roles=roles):
            raise PermissionDenied("You do not work a register of this store.")
        return store, []
    stores = list(store_selectors.stores_for(user=request.user, roles=roles))
    if not stores:
        raise PermissionDenied("You do not work a register of any store.")
    if len(stores) == 1:
        return stores[0], []
    return None, stores


@require_GET
@never_cache
@login_required
@csp_update({"script-src": ["'wasm-unsafe-eval'"]})  # the vendored ZXing barcode reader
def register_screen(request):
    store, choices = _register_store(request)
    if store is None:
        return render(request, "orders/register_choose.html", {"stores": choices})
    # The staff tablet's chrome (fulfillment/tablet_base.html): its tabs for this person here.
    request.staff_tabs = store_selectors.staff_tabs(user=request.user, store_id=store.pk)
    return render(
        request,
        "orders/register.html",
        {
            "store": store,
            "tab": "register",
            "recent": selectors.recent_register_sales(store=store),
            "currency": store.currency,
        },
    )


def _staff_sale_or_404(request, number: str) -> Order:
    if not request.user.is_authenticated:
        raise Http404("No such sale.")
    order = Order.objects.filter(number=number, channel="register").only("store_id").first()
    if order is None or not has_store_role(
        user=request.user, store_id=order.store_id, roles=list(services.REGISTER_ROLES)
    ):
        raise Http404("No such sale.")  # another store's sale is as unknown as a missing one
    return selectors.register_sale(store=order.store, number=number)


def _receipt_context(order: Order) -> dict:
    sale = order.register_sale
    lines = list(order.lines.all())
    for line in lines:
        line.unit_money = Money(line.unit_price, order.currency)
        line.total_money = Money(line.line_total, order.currency)
    return {
        "order": order,
        "sale": sale,
        "lines": lines,
        "tendered": Money(sale.cash_tendered, order.currency)
        if sale.cash_tendered is not None
        else None,
        "change": Money(sale.change_given, order.currency)
        if sale.change_given is not None
        else None,
    }


@require_GET
@never_cache
@login_required  # a tablet whose session ran out goes to log in, then back to this receipt
def register_sale_page(request, number: str):
    """A sale's printable receipt, its e-receipt QR, and its line refunds, in the staff tablet's
    chrome like the register screen (the customer's own copy, `e_receipt`, keeps the shop's)."""
    order = _staff_sale_or_404(request, number)
    request.staff_tabs = store_selectors.staff_tabs(user=request.user, store_id=order.store_id)
    rows = services.refundable_lines(order=order)
    e_receipt = request.build_absolute_uri(
        reverse("e-receipt", args=[services.e_receipt_code(order=order)])
    )
    context = _receipt_context(order)
    context.update(
        {
            "store": order.store,
            "tab": "register",
            "rows": rows,
            "refunds": list(order.refunds.select_related("actor").order_by("pk")),
            "e_receipt_url": e_receipt,
            "e_receipt_qr": qr_svg(e_receipt),
            "reasons": [(r, RefundReason(r).label) for r in REGISTER_REFUND_REASONS],
        }
    )
    return render(request, "orders/register_sale.html", context)


@require_GET
def register_e_receipt_qr(request, number: str):
    order = _staff_sale_or_404(request, number)
    url = request.build_absolute_uri(
        reverse("e-receipt", args=[services.e_receipt_code(order=order)])
    )
    response = HttpResponse(str(qr_svg(url)), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@never_cache
def e_receipt(request, code: str):
    """`/r/<code>/`: a register sale's receipt for whoever holds its signed link."""
    try:
        order = services.order_for_e_receipt(code=code)
    except NotFound:
        raise Http404("No such receipt.") from None
    order = selectors.register_sale(store=order.store, number=order.number)
    context = _receipt_context(order)
    context["public"] = True
    return render(request, "orders/e_receipt.html", context)
