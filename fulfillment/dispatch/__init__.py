"""The dispatcher's planning core: pure Python, no Django.

The Django layer turns rows into an ``Instance`` (store, pending orders, riders, started trips),
calls ``dispatch_tick`` once per beat under the store's lock, and commits the returned
``Decision.commitments``; everything else stays pooled for the next tick.

    decision = dispatch_tick(instance, tick_s=10, budget_s=2.0)
    for commitment in decision.commitments:
        commitment.trip.rider_id, commitment.trip.stops  # ordered, with planned times

``plan`` (PyVRP, greedy fallback) and ``decide`` (the must-dispatch rule) are the two halves;
``OsrmTable`` gives road distances from an OSRM server when one is configured.
"""

from fulfillment.dispatch.instance import (
    VEHICLE_DEFAULTS,
    Depot,
    Instance,
    InvalidInstance,
    Order,
    Point,
    Rider,
    StartedTrip,
    Vehicle,
    VehicleSpec,
)
from fulfillment.dispatch.plan import (
    Method,
    Plan,
    PlannedStop,
    PlannedTrip,
    UnplannedOrder,
    UnplannedReason,
)
from fulfillment.dispatch.policy import (
    DEFAULT_TICK_S,
    Commitment,
    CommitReason,
    Decision,
    decide,
    dispatch_tick,
    urgent_orders,
)
from fulfillment.dispatch.problem import Settings
from fulfillment.dispatch.solver import DEFAULT_BUDGET_S, greedy_plan, plan
from fulfillment.dispatch.travel import DEFAULT_ROAD_FACTOR, Haversine, OsrmTable

__all__ = [
    "DEFAULT_BUDGET_S",
    "DEFAULT_ROAD_FACTOR",
    "DEFAULT_TICK_S",
    "VEHICLE_DEFAULTS",
    "CommitReason",
    "Commitment",
    "Decision",
    "Depot",
    "Haversine",
    "Instance",
    "InvalidInstance",
    "Method",
    "Order",
    "OsrmTable",
    "Plan",
    "PlannedStop",
    "PlannedTrip",
    "Point",
    "Rider",
    "Settings",
    "StartedTrip",
    "UnplannedOrder",
    "UnplannedReason",
    "Vehicle",
    "VehicleSpec",
    "decide",
    "dispatch_tick",
    "greedy_plan",
    "plan",
    "urgent_orders",
]
