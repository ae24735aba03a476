"""Members' JSON API: favourites (points, inbox and push below). One view per operation."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Member
from accounts.selectors import member_for
from members import push, selectors, services
from members.models import NotificationKind
from omostore.client_ip import client_ip
from omostore.errors import NotFound
from omostore.ratelimit import enforce_rate_limit
from omostore.serializers import MoneySerializer
from stores import selectors as store_selectors

MAX_STATE_SKUS = 100


def _member(request) -> Member:
    member = member_for(user=request.user)
    if member is None:
        raise NotFound(_("Only members have favourites, points and messages."))
    return member


def _store(request, member: Member):
    code = request.query_params.get("store", "")
    if code:
        store = store_selectors.store_by_code(code=code)
        if store is None:
            raise NotFound(_("No such store."))
        return store
    store = member.home_store or store_selectors.active_stores().first()
    if store is None:
        raise NotFound(_("No such store."))
    return store


class FavouriteListApi(APIView):
    """The member's favourites with one store's price and stock (`?store=`, else the home
    store)."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        sku = serializers.CharField(source="favourite.product.sku")
        name_en = serializers.CharField(source="favourite.product.name_en")
        name_ja = serializers.CharField(source="favourite.product.name_ja")
        price = MoneySerializer(allow_null=True)
        regular_price = MoneySerializer(allow_null=True)
        stock_state = serializers.CharField()

    @extend_schema(
        parameters=[OpenApiParameter("store", str, required=False)],
        responses=OutputSerializer(many=True),
    )
    def get(self, request):
        member = _member(request)
        rows = selectors.member_favourites(member=member, store=_store(request, member))
        return Response(self.OutputSerializer(rows, many=True).data)


class FavouriteStateApi(APIView):
    """Which of `?skus=a,b,c` (up to 100) the member hearted: the product page and search ask,
    so their HTML stays the same for everyone."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        favourites = serializers.ListField(child=serializers.CharField())

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "skus",
                str,
                required=False,
                description=f"Comma-separated SKUs, the first {MAX_STATE_SKUS} are answered; "
                "none: an empty list.",
            )
        ],
        responses=OutputSerializer,
    )
    def get(self, request):
        member = _member(request)
        skus = [s for s in request.query_params.get("skus", "").split(",") if s][:MAX_STATE_SKUS]
        return Response({"favourites": selectors.favourite_skus(member=member, skus=skus)})


class FavouriteApi(APIView):
    """PUT hearts the product `sku`, DELETE un-hearts it; both are idempotent."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        sku = serializers.CharField()
        favourite = serializers.BooleanField()

    @extend_schema(request=None, responses={200: OutputSerializer})
    def put(self, request, sku: str):
        member = _member(request)
        enforce_rate_limit(
            key=f"favourites:{member.pk}", limit=120, window_seconds=60, action=_("changes")
        )
        services.add_favourite(member=member, sku=sku)
        return Response({"sku": sku, "favourite": True})

    @extend_schema(request=None, responses={200: OutputSerializer})
    def delete(self, request, sku: str):
        member = _member(request)
        services.remove_favourite(member=member, sku=sku)
        return Response({"sku": sku, "favourite": False}, status=status.HTTP_200_OK)


class PointsApi(APIView):
    """The member's points: balance, what expires soon, and the last 20 ledger entries."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        class EntrySerializer(serializers.Serializer):
            id = serializers.IntegerField()
            kind = serializers.CharField()
            source = serializers.CharField()
            points = serializers.IntegerField()
            balance_after = serializers.IntegerField()
            reference = serializers.CharField()
            created_at = serializers.DateTimeField()

        balance = serializers.IntegerField()
        expiring_soon = serializers.IntegerField()
        next_expiry = serializers.DateTimeField(allow_null=True)
        entries = EntrySerializer(many=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        member = _member(request)
        summary = selectors.points_summary(member=member)
        entries = list(selectors.points_entries(member=member)[:20])
        return Response(
            self.OutputSerializer(
                {
                    "balance": summary.balance,
                    "expiring_soon": summary.expiring_soon,
                    "next_expiry": summary.next_expiry,
                    "entries": entries,
                }
            ).data
        )


# --- Notifications --------------------------------------------------------------------------------


class PushKeyApi(APIView):
    """The VAPID public key browsers subscribe with (applicationServerKey); empty when this
    server sends no push."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        public_key = serializers.CharField()

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return Response({"public_key": push.vapid_public_key()})


class PushSubscriptionApi(APIView):
    """POST keeps this browser's subscription (PushSubscription.toJSON()); DELETE forgets it."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class KeysSerializer(serializers.Serializer):
            p256dh = serializers.RegexField(r"^[A-Za-z0-9_-]{80,100}={0,2}$")
            auth = serializers.RegexField(r"^[A-Za-z0-9_-]{16,30}={0,2}$")

        endpoint = serializers.URLField(max_length=500)
        keys = KeysSerializer()

    class DeleteSerializer(serializers.Serializer):
        endpoint = serializers.URLField(max_length=500)

    class OutputSerializer(serializers.Serializer):
        endpoint = serializers.CharField()
        created_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request):
        member = _member(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enforce_rate_limit(
            key=f"push-subscribe:{member.pk}", limit=20, window_seconds=3600, action=_("changes")
        )
        subscription = services.subscribe_push(
            member=member,
            endpoint=data.validated_data["endpoint"],
            p256dh=data.validated_data["keys"]["p256dh"],
            auth=data.validated_data["keys"]["auth"],
            user_agent=request.headers.get("User-Agent", ""),
        )
        return Response(self.OutputSerializer(subscription).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DeleteSerializer, responses={204: None})
    def delete(self, request):
        member = _member(request)
        data = self.DeleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.unsubscribe_push(member=member, endpoint=data.validated_data["endpoint"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class InboxApi(APIView):
    """The member's last 50 messages, newest first, and how many are unread."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        class MessageSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            kind = serializers.CharField()
            title = serializers.CharField()
            body = serializers.CharField()
            url = serializers.CharField()
            created_at = serializers.DateTimeField()
            read_at = serializers.DateTimeField(allow_null=True)

        unread = serializers.IntegerField()
        messages = MessageSerializer(many=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        member = _member(request)
        messages = list(selectors.inbox(member=member)[:50])
        unread = selectors.unread_count(member=member)
        return Response(self.OutputSerializer({"unread": unread, "messages": messages}).data)


class InboxReadApi(APIView):
    """Mark one message read (`{"id": n}`) or all of them (`{}`)."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        id = serializers.IntegerField(required=False, min_value=1)

    class OutputSerializer(serializers.Serializer):
        marked = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        member = _member(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.mark_read(member=member, message_id=data.validated_data.get("id"))
        return Response({"marked": marked})


class NotificationPreferencesApi(APIView):
    """Which kinds come as a push (the inbox gets every kind)."""

    permission_classes = [IsAuthenticated]

    class PreferencesSerializer(serializers.Serializer):
        push = serializers.ListField(
            child=serializers.ChoiceField(choices=NotificationKind.choices)
        )

    @extend_schema(responses=PreferencesSerializer)
    def get(self, request):
        member = _member(request)
        return Response({"push": selectors.push_kinds(member=member)})

    @extend_schema(request=PreferencesSerializer, responses=PreferencesSerializer)
    def put(self, request):
        member = _member(request)
        data = self.PreferencesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.set_push_preferences(member=member, push_kinds=set(data.validated_data["push"]))
        return Response({"push": selectors.push_kinds(member=member)})


class NearbyApi(APIView):
    """The store nearest to where the phone is (`?latitude=&longitude=`, sent by the open page:
    browsers cannot watch a location in the background), and for a member their favourites on
    offer there (reduced and in stock). The point is used for this answer and not kept."""

    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        latitude = serializers.FloatField(min_value=-90, max_value=90)
        longitude = serializers.FloatField(min_value=-180, max_value=180)

    class OutputSerializer(serializers.Serializer):
        class StoreSerializer(serializers.Serializer):
            code = serializers.CharField()
            name = serializers.CharField()
            name_ja = serializers.CharField()
            address = serializers.CharField()
            distance_m = serializers.IntegerField()

        class DealSerializer(serializers.Serializer):
            sku = serializers.CharField(source="favourite.product.sku")
            name_en = serializers.CharField(source="favourite.product.name_en")
            name_ja = serializers.CharField(source="favourite.product.name_ja")
            price = MoneySerializer()
            regular_price = MoneySerializer()
            stock_state = serializers.CharField()

        store = StoreSerializer(allow_null=True)
        favourites_on_offer = DealSerializer(many=True)
        favourites_in_stock = serializers.IntegerField()

    @extend_schema(parameters=[InputSerializer], responses=OutputSerializer)
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        enforce_rate_limit(
            key=f"nearby:{client_ip(request)}", limit=60, window_seconds=60, action=_("look-ups")
        )
        store = selectors.nearest_store(**data.validated_data)
        member = member_for(user=request.user)
        deals, in_stock = [], 0
        if store is not None and member is not None:
            rows = selectors.member_favourites(member=member, store=store)
            available = [r for r in rows if r.stock_state in ("in_stock", "low")]
            deals = [r for r in available if r.regular_price is not None]
            in_stock = len(available)
        return Response(
            self.OutputSerializer(
                {"store": store, "favourites_on_offer": deals, "favourites_in_stock": in_stock}
            ).data
        )
