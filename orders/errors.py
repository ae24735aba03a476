from rest_framework import status

from omostore.errors import Conflict, DomainError, NotFound


class InvalidQuantity(DomainError):
    code = "invalid_quantity"


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


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    http_status = status.HTTP_422_UNPROCESSABLE_ENTITY


class InvalidTransition(Conflict):
    code = "invalid_transition"


class NotCancellable(Conflict):
    code = "not_cancellable"


class ExitPassInvalid(DomainError):
    code = "exit_pass_invalid"


class ExitPassExpired(DomainError):
    code = "exit_pass_expired"


class ExitPassUsed(Conflict):
    code = "exit_pass_used"


class ExitPassWrongStore(DomainError):
    code = "exit_pass_wrong_store"
