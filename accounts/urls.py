from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/token/", api.ObtainTokenApi.as_view(), name="api-auth-token"),
    path("auth/tokens/", api.ApiTokenListApi.as_view(), name="api-auth-tokens"),
    path(
        "auth/tokens/<int:token_id>/", api.ApiTokenRevokeApi.as_view(), name="api-auth-token-revoke"
    ),
    path("me/", api.MeApi.as_view(), name="api-me"),
]
