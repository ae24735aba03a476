"""What the dispatcher, the rider app and the handover refuse; `omostore.errors` turns each into
one 4xx with a stable code (the API) or a friendly page (server-rendered pages)."""

from rest_framework import status

from omostore.errors import Conflict, DomainError, Forbidden, NotFound

__all__ = [
    "BagNotOnTrip",
    "CodeAttemptsExhausted",
    "InvalidLocation",
    "NoTrip",
    "NotARider",
    "TripAlreadyStarted",
    "TripNotReady",
    "WrongDeliveryCode",
    "WrongStep",
]


class NotARider(Forbidden):
    code = "not_a_rider"


class NoTrip(NotFound):
    code = "no_trip"


class TripAlreadyStarted(Conflict):
    code = "trip_already_started"


class TripNotReady(Conflict):
    """Bags still missing (or not packed yet) when the rider asks to leave."""

    code = "trip_not_ready"


class WrongStep(Conflict):
    code = "wrong_step"


class BagNotOnTrip(DomainError):
    code = "bag_not_on_trip"


class WrongDeliveryCode(DomainError):
    code = "wrong_delivery_code"


class CodeAttemptsExhausted(DomainError):
    code = "delivery_code_locked"
    http_status = status.HTTP_429_TOO_MANY_REQUESTS


class InvalidLocation(DomainError):
    code = "invalid_location"
