from django.contrib.auth import authenticate
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.selectors import user_with_roles
from accounts.services import update_profile
from omostore.errors import DomainError


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    http_status = 400


class ObtainTokenApi(APIView):
    """Exchange email and password for an API token (API clients; the PWA uses its session)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer, auth=[])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request,
            username=data.validated_data["email"].lower(),
            password=data.validated_data["password"],
        )
        if user is None:
            raise InvalidCredentials("Wrong email or password.")
        token, _ = Token.objects.get_or_create(user=user)
        return Response(self.OutputSerializer({"token": token.key}).data)


class MeApi(APIView):
    """Who the caller is, with their member code and their roles per store."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        class RoleSerializer(serializers.Serializer):
            store = serializers.CharField(source="store.code")
            role = serializers.CharField()

        email = serializers.EmailField()
        display_name = serializers.CharField()
        member_code = serializers.CharField(source="member.member_code", default=None)
        roles = RoleSerializer(source="staff_roles.all", many=True)

    class InputSerializer(serializers.Serializer):
        display_name = serializers.CharField(max_length=80, allow_blank=True)

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
