"""Cart, checkout, orders and exit passes. One view per operation; services hold the logic."""

from __future__ import annotations

import hashlib
import json

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import member_for
from omostore.errors import (
    Forbidden,
    NotFound,
    idempotency_key,
)
from omostore.money import Money
from omostore.pagination import PageNumberPagination
from omostore.ratelimit import enforce_rate_limit
from omostore.schema import IDEMPOTENCY_KEY_PARAMETER, error_response
from omostore.serializers import MoneySerializer, StrictCharField
from orders import live, selectors, services
from orders.models import (
    QUANTITY_LIMITS,
    STAFF_CANCEL_REASONS,
    STAFF_REFUND_REASONS,
    Channel,
)
from orders.receivers import CART_COOKIE
from orders.statuses import member_may_cancel
from payments.api import PaymentSerializer
from payments.models import Payment, PaymentMethod
from stores.roles import Role
from stores.selectors import has_store_role, store_by_code, store_ids_for

# Who may cancel and refund an order of their store through the staff API (pickers will report
# shortages through the pick-pack screens, which call the same services).
STAFF_ORDER_ROLES = [Role.MANAGER]
STAFF_ORDER_NOT_FOUND = error_response(
    "not_found: no such order at a store where the caller is a manager (another store's order "
    "is as unknown as a missing one)."
)

idempotency_header = IDEMPOTENCY_KEY_PARAMETER

# The errors the cart, checkout and order operations document (omostore.schema adds the generic
# 400/403/404 of their kind).
UNKNOWN_STORE = error_response("not_found: unknown store.")
QUANTITY_REFUSED = error_response(
    "invalid_quantity: not a whole number within the product's limits (`details`), or "
    "validation_error."
)
NOT_ENOUGH_STOCK = error_response(
    "insufficient_stock: more than is available now; `details` says how many are left."
)
MEMBERS_ONLY = error_response(
    "not_authenticated, authentication_failed, or forbidden: only members can do this."
)
OWN_ORDER_NOT_FOUND = error_response("not_found: no such order of the caller.")
KEY_REUSED = error_response(
    "idempotency_key_reused: this Idempotency-Key was used with another request."
)
PROVIDER_ERROR = error_response(
    "payment_provider_error: the card provider could not be reached or refused the request; "
    "nothing was changed, and the same Idempotency-Key may be tried again."
)


def _require_member(request):
    member = member_for(user=request.user)
    if member is None:
        raise Forbidden(_("Only members can do this."))
    return member


def _store(code: str | None):
    store = store_by_code(code=code or "")
    if store is None:
        raise NotFound(_("Unknown store."))
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


class QuantityField(serializers.Field):
    """A JSON number, passed on as it is: the service refuses anything but a whole number within
    the product's limits, with the limits in the message (never rounded or clamped here)."""

    default_error_messages = {"invalid": "A quantity is a number."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


@extend_schema_field(OpenApiTypes.INT)
class _QuantitySchemaField(QuantityField):
    """QuantityField, documented as the integer it must be."""


class LimitsSerializer(serializers.Serializer):
    min = serializers.IntegerField()
    max = serializers.IntegerField()
    unit = serializers.ChoiceField(choices=["pieces", "grams"])


def _limits(sold_by: str) -> dict:
    low, high = QUANTITY_LIMITS[sold_by]
    return {"min": low, "max": high, "unit": "grams" if sold_by == "weight" else "pieces"}


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
        available = serializers.IntegerField(help_text="Units (grams) available now.")
        enough_stock = serializers.BooleanField()
        limits = serializers.SerializerMethodField()
        aisle = serializers.CharField(source="offer.aisle")

        def get_name(self, row) -> dict:
            return {"en": row["product"].name_en, "ja": row["product"].name_ja}

        @extend_schema_field(LimitsSerializer)
        def get_limits(self, row) -> dict:
            return _limits(row["product"].sold_by)

    store = serializers.CharField(source="store.code")
    currency = serializers.CharField(source="store.currency")
    lines = LineSerializer(many=True)
    total = MoneySerializer()
    item_count = serializers.SerializerMethodField()
    stock_rule = serializers.SerializerMethodField()

    def get_item_count(self, cart) -> int:
        return len(cart["lines"])

    def get_stock_rule(self, cart) -> str:
        """How the cart treats stock, scan & go included (docs/orders.md)."""
        return services.STOCK_RULE


def _cart_response(request, store, cart, *, status_code=status.HTTP_200_OK) -> Response:
    body = CartOutputSerializer(selectors.priced_cart(cart=cart, store=store)).data
    return _with_cart_cookie(Response(body, status=status_code), cart)


class CartApi(APIView):
    """The shopper's cart in one store, priced now by the server."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("store", str, required=True)],
        responses={200: CartOutputSerializer, 404: UNKNOWN_STORE},
    )
    def get(self, request):
        store = _store(request.query_params.get("store"))
        return _cart_response(request, store, _cart(request, store, create=False))


class CartLinesApi(APIView):
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        store = serializers.SlugField()
        sku = serializers.CharField(max_length=32)
        quantity = _QuantitySchemaField(
            help_text="Pieces (1-99) or grams (50-5000), a whole number: anything else is "
            "refused with the limits (invalid_quantity); more than is available is refused "
            "with how many are left (insufficient_stock, 409)."
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            201: CartOutputSerializer,
            400: QUANTITY_REFUSED,
            404: error_response("not_found: unknown store; unknown_product: not sold there."),
            409: NOT_ENOUGH_STOCK,
        },
    )
    def post(self, request):
        data = _valid(self.InputSerializer, request.data)
        store = _store(data["store"])
        cart = _cart(request, store, create=True)
        services.add_to_cart(cart=cart, sku=data["sku"], quantity=data["quantity"])
        return _cart_response(request, store, cart, status_code=status.HTTP_201_CREATED)


class CartLineApi(APIView):
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        quantity = _QuantitySchemaField(
            help_text="The new quantity; 0 removes the line. Limits as when adding."
        )

    def _line_cart(self, request, line_id: int):
        line = selectors.cart_line_with_cart(line_id=line_id)
        cart = _cart(request, line.cart.store, create=False) if line else None
        if line is None or cart is None or line.cart_id != cart.pk:
            raise NotFound(_("No such line in your cart."))
        return cart

    @extend_schema(
        request=InputSerializer,
        responses={
            200: CartOutputSerializer,
            400: QUANTITY_REFUSED,
            404: error_response("not_found: no such line in the caller's cart."),
            409: NOT_ENOUGH_STOCK,
        },
    )
    def patch(self, request, line_id: int):
        data = _valid(self.InputSerializer, request.data)
        cart = self._line_cart(request, line_id)
        services.set_line_quantity(cart=cart, line_id=line_id, quantity=data["quantity"])
        return _cart_response(request, cart.store, cart)

    @extend_schema(
        responses={
            200: CartOutputSerializer,
            404: error_response("not_found: no such line in the caller's cart."),
        }
    )
    def delete(self, request, line_id: int):
        cart = self._line_cart(request, line_id)
        services.remove_line(cart=cart, line_id=line_id)
        return _cart_response(request, cart.store, cart)


class CartRecipeApi(APIView):
    """'Add all ingredients' of a recipe that this store sells."""

    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        store = serializers.SlugField()

    @extend_schema(
        request=InputSerializer,
        responses={
            201: CartOutputSerializer,
            404: error_response("not_found: unknown store, or no such recipe."),
        },
    )
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


class StoreDateTimeField(serializers.DateTimeField):
    """A time of an order in its store's time zone, with the offset (`...T18:30:00+09:00`),
    like every time the order API, the live page and the websocket show."""

    def get_attribute(self, instance):
        return (super().get_attribute(instance), instance.store.time_zone)

    def to_representation(self, value):
        moment, zone = value
        return live.local_iso(moment, zone)


class TimelineEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="status_changed, payment_failed, refund, ...")
    at = serializers.DateTimeField(help_text="In the store's time zone.")
    from_ = serializers.CharField(help_text="status_changed only")
    to = serializers.CharField(help_text="status_changed only")
    note = serializers.CharField()
    payload = serializers.JSONField(help_text="The kind's fields (docs/orders.md).")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class RefundLineSerializer(serializers.Serializer):
    line_id = serializers.IntegerField()
    quantity = serializers.IntegerField()
    amount = MoneySerializer()


class RefundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = MoneySerializer()
    destination = serializers.CharField(help_text="wallet, card or test: where the money went.")
    reason = serializers.CharField()
    status = serializers.CharField(help_text="pending, succeeded or failed")
    at = serializers.DateTimeField()
    lines = RefundLineSerializer(many=True)


class OrderOutputSerializer(serializers.Serializer):
    class LineSerializer(serializers.Serializer):
        id = serializers.IntegerField()
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
    created_at = StoreDateTimeField()
    paid_at = StoreDateTimeField(allow_null=True)
    promised_by = serializers.SerializerMethodField(
        help_text="The arrival time of a delivery (none once cancelled or refunded)."
    )
    reserved_until = StoreDateTimeField(allow_null=True)
    delivery = serializers.SerializerMethodField()
    lines = LineSerializer(many=True, source="lines.all")

    @extend_schema_field(MoneySerializer)
    def get_total(self, order) -> dict:
        return Money(order.total, order.currency).as_dict()

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_promised_by(self, order) -> str | None:
        return live.promised_by(order)

    def get_delivery(self, order) -> dict | None:
        if order.channel != Channel.DELIVERY:
            return None
        return {
            "address": order.delivery_address,
            "latitude": float(order.delivery_latitude),
            "longitude": float(order.delivery_longitude),
            "distance_m": order.delivery_distance_m,
        }


class OrderDetailSerializer(OrderOutputSerializer):
    """An order with its payment, timeline and refunds (the order page, checkout's answer)."""

    payment = PaymentSerializer(allow_null=True)
    cancellable = serializers.BooleanField(help_text="Whether the member may cancel it now.")
    refunded = MoneySerializer(help_text="What went back so far (succeeded refunds).")
    refunds = RefundSerializer(many=True)
    timeline = TimelineEntrySerializer(many=True)


def _order_body(order, payment=None, *, reread: bool = True) -> dict:
    """The detail body: the order with its timeline and refunds, and its latest payment. A
    fixed number of queries whatever its number of lines; `reread=False` when `order` comes
    from `selectors.member_order` just now (nothing changed since)."""
    if reread:
        order = selectors.order_with_timeline(order_id=order.pk)
    payment = payment or selectors.latest_payment(order=order)
    snapshot = selectors.order_snapshot(order=order)
    body = OrderOutputSerializer(order).data
    body["payment"] = PaymentSerializer(payment).data if payment else None
    body["cancellable"] = member_may_cancel(channel=order.channel, status=order.status)
    body["refunded"] = snapshot["refunded"]
    body["refunds"] = snapshot["refunds"]
    body["timeline"] = snapshot["timeline"]
    return body


class _StrictRegexField(serializers.RegexField):
    """A RegexField that takes only a JSON string (DRF's own turns a number into its digits)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class CheckoutApi(APIView):
    """Turn the member's cart into an order: one channel, stock reserved, payment started.

    Send an `Idempotency-Key` header: the same key returns the same order (and starts its
    payment if an interrupted checkout never did); the same key with a different body is
    refused (422). Prices always come from the server."""

    permission_classes = [IsAuthenticated]
    # JSON only: the nested `delivery` object has no faithful form-data encoding (a form would
    # drop it silently), so the schema lists application/json alone and a form is a 415.
    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        class DeliverySerializer(serializers.Serializer):
            address = serializers.CharField(max_length=255)
            latitude = serializers.DecimalField(
                max_digits=9, decimal_places=6, min_value=-90, max_value=90
            )
            longitude = serializers.DecimalField(
                max_digits=9, decimal_places=6, min_value=-180, max_value=180
            )
            phone = _StrictRegexField(
                services.DELIVERY_PHONE_PATTERN,
                min_length=6,
                max_length=20,
                help_text="The phone the rider calls: digits, +, spaces and hyphens.",
                error_messages={
                    "invalid": gettext_lazy(
                        "A delivery needs a contact phone: 6-20 characters, "
                        "digits, +, spaces and hyphens only."
                    )
                },
            )
            notes = StrictCharField(
                max_length=services.DELIVERY_NOTES_MAX,
                required=False,
                allow_blank=True,
                default="",
                help_text="Notes for the rider (gate code, floor).",
            )

        store = serializers.SlugField()
        channel = serializers.ChoiceField(choices=Channel.choices)
        payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
        delivery = DeliverySerializer(required=False, allow_null=True)
        points = serializers.IntegerField(
            required=False, min_value=0, default=0, help_text="Loyalty points to use (1 = ¥1)."
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            201: OrderDetailSerializer,
            200: OpenApiResponse(
                OrderDetailSerializer,
                description="The order this Idempotency-Key already placed (nothing new made).",
            ),
            400: error_response(
                "validation_error; idempotency_key_required; empty_cart; invalid_checkout; "
                "store_closed; outside_delivery_area (`details`: distance and radius); "
                "payment_method_unavailable."
            ),
            402: error_response("insufficient_funds: the wallet holds less than the total."),
            403: MEMBERS_ONLY,
            404: UNKNOWN_STORE,
            409: NOT_ENOUGH_STOCK,
            422: KEY_REUSED,
            429: error_response("rate_limited: more than 20 checkouts a minute."),
            502: PROVIDER_ERROR,
        },
        parameters=[idempotency_header],
    )
    def post(self, request):
        member = _require_member(request)
        key = idempotency_key(request)
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
            points=data.get("points", 0),
        )
        # A new order whose payment is still pending is as `place_order` left it (lines,
        # timeline and no refunds already attached); one its payment paid at once gets its row
        # and timeline read again; a replayed one is read in full.
        fresh = created and payment is not None
        if fresh and payment.status != Payment.Status.PENDING:
            order = selectors.order_after_its_payment(order=order)
        return Response(
            _order_body(order, payment, reread=not fresh),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def _fingerprint(data) -> str:
    """The same body, however its keys are ordered, has the same fingerprint."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class OrderListApi(APIView):
    """Every order of the member, all channels, newest first, a page at a time."""

    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination

    @extend_schema(
        responses={
            200: OrderOutputSerializer(many=True),
            403: MEMBERS_ONLY,
            404: error_response("not_found: no such page."),
        }
    )
    def get(self, request):
        member = _require_member(request)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.member_orders(member=member), request, view=self
        )
        return paginator.get_paginated_response(OrderOutputSerializer(page, many=True).data)


class OrderDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={200: OrderDetailSerializer, 403: MEMBERS_ONLY, 404: OWN_ORDER_NOT_FOUND}
    )
    def get(self, request, number: str):
        order = _own_order(request, number)
        return Response(_order_body(order, reread=False))


def _own_order(request, number: str):
    order = selectors.member_order(member=_require_member(request), number=number)
    if order is None:
        raise NotFound(_("No such order."))
    return order


class OrderCancelApi(APIView):
    """The member cancels before picking starts: a paid order is refunded in full, an unpaid
    one gives its lines back to the cart."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: OrderDetailSerializer,
            403: MEMBERS_ONLY,
            404: OWN_ORDER_NOT_FOUND,
            409: error_response(
                "not_cancellable: picking has started, or the order is already closed."
            ),
        },
    )
    def post(self, request, number: str):
        order = _own_order(request, number)
        services.cancel_order(order=order, member=order.member, actor=request.user)
        return Response(_order_body(order))


class OrderPayApi(APIView):
    """Pay a placed order whose checkout was interrupted: the payment it started, or a new one
    if none was started (idempotent; never charges twice)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: OrderDetailSerializer,
            400: error_response("payment_method_unavailable: the order's method is not offered."),
            402: error_response("insufficient_funds: the wallet holds less than the total."),
            403: MEMBERS_ONLY,
            404: OWN_ORDER_NOT_FOUND,
            409: error_response("not_payable: the order is not waiting for its payment."),
            502: PROVIDER_ERROR,
        },
    )
    def post(self, request, number: str):
        order = _own_order(request, number)
        order, payment = services.resume_payment(order=order)
        return Response(_order_body(order, payment))


class ExitPassApi(APIView):
    """A fresh signed exit pass for a paid scan & go order, to show as a QR at the exit."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        expires_at = serializers.DateTimeField(help_text="In the store's time zone.")

    @extend_schema(
        responses={
            200: OutputSerializer,
            403: MEMBERS_ONLY,
            404: OWN_ORDER_NOT_FOUND,
            400: error_response("exit_pass_invalid: exit passes are for paid in-store orders."),
        }
    )
    def get(self, request, number: str):
        order = _own_order(request, number)
        code, expires_at = services.issue_exit_pass(order=order)
        body = {"code": code, "expires_at": live.local_iso(expires_at, order.store.time_zone)}
        response = Response(body)
        response["Cache-Control"] = "no-store"
        return response


class ExitPassVerifyApi(APIView):
    """The exit screen: verify a pass once, and show the items to spot-check."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        store = serializers.SlugField()
        code = serializers.CharField(max_length=500)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OrderOutputSerializer,
            400: error_response(
                "validation_error; exit_pass_invalid; exit_pass_expired; exit_pass_wrong_store."
            ),
            403: error_response(
                "not_authenticated, authentication_failed, or forbidden: only exit staff and "
                "managers of this store verify exit passes."
            ),
            404: UNKNOWN_STORE,
            409: error_response("exit_pass_used: this pass was already scanned at the exit."),
            429: error_response("rate_limited: more than 60 checks a minute."),
        },
    )
    def post(self, request):
        data = _valid(self.InputSerializer, request.data)
        store = _store(data["store"])
        if not has_store_role(
            user=request.user, store_id=store.pk, roles=[Role.EXIT, Role.MANAGER]
        ):
            raise Forbidden(_("Only exit staff of this store verify exit passes."))
        enforce_rate_limit(
            key=f"exit-verify:{request.user.pk}", limit=60, window_seconds=60, action="scans"
        )
        order = services.verify_exit_pass(code=data["code"], store=store, staff_user=request.user)
        order = selectors.order_for_staff(order_id=order.pk)
        return Response(OrderOutputSerializer(order).data)


# --- Staff: cancel and refund orders of their store -----------------------------------------------


def _staff_order(request, number: str):
    """An order of a store where the user holds a STAFF_ORDER_ROLES role; another store's order
    is as unknown as a missing one (404, never 403: no probing for order numbers)."""
    store_ids = (
        None
        if request.user.is_superuser
        else store_ids_for(user=request.user, roles=STAFF_ORDER_ROLES)
    )
    order = selectors.staff_order(number=number, store_ids=store_ids)
    if order is None:
        raise NotFound(_("No such order."))
    return order


def _staff_body(order) -> dict:
    order = selectors.staff_order(number=order.number, store_ids=None)
    snapshot = selectors.order_snapshot(order=order)
    body = OrderOutputSerializer(order).data
    body["refunded"] = snapshot["refunded"]
    body["refunds"] = snapshot["refunds"]
    body["timeline"] = snapshot["timeline"]
    body["refundable_lines"] = [
        {
            "line_id": row["line"].pk,
            "refunded": row["refunded"],
            "left": row["left"],
            "left_amount": Money(row["left_amount"], order.currency).as_dict(),
        }
        for row in services.refundable_lines(order=order)
    ]
    return body


class StaffOrderSerializer(OrderOutputSerializer):
    class RefundableLineSerializer(serializers.Serializer):
        line_id = serializers.IntegerField()
        refunded = serializers.IntegerField()
        left = serializers.IntegerField()
        left_amount = MoneySerializer()

    refunded = MoneySerializer()
    refunds = RefundSerializer(many=True)
    timeline = TimelineEntrySerializer(many=True)
    refundable_lines = RefundableLineSerializer(many=True)


class StaffOrderApi(APIView):
    """An order of the manager's store, with what is left to refund per line."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: StaffOrderSerializer, 404: STAFF_ORDER_NOT_FOUND})
    def get(self, request, number: str):
        return Response(_staff_body(_staff_order(request, number)))


class StaffOrderCancelApi(APIView):
    """The store cancels an order that has not left it (never collected, a shortage...):
    its stock is released and everything paid is refunded, line by line, to where it came from.
    Needs an `Idempotency-Key`: a retry changes nothing."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        reason = serializers.ChoiceField(choices=[str(r) for r in STAFF_CANCEL_REASONS])
        note = serializers.CharField(max_length=200, required=False, allow_blank=True)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: StaffOrderSerializer,
            404: STAFF_ORDER_NOT_FOUND,
            409: error_response(
                "not_cancellable: the order has left the store, or is already closed."
            ),
            422: KEY_REUSED,
        },
        parameters=[idempotency_header],
    )
    def post(self, request, number: str):
        order = _staff_order(request, number)
        key = idempotency_key(request)
        data = _valid(self.InputSerializer, request.data)
        services.cancel_order_by_staff(
            order=order,
            actor=request.user,
            reason=data["reason"],
            note=data.get("note", ""),
            idempotency_key=f"staff:{order.pk}:{request.user.pk}:{key}",
        )
        return Response(_staff_body(order))


class StaffOrderRefundApi(APIView):
    """Refund part of a paid order: `lines` (each line's quantity gives back what those units
    cost, never more than is left of the line) or an `amount` that belongs to no line. Needs an
    `Idempotency-Key`: the same key with the same body returns the same refund, with another
    body 422."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class LineSerializer(serializers.Serializer):
            line_id = serializers.IntegerField(min_value=1)
            quantity = serializers.IntegerField(min_value=1, max_value=5000)

        lines = LineSerializer(many=True, required=False, min_length=1, max_length=200)
        amount = serializers.IntegerField(min_value=1, required=False)
        reason = serializers.ChoiceField(choices=[str(r) for r in STAFF_REFUND_REASONS])
        note = serializers.CharField(max_length=200, required=False, allow_blank=True)

        def validate(self, attrs):
            if ("lines" in attrs) == ("amount" in attrs):
                raise serializers.ValidationError(_("Send either lines or an amount."))
            return attrs

    @extend_schema(
        request=InputSerializer,
        responses={
            201: StaffOrderSerializer,
            400: error_response(
                "validation_error; idempotency_key_required; invalid_refund: more than is left "
                "of a line or of the order, or an unknown line."
            ),
            404: STAFF_ORDER_NOT_FOUND,
            409: error_response(
                "nothing_to_refund: the order was not paid, or is refunded in full; "
                "refund_not_allowed."
            ),
            422: KEY_REUSED,
            502: PROVIDER_ERROR,
        },
        parameters=[idempotency_header],
    )
    def post(self, request, number: str):
        order = _staff_order(request, number)
        key = f"staff-refund:{order.pk}:{request.user.pk}:{idempotency_key(request)}"
        data = _valid(self.InputSerializer, request.data)
        if data.get("lines"):
            lines: dict[int, int] = {}
            for line in data["lines"]:
                lines[line["line_id"]] = lines.get(line["line_id"], 0) + line["quantity"]
            services.refund_order_lines(
                order=order,
                lines=lines,
                actor=request.user,
                reason=data["reason"],
                note=data.get("note", ""),
                idempotency_key=key,
            )
        else:
            services.refund_order_amount(
                order=order,
                amount=data["amount"],
                actor=request.user,
                reason=data["reason"],
                note=data.get("note", ""),
                idempotency_key=key,
            )
        return Response(_staff_body(order), status=status.HTTP_201_CREATED)
