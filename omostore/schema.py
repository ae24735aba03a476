"""The OpenAPI schema (drf-spectacular): component names, the error body, and the error responses
every operation documents.

Every 4xx of the API has one body (`omostore.errors`): `{"error": {"code", "message", "details"}}`.
Each operation documents the errors it can answer with: the ones every view of its kind can give
are added here (`OmoAutoSchema.get_operation`), the ones of its own business rules it lists in its
`@extend_schema(responses=...)` with `error_response(...)`. `tests/api/test_schema_contract.py`
fuzzes every operation and fails on a status, a content type or a body the schema does not
document.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import is_serializer
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from omostore.errors import IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_KEY_MAX


class ErrorBodySerializer(serializers.Serializer):
    """The body of every 4xx answer of the API."""

    class ErrorSerializer(serializers.Serializer):
        code = serializers.CharField(
            help_text="Stable, machine-readable: validation_error, not_found, insufficient_stock..."
        )
        message = serializers.CharField(help_text="For a person, in the request's language.")
        details = serializers.JSONField(
            required=False,
            help_text="Optional, per code: the invalid fields of a validation_error, the "
            "limits of a refused quantity or amount, what is left of a product...",
        )

    error = ErrorSerializer()


def error_response(description: str) -> OpenApiResponse:
    """A documented error answer: the error body, and which codes it carries and when."""
    return OpenApiResponse(response=ErrorBodySerializer, description=description)


# One Idempotency-Key parameter for every operation that needs it (omostore.errors explains the
# rule); its limits are the ones `idempotency_key()` enforces.
IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_KEY_HEADER,
    {
        "type": "string",
        "minLength": 1,
        "maxLength": IDEMPOTENCY_KEY_MAX,
        "pattern": f"^[!-~]{{1,{IDEMPOTENCY_KEY_MAX}}}$",
    },
    OpenApiParameter.HEADER,
    required=True,
    description=f"1 to {IDEMPOTENCY_KEY_MAX} visible ASCII characters, unique per request: "
    "the same key with the same body returns the first answer, with another body 422 "
    "idempotency_key_reused. Missing, blank or too long: 400 idempotency_key_required.",
)

VALIDATION_ERROR = (
    "validation_error: the request does not match this schema (`details` names the fields); "
    "idempotency_key_required: no valid Idempotency-Key header (where one is required); or "
    "another refusal of this operation, named by its `code`."
)
AUTH_ERROR = (
    "not_authenticated: no credentials (a session or `Authorization: Token <key>`); "
    "authentication_failed: an unknown, revoked or expired token; permission_denied or "
    "forbidden: the caller may not do this."
)
NOT_FOUND = (
    "not_found (or a more precise code): nothing with this identifier for the caller, or the "
    "caller has nothing of the kind (no member profile, no role at the store): unknown and "
    "not-yours look alike, so nothing can be probed."
)
UNSUPPORTED_MEDIA_TYPE = (
    "unsupported_media_type: a body in none of the media types listed (or one that cannot be "
    "parsed as its declared type)."
)
THROTTLED = "throttled: too many requests from this address; retry after `Retry-After` seconds."


class OmoAutoSchema(AutoSchema):
    """Names components after the API class too: `MeApi.OutputSerializer` → `MeApiOutput`.

    Each API class nests its own Input/Output serializers (HackSoft style), so the bare class
    names repeat across the project.

    Adds to every operation the error answers its kind of view can give, unless the view
    documents them itself: 400 where it takes input, 403 where it authenticates (an invalid
    token is refused even where anyone may call), 404 where its path names something or only
    some callers may call it, 415 where it takes a body, 429 where it is throttled.
    """

    def get_serializer_name(self, serializer, direction):
        qualified = type(serializer).__qualname__.replace("Serializer", "")
        return "".join(part for part in qualified.split(".") if part != "<locals>")

    def get_request_serializer(self):
        if self.method == "DELETE":
            return None  # unless the view's @extend_schema(request=...) names one
        return super().get_request_serializer()

    def _get_request_body(self, direction="request"):
        # drf-spectacular documents a body for POST, PUT and PATCH only; a DELETE that declares
        # one (`@extend_schema(request=...)`) takes it, so the schema says so.
        if self.method == "DELETE" and is_serializer(self.get_request_serializer()):
            self.method = "POST"
            try:
                return super()._get_request_body(direction)
            finally:
                self.method = "DELETE"
        return super()._get_request_body(direction)

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        responses = operation.setdefault("responses", {})
        expected = {}
        if operation.get("requestBody") or any(p["in"] != "path" for p in parameters):
            expected["400"] = VALIDATION_ERROR
        if self.view.get_authenticators() or not all(
            isinstance(permission, AllowAny) for permission in self.view.get_permissions()
        ):
            expected["403"] = AUTH_ERROR
        if any(p["in"] == "path" for p in parameters) or not all(
            isinstance(permission, AllowAny) for permission in self.view.get_permissions()
        ):
            expected["404"] = NOT_FOUND
        if operation.get("requestBody"):
            expected["415"] = UNSUPPORTED_MEDIA_TYPE
        if self.view.get_throttles():
            expected["429"] = THROTTLED
        for code, description in expected.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    error_response(description), code, direction="response"
                )
        operation["responses"] = dict(sorted(responses.items()))
        return operation
