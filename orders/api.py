"""Cart, checkout, orders and exit passes. One view per operation; services hold the logic."""

from __future__ import annotations

import hashlib
import json

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import member_for
from omostore.errors import DomainError, Forbidden, NotFound
from omostore.money import Money
from omostore.ratelimit import enforce_rate_limit
from omostore.serializers import MoneySerializer
from orders import selectors, services
from orders.models import CartLine, Channel
from orders.receivers import CART_COOKIE
from payments.api import PaymentSerializer
from payments.models import PaymentMethod
from stores.roles import Role
from stores.selectors import has_store_role, store_by_code


def _require_member(request):
    member = member_for(user=request.user)
    if member is None:
        raise Forbidden("Only members can do this.")
    return member


def _store(code: str | None):
    store = store_by_code(code=code or "")
    if store is None:
        raise NotFound("Unknown store.")
    return store


def _cart(request, store, *, create: bool):
    """The member's cart of this store, or the anonymous shopper's cart from its cookie. Reads
    (create=False) take no lock and insert nothing."""
    member = member_for(user=request.user)
    if member is not None and not create:
        return selectors.member_cart(member=member, store=store)
    if member is not None:
        return services.cart_for_member(member=member, store=store)
    return services.anonymous_cart(
        store=store, token=request.COOKIES.get(CART_COOKIE), create=create
    )


def _with_cart_cookie(response: Response, cart) -> Response:
    if cart is not None and cart.member_id is None:
        response.set_cookie(
            CART_COOKIE, cart.token, max_age=30 * 24 * 3600, httponly=True, samesite="Lax"
        )
    return response


class CartOutputSerializer(serializers.Serializer):
    class LineSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="line.pk")
        sku = serializers.CharField(source="product.sku")
        name = serializers.SerializerMethodField()
        sold_by = serializers.CharField(source="product.sold_by")
        quantity = serializers.IntegerField(source="line.quantity")
        unit_price = MoneySerializer()
        regular_price = MoneySerializer(allow_null=True)
        line_total = MoneySerializer()
        stock_state = serializers.CharField()
        enough_stock = serializers.BooleanField()
        aisle = serializers.CharField(source="offer.aisle")

        def get_name(self, row) -> dict:
            return {"en": row["product"].name_en, "ja": row["product"].name_ja}

    store = serializers.CharField(source="store.code")
    currency = serializers.CharField(source="store.currency")
    lines = LineSerializer(many=True)
    total = MoneySerializer()
    item_count = serializers.SerializerMethodField()

    def get_item_count(self, cart) -> int:
        return len(cart["lines"])


def _cart_response(request, store, cart, *, status_code=status.HTTP_200_OK) -> Response:
    body = CartOutputSerializer(selectors.priced_cart(cart=cart, store=store)).data
    return _with_cart_cookie(Response(body, status=status_code), cart)


class CartApi(APIView):
    """The shopper's cart in one store, priced now by the server."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("store", str, required=True)], responses=CartOutputSerializer
    )
    def get(self, request):
        store = _store(request.query_params.get("store"))
        return _cart_response(request, store, _cart(request, store, create=False))


class CartLinesApi(APIView):
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        store = serializers.SlugField()
        sku = serializers.CharField(max_length=32)
        quantity = serializers.IntegerField(min_value=1, max_value=5000)

    @extend_schema(request=InputSerializer, responses={201: CartOutputSerializer})
    def post(self, request):
        data = _valid(self.InputSerializer, request.data)
        store = _store(data["store"])
        cart = _cart(request, store, create=True)
        services.add_to_cart(cart=cart, sku=data["sku"], quantity=data["quantity"])
        return _cart_response(request, store, cart, status_code=status.HTTP_201_CREATED)


class CartLineApi(APIView):
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        quantity = serializers.IntegerField(min_value=1, max_value=5000)

    def _line_cart(self, request, line_id: int):
        line = CartLine.objects.select_related("cart__store").filter(pk=line_id).first()
        cart = _cart(request, line.cart.store, create=False) if line else None
        if line is None or cart is None or line.cart_id != cart.pk:
            raise NotFound("No such line in your cart.")
        return cart

    @extend_schema(request=InputSerializer, responses=CartOutputSerializer)
    def patch(self, request, line_id: int):
        data = _valid(self.InputSerializer, request.data)
        cart = self._line_cart(request, line_id)
        services.set_line_quantity(cart=cart, line_id=line_id, quantity=data["quantity"])
        return _cart_response(request, cart.store, cart)

    @extend_schema(responses=CartOutputSerializer)
    def delete(self, request, line_id: int):
        cart = self._line_cart(request, line_id)
        services.remove_line(cart=cart, line_id=line_id)
        return _cart_response(request, cart.store, cart)


class CartRecipeApi(APIView):
    """'Add all ingredients' of a recipe that this store sells."""

    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        store = serializers.SlugField()

    @extend_schema(request=InputSerializer, responses={201: CartOutputSerializer})
    def post(self, request, slug: str):
        data = _valid(self.InputSerializer, request.data)
        store = _store(data["store"])
        cart = _cart(request, store, create=True)
        services.add_recipe_to_cart(cart=cart, recipe_slug=slug)
        return _cart_response(request, store, cart, status_code=status.HTTP_201_CREATED)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class OrderOutputSerializer(serializers.Serializer):
    class LineSerializer(serializers.Serializer):
        sku = serializers.CharField()
        name = serializers.SerializerMethodField()
        sold_by = serializers.CharField()
        quantity = serializers.IntegerField()
        unit_price = serializers.SerializerMethodField()
        line_total = serializers.SerializerMethodField()

        def get_name(self, line) -> dict:
            return {"en": line.name_en, "ja": line.name_ja}

        @extend_schema_field(MoneySerializer)
        def get_unit_price(self, line) -> dict:
            return Money(line.unit_price, line.order.currency).as_dict()

        @extend_schema_field(MoneySerializer)
        def get_line_total(self, line) -> dict:
            return Money(line.line_total, line.order.currency).as_dict()

    number = serializers.CharField()
    store = serializers.CharField(source="store.code")
    channel = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    total = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    promised_by = serializers.DateTimeField(allow_null=True)
    reserved_until = serializers.DateTimeField(allow_null=True)
    delivery = serializers.SerializerMethodField()
    lines = LineSerializer(many=True, source="lines.all")

    @extend_schema_field(MoneySerializer)
    def get_total(self, order) -> dict:
        return Money(order.total, order.currency).as_dict()

    def get_delivery(self, order) -> dict | None:
        if order.channel != Channel.DELIVERY:
            return None
        return {
            "address": order.delivery_address,
            "latitude": float(order.delivery_latitude),
            "longitude": float(order.delivery_longitude),
            "distance_m": order.delivery_distance_m,
        }


class OrderWithPaymentSerializer(OrderOutputSerializer):
    payment = PaymentSerializer(allow_null=True)


def _order_body(order, payment=None) -> dict:
    order = selectors.member_order(member=order.member, number=order.number)
    payment = payment or selectors.latest_payment(order=order)
    if payment is not None:
        payment.refresh_from_db()
    body = OrderOutputSerializer(order).data
    body["payment"] = PaymentSerializer(payment).data if payment else None
    body["timeline"] = selectors.order_snapshot(order=order)["timeline"]
    return body


class CheckoutApi(APIView):
    """Turn the member's cart into an order: one channel, stock reserved, payment started.

    Send an `Idempotency-Key` header: the same key returns the same order; the same key with a
    different body is refused. Prices always come from the server."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class DeliverySerializer(serializers.Serializer):
            address = serializers.CharField(max_length=255)
            latitude = serializers.DecimalField(
                max_digits=9, decimal_places=6, min_value=-90, max_value=90
            )
            longitude = serializers.DecimalField(
                max_digits=9, decimal_places=6, min_value=-180, max_value=180
            )

        store = serializers.SlugField()
        channel = serializers.ChoiceField(choices=Channel.choices)
        payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
        delivery = DeliverySerializer(required=False, allow_null=True)

    @extend_schema(
        request=InputSerializer,
        responses={201: OrderWithPaymentSerializer, 200: OrderWithPaymentSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, True)],
    )
    def post(self, request):
        member = _require_member(request)
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 120:
            raise DomainError("Send an Idempotency-Key header (at most 120 characters).")
        data = _valid(self.InputSerializer, request.data)
        enforce_rate_limit(
            key=f"checkout:{member.pk}", limit=20, window_seconds=60, action="checkouts"
        )
        delivery = data.get("delivery")
        order, payment, created = services.place_order(
            member=member,
            store=_store(data["store"]),
            channel=data["channel"],
            payment_method=data["payment_method"],
            delivery=services.DeliveryRequest(**delivery) if delivery else None,
            idempotency_key=key,
            fingerprint=_fingerprint(request.data),
        )
        return Response(
            _order_body(order, payment),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def _fingerprint(data) -> str:
    """The same body, however its keys are ordered, has the same fingerprint."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class OrderListApi(APIView):
    """Every order of the member, all channels, newest first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OrderOutputSerializer(many=True))
    def get(self, request):
        member = _require_member(request)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            selectors.member_orders(member=member), request, view=self
        )
        return paginator.get_paginated_response(OrderOutputSerializer(page, many=True).data)


class OrderDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OrderWithPaymentSerializer)
    def get(self, request, number: str):
        order = _own_order(request, number)
        return Response(_order_body(order))


def _own_order(request, number: str):
    order = selectors.member_order(member=_require_member(request), number=number)
    if order is None:
        raise NotFound("No such order.")
    return order


class OrderCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=OrderWithPaymentSerializer)
    def post(self, request, number: str):
        order = _own_order(request, number)
        services.cancel_order(order=order, member=order.member, actor=request.user)
        return Response(_order_body(order))


class ExitPassApi(APIView):
    """A fresh signed exit pass for a paid scan & go order, to show as a QR at the exit."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        expires_at = serializers.DateTimeField()

    @extend_schema(responses=OutputSerializer)
    def get(self, request, number: str):
        order = _own_order(request, number)
        code, expires_at = services.issue_exit_pass(order=order)
        response = Response(self.OutputSerializer({"code": code, "expires_at": expires_at}).data)
        response["Cache-Control"] = "no-store"
        return response


class ExitPassVerifyApi(APIView):
    """The exit screen: verify a pass once, and show the items to spot-check."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        store = serializers.SlugField()
        code = serializers.CharField(max_length=500)

    @extend_schema(request=InputSerializer, responses=OrderOutputSerializer)
    def post(self, request):
        data = _valid(self.InputSerializer, request.data)
        store = _store(data["store"])
        if not has_store_role(
            user=request.user, store_id=store.pk, roles=[Role.EXIT, Role.MANAGER]
        ):
            raise Forbidden("Only exit staff of this store verify exit passes.")
        enforce_rate_limit(
            key=f"exit-verify:{request.user.pk}", limit=60, window_seconds=60, action="scans"
        )
        order = services.verify_exit_pass(code=data["code"], store=store, staff_user=request.user)
        order = selectors.order_for_staff(order_id=order.pk)
        return Response(OrderOutputSerializer(order).data)
