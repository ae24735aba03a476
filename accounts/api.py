from django.contrib.auth import authenticate
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import tokens
from accounts.models import ApiToken
from accounts.selectors import user_with_roles
from accounts.services import update_profile
from omostore.errors import DomainError
from omostore.schema import error_response
from omostore.serializers import StrictCharField
from omostore.throttling import ClientIpScopedRateThrottle


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    http_status = 400


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it in the list: never its key."""

    current = serializers.SerializerMethodField(
        help_text="True for the token that authenticated this request."
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "key_prefix", "created_at", "last_used_at", "expires_at", "current"]

    def get_current(self, token: ApiToken) -> bool:
        auth = self.context["request"].auth
        return isinstance(auth, ApiToken) and auth.pk == token.pk


class ObtainTokenApi(APIView):
    """Exchange email and password for a new API token (API clients; the PWA uses its session).

    Every call makes a new token, named after the device if `name` is given; the key is in this
    response only. It expires after `API_TOKEN_TTL`; list and revoke tokens under
    `/api/v1/auth/tokens/`. Failed log-ins count towards the log-in lockout (429)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientIpScopedRateThrottle]
    throttle_scope = "auth_token"

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        name = serializers.CharField(
            max_length=80,
            required=False,
            default="",
            allow_blank=True,
            help_text="The device or script.",
        )

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(help_text="The key: send `Authorization: Token <key>`.")
        id = serializers.IntegerField()
        name = serializers.CharField()
        expires_at = serializers.DateTimeField()

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: error_response("invalid_credentials, or validation_error."),
            429: error_response(
                "login_locked: too many failed log-ins (the lockout), or throttled: too many "
                "requests from this address."
            ),
        },
        auth=[],
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request, where django-axes keeps its lockout state for its middleware.
        user = authenticate(
            request._request,
            username=data.validated_data["email"].lower(),
            password=data.validated_data["password"],
        )
        if user is None:
            raise InvalidCredentials("Wrong email or password.")
        token, key = tokens.issue_api_token(user=user, name=data.validated_data["name"])
        return Response(
            self.OutputSerializer(
                {"token": key, "id": token.pk, "name": token.name, "expires_at": token.expires_at}
            ).data
        )


class ApiTokenListApi(APIView):
    """The caller's own API tokens that still work, newest first (never their keys)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ApiTokenSerializer(many=True))
    def get(self, request):
        listed = tokens.live_api_tokens(user=request.user)
        return Response(ApiTokenSerializer(listed, many=True, context={"request": request}).data)


class ApiTokenRevokeApi(APIView):
    """Revoke one of the caller's own tokens; it stops working at once. Another person's token
    is not found (404)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            204: None,
            404: error_response("not_found: no such live token of the caller."),
        },
    )
    def delete(self, request, token_id: int):
        tokens.revoke_api_token(user=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    """Who the caller is, with their member code and their roles per store."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        class RoleSerializer(serializers.Serializer):
            store = serializers.CharField(source="store.code")
            role = serializers.CharField()

        email = serializers.EmailField()
        display_name = serializers.CharField()
        member_code = serializers.CharField(
            source="member.member_code", default=None, allow_null=True
        )
        roles = RoleSerializer(source="staff_roles.all", many=True)

    class InputSerializer(serializers.Serializer):
        display_name = StrictCharField(max_length=80, allow_blank=True)

    @extend_schema(responses=OutputSerializer)
    @method_decorator(ensure_csrf_cookie)  # the PWA's first call: it then sends X-CSRFToken
    def get(self, request):
        return Response(self.OutputSerializer(user_with_roles(user_id=request.user.pk)).data)

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def patch(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        update_profile(user=request.user, display_name=data.validated_data["display_name"])
        return Response(self.OutputSerializer(user_with_roles(user_id=request.user.pk)).data)
