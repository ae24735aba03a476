"""What payments refuse, in the shop's language; `omostore.errors` turns each into one 4xx."""

from rest_framework import status

from omostore.errors import Conflict, DomainError, IdempotencyKeyReused

__all__ = [
    "IdempotencyKeyReused",
    "InsufficientFunds",
    "InvalidAmount",
    "InvalidWebhook",
    "PaymentMethodUnavailable",
    "PaymentNotPending",
    "PaymentProviderError",
    "RefundNotAllowed",
]


class InsufficientFunds(DomainError):
    code = "insufficient_funds"
    http_status = status.HTTP_402_PAYMENT_REQUIRED


class PaymentMethodUnavailable(DomainError):
    code = "payment_method_unavailable"


class InvalidAmount(DomainError):
    code = "invalid_amount"


class RefundNotAllowed(DomainError):
    code = "refund_not_allowed"
    http_status = status.HTTP_409_CONFLICT


class PaymentNotPending(Conflict):
    code = "payment_not_pending"


class InvalidWebhook(DomainError):
    code = "invalid_webhook"


class PaymentProviderError(DomainError):
    """The provider (Stripe) could not be reached or refused the request; nothing was changed
    here, and the same idempotency key may be tried again."""

    code = "payment_provider_error"
    http_status = status.HTTP_502_BAD_GATEWAY
