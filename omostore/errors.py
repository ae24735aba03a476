"""Domain errors and the one place that turns them (and every DRF error) into a 4xx response.

Services raise `DomainError` subclasses named after what went wrong in the shop's language; they
never raise HTTP errors. Every 4xx from the API has one shape:

    {"error": {"code": "insufficient_stock", "message": "...", "details": {...}}}
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
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
