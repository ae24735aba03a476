"""Payments API: provider webhooks, the test provider's confirm step, the member's wallet.
One view per operation; the services hold the rules."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Member
from accounts.selectors import member_for
from omostore.errors import NotFound, idempotency_key
from omostore.money import CURRENCIES, Money
from omostore.ratelimit import enforce_rate_limit
from omostore.schema import IDEMPOTENCY_KEY_PARAMETER, error_response
from omostore.serializers import MoneySerializer
from payments import selectors, services
from payments.errors import PaymentNotPending
from payments.models import Payment, PaymentMethod
from payments.services.common import TOP_UP_MAX_MAJOR, TOP_UP_MIN_MAJOR


class MinorUnitsField(serializers.IntegerField):
    """A whole number of minor units: 1.5, 1.0, "1e3" and true are refused, not rounded."""

    def to_internal_value(self, data):
        if isinstance(data, bool | float) or (
            isinstance(data, str) and not data.strip().removeprefix("-").isdigit()
        ):
            self.fail("invalid")
        return super().to_internal_value(data)


class PaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    method = serializers.CharField()
    status = serializers.CharField()
    amount = serializers.SerializerMethodField()
    client_secret = serializers.SerializerMethodField()
    confirm_url = serializers.SerializerMethodField()

    @extend_schema_field(MoneySerializer)
    def get_amount(self, payment: Payment) -> dict:
        return Money(payment.amount, payment.currency).as_dict()

    def get_client_secret(self, payment: Payment) -> str | None:
        """For Stripe.js to confirm the card payment in the browser."""
        return payment.client_secret or None if payment.method == PaymentMethod.CARD else None

    def get_confirm_url(self, payment: Payment) -> str | None:
        """Where the test provider's "card network" takes the outcome of a pending payment."""
        if payment.method != PaymentMethod.TEST or payment.status != Payment.Status.PENDING:
            return None
        return reverse("api-test-payment-confirm", args=[payment.pk])


def _member(request) -> Member:
    member = member_for(user=request.user)
    if member is None:
        raise NotFound(_("Only members have a wallet and payments."))
    return member


# --- Webhooks -------------------------------------------------------------------------------------


class WebhookOutputSerializer(serializers.Serializer):
    received = serializers.BooleanField()
    duplicate = serializers.BooleanField(help_text="The event had been received before.")


webhook_schema = extend_schema(
    request={"application/json": OpenApiTypes.OBJECT},
    parameters=[OpenApiParameter("Stripe-Signature", str, OpenApiParameter.HEADER, required=True)],
    responses={
        200: WebhookOutputSerializer,
        400: error_response(
            "invalid_webhook: a missing or wrong signature, a stale timestamp, or a body that is "
            "not an event."
        ),
        404: error_response("not_found: the test provider exists only outside production."),
    },
    auth=[],
)


def _receive_webhook(request, *, provider: str) -> Response:
    event = services.handle_webhook(
        provider=provider,
        payload=request.body,  # raw: the signature is over the exact bytes
        signature_header=request.headers.get("Stripe-Signature", ""),
    )
    return Response(WebhookOutputSerializer({"received": True, "duplicate": event is None}).data)


class StripeWebhookApi(APIView):
    """Events from Stripe, verified by their `Stripe-Signature`; each is applied once."""

    authentication_classes: list = []  # no session, so no CSRF: the signature authenticates
    permission_classes = [AllowAny]

    @webhook_schema
    def post(self, request):
        return _receive_webhook(request, provider="stripe")


class TestWebhookApi(APIView):
    """Events of the test provider, signed as Stripe signs; only outside production."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @webhook_schema
    def post(self, request):
        if not settings.TEST_PAYMENTS_ENABLED:
            raise NotFound("The test payment provider exists only outside production.")
        return _receive_webhook(request, provider="test")


# --- The test provider ----------------------------------------------------------------------------


class TestPaymentConfirmApi(APIView):
    """The test provider's card network: the owner of a pending test payment has it succeed or
    declined. The outcome comes back through the signed webhook code path."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=services.TEST_OUTCOMES)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: PaymentSerializer,
            404: error_response(
                "not_found: no such test payment of the caller (or the caller is no member)."
            ),
            409: error_response("payment_not_pending: the payment has its outcome already."),
        },
    )
    def post(self, request, payment_id: int):
        if not settings.TEST_PAYMENTS_ENABLED:
            raise NotFound("The test payment provider exists only outside production.")
        payment = selectors.member_payment(member=_member(request), payment_id=payment_id)
        if payment is None or payment.method != PaymentMethod.TEST:
            raise NotFound(_("No such test payment."))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if payment.status != Payment.Status.PENDING:
            raise PaymentNotPending(
                _("This payment is %(status)s, not pending.") % {"status": payment.status}
            )
        services.confirm_test_payment(payment=payment, outcome=data.validated_data["outcome"])
        return Response(PaymentSerializer(payment).data)


# --- Wallet ---------------------------------------------------------------------------------------


# Every currency's top-up bounds lie within these (omostore.money.CURRENCIES): from 100 major units
# of a currency without minor units to 100,000 of one with three decimals.
TOP_UP_SCHEMA_MIN = TOP_UP_MIN_MAJOR
TOP_UP_SCHEMA_MAX = TOP_UP_MAX_MAJOR * 10 ** max(exponent for exponent, _ in CURRENCIES.values())


@extend_schema_field(
    {"type": "integer", "minimum": TOP_UP_SCHEMA_MIN, "maximum": TOP_UP_SCHEMA_MAX}
)
class TopUpAmountField(MinorUnitsField):
    """A top-up amount; the service checks it against the wallet currency's bounds and says
    them in `details` when it refuses one (invalid_amount)."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            f"In the wallet currency's minor unit, from {TOP_UP_MIN_MAJOR:,} to "
            f"{TOP_UP_MAX_MAJOR:,} of the currency: ¥{TOP_UP_MIN_MAJOR:,} to "
            f"¥{TOP_UP_MAX_MAJOR:,} is {TOP_UP_MIN_MAJOR} to {TOP_UP_MAX_MAJOR}, "
            f"${TOP_UP_MIN_MAJOR:,} to ${TOP_UP_MAX_MAJOR:,} is {TOP_UP_MIN_MAJOR * 100} to "
            f"{TOP_UP_MAX_MAJOR * 100}. Outside the wallet currency's bounds: 400 "
            "invalid_amount, with `details.min` and `details.max`.",
        )
        super().__init__(**kwargs)


class WalletApi(APIView):
    """The member's stored value and the last 20 entries of its ledger."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        class EntrySerializer(serializers.Serializer):
            id = serializers.IntegerField()
            kind = serializers.CharField()
            amount = serializers.SerializerMethodField()
            balance_after = serializers.SerializerMethodField()
            reference = serializers.CharField(source="payment.reference", default=None)
            created_at = serializers.DateTimeField()

            @extend_schema_field(MoneySerializer)
            def get_amount(self, entry) -> dict:
                return Money(entry.amount, entry.account.currency).as_dict()

            @extend_schema_field(MoneySerializer)
            def get_balance_after(self, entry) -> dict:
                return Money(entry.balance_after, entry.account.currency).as_dict()

        balance = MoneySerializer()
        entries = EntrySerializer(many=True)

    @extend_schema(
        responses={
            200: OutputSerializer,
            404: error_response("not_found: only members have a wallet."),
        }
    )
    def get(self, request):
        member = _member(request)
        balance = services.wallet_balance(member=member)
        entries = list(selectors.wallet_entries(member=member).select_related("account")[:20])
        return Response(self.OutputSerializer({"balance": balance, "entries": entries}).data)


class WalletTopUpApi(APIView):
    """Add money to the wallet by card (or the test provider). Needs an `Idempotency-Key`
    header: the same key returns the same top-up, and a different body with it is refused."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        amount = TopUpAmountField()
        method = serializers.ChoiceField(choices=[PaymentMethod.CARD, PaymentMethod.TEST])

    @extend_schema(
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: PaymentSerializer,
            400: error_response(
                "validation_error; idempotency_key_required; invalid_amount: outside the "
                "wallet currency's bounds (`details`: min and max); payment_method_unavailable."
            ),
            404: error_response("not_found: only members have a wallet."),
            422: error_response(
                "idempotency_key_reused: this Idempotency-Key was used with another request."
            ),
            429: error_response("rate_limited: more than 10 top-ups a minute."),
            502: error_response(
                "payment_provider_error: the card provider could not be reached; nothing was "
                "changed, and the same Idempotency-Key may be tried again."
            ),
        },
    )
    def post(self, request):
        member = _member(request)
        key = idempotency_key(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enforce_rate_limit(
            key=f"top-up:{request.user.pk}", limit=10, window_seconds=60, action="top-ups"
        )
        payment = services.start_top_up(
            member=member,
            amount=data.validated_data["amount"],
            method=data.validated_data["method"],
            # Keys are the client's: scoped to the member, so two members never share one.
            idempotency_key=f"top-up:{member.pk}:{key}",
        )
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)
