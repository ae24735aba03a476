"""What orders refuse, in the shop's language; `omostore.errors` turns each into one 4xx (the
API) or a friendly page (server-rendered pages). Shopper-facing messages are translated where
they are raised."""

from rest_framework import status

from omostore.errors import Conflict, DomainError, IdempotencyKeyReused, NotFound

__all__ = [
    "EmptyCart",
    "ExitPassExpired",
    "ExitPassInvalid",
    "ExitPassUsed",
    "ExitPassWrongStore",
    "IdempotencyKeyReused",
    "InvalidCheckout",
    "InvalidQuantity",
    "InvalidRefund",
    "InvalidTransition",
    "NotCancellable",
    "NotEnoughStock",
    "NotPayable",
    "NothingToRefund",
    "OutsideDeliveryArea",
    "StoreClosed",
    "UnknownProduct",
]


class InvalidQuantity(DomainError):
    code = "invalid_quantity"


class NotEnoughStock(Conflict):
    """More than is available now; `details` says how many are left. The same code as the
    checkout's refusal (catalog's InsufficientStock), so a client handles both alike."""

    code = "insufficient_stock"


class UnknownProduct(NotFound):
    code = "unknown_product"


class EmptyCart(DomainError):
    code = "empty_cart"


class OutsideDeliveryArea(DomainError):
    code = "outside_delivery_area"


class StoreClosed(DomainError):
    code = "store_closed"


class InvalidCheckout(DomainError):
    code = "invalid_checkout"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class NotCancellable(Conflict):
    code = "not_cancellable"


class InvalidRefund(DomainError):
    code = "invalid_refund"


class NothingToRefund(Conflict):
    code = "nothing_to_refund"
    http_status = status.HTTP_409_CONFLICT


class ExitPassInvalid(DomainError):
    code = "exit_pass_invalid"


class ExitPassExpired(DomainError):
    code = "exit_pass_expired"


class ExitPassUsed(Conflict):
    code = "exit_pass_used"


class ExitPassWrongStore(DomainError):
    code = "exit_pass_wrong_store"


class NotPayable(Conflict):
    code = "not_payable"
