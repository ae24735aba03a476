"""Domain errors and the one place that turns them (and every DRF error) into a 4xx response.

Services raise `DomainError` subclasses named after what went wrong in the shop's language; they
never raise HTTP errors. Each app keeps its own in `<app>/errors.py`, deriving from these. Every 4xx
from the API has one shape:

    {"error": {"code": "insufficient_stock", "message": "...", "details": {...}}}

Messages a shopper reads are translated (`gettext`, catalogues in `locale/`). A server-rendered
page that meets a domain error shows it on a friendly 4xx page (`DomainErrorPageMiddleware`),
never a 500.

One rule for `Idempotency-Key` (checkout, wallet top-ups, staff refunds and cancellations):
`idempotency_key(request)` reads it; missing, blank or longer than IDEMPOTENCY_KEY_MAX characters
is 400 `idempotency_key_required`; the same key with a different request is 422
`idempotency_key_reused` (as the IETF draft "The Idempotency-Key HTTP Header Field" says); the
same key with the same request returns the same resource (checkout answers 200 instead of 201 to
say it made nothing new).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class DomainError(Exception):
    """A business rule refused the request. Subclasses set `code` and `http_status`."""

    code = "invalid_request"
    http_status = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFound(DomainError):
    code = "not_found"
    http_status = status.HTTP_404_NOT_FOUND


class Forbidden(DomainError):
    code = "forbidden"
    http_status = status.HTTP_403_FORBIDDEN


class Conflict(DomainError):
    code = "conflict"
    http_status = status.HTTP_409_CONFLICT


class IdempotencyKeyRequired(DomainError):
    code = "idempotency_key_required"


class IdempotencyKeyReused(DomainError):
    """The key was already used for a different request."""

    code = "idempotency_key_reused"
    http_status = status.HTTP_422_UNPROCESSABLE_ENTITY


IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 80


def idempotency_key(request) -> str:
    """The request's `Idempotency-Key` header: 1 to IDEMPOTENCY_KEY_MAX visible ASCII
    characters, else IdempotencyKeyRequired (400). Callers scope it (to the member, the staff
    user, the order) before using it as a unique key."""
    key = request.headers.get(IDEMPOTENCY_KEY_HEADER, "").strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not all(33 <= ord(c) < 127 for c in key):
        raise IdempotencyKeyRequired(
            _("Send an Idempotency-Key header (1 to %(max)s visible ASCII characters).")
            % {"max": IDEMPOTENCY_KEY_MAX},
            details={"header": IDEMPOTENCY_KEY_HEADER, "max_length": IDEMPOTENCY_KEY_MAX},
        )
    return key


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


def _first_message(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    if isinstance(detail, dict) and detail:
        field, value = next(iter(detail.items()))
        text = _first_message(value)
        return text if field == "non_field_errors" else f"{field}: {text}"
    return str(detail)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let it be a 500 and reach the logs
    if isinstance(exc, exceptions.ValidationError):
        code, message, details = "validation_error", _first_message(exc.detail), exc.detail
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        message, details = _first_message(detail), None
    response.data = error_body(code, message, details)
    return response


def json_error_response(request, code: str, message: str, http_status: int) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=http_status)


class DomainErrorPageMiddleware:
    """A domain error that reaches a server-rendered page becomes that page's 4xx, with the
    error's (translated) message, instead of a 500. The API has its own handler
    (`api_exception_handler`); a request for JSON gets the API's shape here too."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request, exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        if request.path.startswith("/api/") or "application/json" in request.headers.get(
            "Accept", ""
        ):
            return json_error_response(
                request, exception.code, exception.message, exception.http_status
            )
        return render(
            request,
            "error.html",
            {"code": exception.code, "message": exception.message, "status": exception.http_status},
            status=exception.http_status,
        )
