"""What the dispatcher plans from: the store, the pending delivery orders, the riders, the trips
already under way. Plain frozen dataclasses, built by the Django layer from its rows (or by a
bench or a test from thin air); nothing here touches the database.

Every time is an aware ``datetime``; the solver works in whole seconds after ``Instance.now``.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime

OrderId = Hashable
RiderId = Hashable


class InvalidInstance(ValueError):
    """The inputs contradict themselves (a naive time, a duplicate id, no bags, ...)."""


@dataclass(frozen=True, slots=True)
class Point:
    """A place on the map, WGS84 degrees."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            raise InvalidInstance(f"not a place on earth: ({self.lat}, {self.lon})")


class Vehicle(enum.StrEnum):
    BICYCLE = "bicycle"
    SCOOTER = "scooter"
    ON_FOOT = "on_foot"


@dataclass(frozen=True, slots=True)
class VehicleSpec:
    speed_mps: float
    capacity_bags: int


# Typical city speeds door to door (stops at lights included) and what fits in the box or bag.
VEHICLE_DEFAULTS: dict[Vehicle, VehicleSpec] = {
    Vehicle.ON_FOOT: VehicleSpec(speed_mps=1.3, capacity_bags=2),
    Vehicle.BICYCLE: VehicleSpec(speed_mps=4.0, capacity_bags=4),
    Vehicle.SCOOTER: VehicleSpec(speed_mps=6.5, capacity_bags=6),
}


@dataclass(frozen=True, slots=True)
class Depot:
    """The store the riders leave from and come back to.

    ``handover_s`` is the time at the store before each departure (scanning the bags of the
    trip); it is spent after the last bag of the trip is ready.
    """

    location: Point
    handover_s: int = 60

    def __post_init__(self) -> None:
        if self.handover_s < 0:
            raise InvalidInstance("handover_s must not be negative")


@dataclass(frozen=True, slots=True)
class Order:
    """A delivery order waiting for a rider.

    ``ready_at`` is when its last bag is packed (the release time: no trip carrying it leaves
    before); ``promised_by`` is the latest arrival at the door the shopper was promised;
    ``service_s`` is the time at the door (parking, stairs, handing over).
    """

    id: OrderId
    location: Point
    ready_at: datetime
    promised_by: datetime
    bags: int = 1
    service_s: int = 90

    def __post_init__(self) -> None:
        _require_aware(self.ready_at, f"order {self.id!r} ready_at")
        _require_aware(self.promised_by, f"order {self.id!r} promised_by")
        if self.bags < 1:
            raise InvalidInstance(f"order {self.id!r} has no bags")
        if self.service_s < 0:
            raise InvalidInstance(f"order {self.id!r} has a negative service time")


@dataclass(frozen=True, slots=True)
class Rider:
    """A rider who can take trips: at the store from ``available_at`` (now, or when back from a
    trip) until ``shift_ends_at``, by which the rider must be back at the store."""

    id: RiderId
    vehicle: Vehicle
    available_at: datetime
    shift_ends_at: datetime
    speed_mps: float | None = None
    capacity_bags: int | None = None

    def __post_init__(self) -> None:
        _require_aware(self.available_at, f"rider {self.id!r} available_at")
        _require_aware(self.shift_ends_at, f"rider {self.id!r} shift_ends_at")
        if self.speed_mps is not None and self.speed_mps <= 0:
            raise InvalidInstance(f"rider {self.id!r} has no speed")
        if self.capacity_bags is not None and self.capacity_bags < 1:
            raise InvalidInstance(f"rider {self.id!r} carries nothing")

    @property
    def speed(self) -> float:
        """Metres per second: the rider's own figure, else the vehicle's default."""
        return (
            self.speed_mps
            if self.speed_mps is not None
            else VEHICLE_DEFAULTS[self.vehicle].speed_mps
        )

    @property
    def capacity(self) -> int:
        """Bags per trip: the rider's own figure, else the vehicle's default."""
        if self.capacity_bags is not None:
            return self.capacity_bags
        return VEHICLE_DEFAULTS[self.vehicle].capacity_bags


@dataclass(frozen=True, slots=True)
class StartedTrip:
    """A trip that has left the store: fixed, never re-planned away from its rider.

    ``position`` is where the rider is at ``Instance.now`` (the last reported location, or the
    store), ``stops`` the orders still to deliver, in the order the rider will deliver them.
    The planner computes when these are delivered and when the rider is back at the store, and
    plans the rider's next trip from then.
    """

    rider_id: RiderId
    position: Point
    stops: tuple[Order, ...]


@dataclass(frozen=True, slots=True)
class Instance:
    """One tick's planning problem. ``orders`` are the pending orders (not on a started trip);
    ``riders`` are all riders who can take a trip before their shift ends, including those on a
    started trip (who must then have a ``StartedTrip`` in ``started_trips``)."""

    now: datetime
    depot: Depot
    orders: tuple[Order, ...]
    riders: tuple[Rider, ...]
    started_trips: tuple[StartedTrip, ...] = field(default=())

    def __post_init__(self) -> None:
        _require_aware(self.now, "now")
        object.__setattr__(self, "orders", tuple(self.orders))
        object.__setattr__(self, "riders", tuple(self.riders))
        object.__setattr__(self, "started_trips", tuple(self.started_trips))
        order_ids = [order.id for order in self.orders]
        order_ids += [stop.id for trip in self.started_trips for stop in trip.stops]
        if len(set(order_ids)) != len(order_ids):
            raise InvalidInstance("an order appears twice (pending or on a started trip)")
        rider_ids = [rider.id for rider in self.riders]
        if len(set(rider_ids)) != len(rider_ids):
            raise InvalidInstance("a rider appears twice")
        trip_riders = [trip.rider_id for trip in self.started_trips]
        if len(set(trip_riders)) != len(trip_riders):
            raise InvalidInstance("a rider has two started trips")
        unknown = set(trip_riders) - set(rider_ids)
        if unknown:
            raise InvalidInstance(f"started trips of unknown riders: {sorted(map(str, unknown))}")

    def seconds(self, moment: datetime) -> float:
        """Seconds from ``now`` to ``moment`` (negative in the past)."""
        return (moment - self.now).total_seconds()


def _require_aware(moment: datetime, what: str) -> None:
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise InvalidInstance(f"{what} must be an aware datetime")
