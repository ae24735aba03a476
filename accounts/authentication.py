"""`Authorization: Token <key>` for API clients, checked against `ApiToken` (hashed, expiring)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


class ApiTokenAuthentication(TokenAuthentication):
    """The header format of DRF's TokenAuthentication (so existing clients keep working), with
    our own token model: several per user, stored hashed, expiring, revocable."""

    keyword = "Token"

    def authenticate_credentials(self, key: str):
        # Imported here: DRF loads this class while `rest_framework.views` is still importing,
        # before the models and `omostore.errors` can be.
        from accounts import tokens

        token = tokens.token_for_key(key=key)
        if token is None:
            raise AuthenticationFailed(_("Invalid or expired token."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
