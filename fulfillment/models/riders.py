"""Riders, their shifts, trips and stops (the dispatcher).

A `Rider` is a staff user's profile at one store (their vehicle, box and duty); a `Trip` is what
the dispatcher commits to a rider: its `TripStop`s in order with planned times. The database
guards the two rules the dispatcher must never break, whatever its Redis lock does: an order is
on at most one active stop (`trip_stop_one_active_per_order`), and a rider has at most one trip
waiting to start and one under way.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from fulfillment.dispatch import VEHICLE_DEFAULTS
from fulfillment.dispatch import Vehicle as PlannerVehicle

__all__ = ["Rider", "Trip", "TripStop"]


class Rider(models.Model):
    class Vehicle(models.TextChoices):
        BICYCLE = "bicycle", "Bicycle"
        SCOOTER = "scooter", "Scooter"
        ON_FOOT = "on_foot", "On foot"

    class Duty(models.TextChoices):
        ON_DUTY = "on_duty", "On duty"
        BREAK = "break", "On a break"
        OFF_DUTY = "off_duty", "Off duty"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rider_profiles"
    )
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="riders")
    display_name = models.CharField(max_length=80)
    phone = models.CharField(max_length=32, blank=True)
    vehicle = models.CharField(max_length=10, choices=Vehicle.choices, default=Vehicle.BICYCLE)
    speed_mps = models.FloatField(
        null=True, blank=True, help_text="Metres per second; empty: the vehicle's usual speed."
    )
    capacity_bags = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Bags per trip; empty: what the vehicle usually carries."
    )
    duty = models.CharField(max_length=10, choices=Duty.choices, default=Duty.OFF_DUTY)
    shift_ends_at = models.DateTimeField(
        null=True, blank=True, help_text="When the rider must be back at the store."
    )
    sharing_location = models.BooleanField(default=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    located_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["store", "display_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "store"], name="rider_once_per_store"),
            models.CheckConstraint(
                condition=Q(speed_mps__isnull=True) | Q(speed_mps__gt=0),
                name="rider_speed_positive",
            ),
            models.CheckConstraint(
                condition=Q(capacity_bags__isnull=True) | Q(capacity_bags__gt=0),
                name="rider_capacity_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_vehicle_display()})"

    @property
    def speed(self) -> float:
        spec = VEHICLE_DEFAULTS[PlannerVehicle(self.vehicle)]
        return self.speed_mps if self.speed_mps is not None else spec.speed_mps

    @property
    def capacity(self) -> int:
        spec = VEHICLE_DEFAULTS[PlannerVehicle(self.vehicle)]
        return self.capacity_bags if self.capacity_bags is not None else spec.capacity_bags


class Trip(models.Model):
    """A rider's trip. `assigned`: committed by the dispatcher, not started (it may still be
    re-planned or reassigned); `loading`: the rider is scanning its bags at the store;
    `out`: on the road; `returning`: every stop done, riding back; `done`: back at the store;
    `superseded`: replaced by a newer plan before it started."""

    class State(models.TextChoices):
        ASSIGNED = "assigned", "Assigned"
        LOADING = "loading", "Loading at the store"
        OUT = "out", "Out for delivery"
        RETURNING = "returning", "Returning"
        DONE = "done", "Back at the store"
        SUPERSEDED = "superseded", "Re-planned"

    NOT_STARTED = frozenset({State.ASSIGNED})
    STARTED = frozenset({State.LOADING, State.OUT})
    ACTIVE = frozenset({State.ASSIGNED, State.LOADING, State.OUT, State.RETURNING})

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="trips")
    rider = models.ForeignKey(Rider, on_delete=models.PROTECT, related_name="trips")
    state = models.CharField(max_length=12, choices=State.choices, default=State.ASSIGNED)
    commit_reason = models.CharField(max_length=20, blank=True)
    plan_method = models.CharField(max_length=12, blank=True)
    planned_leaves_at = models.DateTimeField()
    planned_returns_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rider"], condition=Q(state="assigned"), name="trip_one_assigned_per_rider"
            ),
            models.UniqueConstraint(
                fields=["rider"],
                condition=Q(state__in=["loading", "out", "returning"]),
                name="trip_one_under_way_per_rider",
            ),
        ]
        indexes = [models.Index(fields=["store", "state"])]

    def __str__(self) -> str:
        return f"Trip {self.pk} of {self.rider.display_name} ({self.state})"


class TripStop(models.Model):
    """One order on a trip. `is_active` while the order is still to be delivered by this trip;
    the conditional unique constraint makes a second active stop of the same order fail in the
    database, so two dispatcher ticks (or a tick and a manager) can never both place it."""

    class State(models.TextChoices):
        PENDING = "pending", "To deliver"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Not delivered"
        REMOVED = "removed", "Re-planned"

    class FailureReason(models.TextChoices):
        NO_ONE_HOME = "no_one_home", "No one home"
        REFUSED = "refused", "Refused"
        UNREACHABLE = "unreachable", "Address not reachable"

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="stops")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="trip_stops")
    sequence = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    is_active = models.BooleanField(default=True)
    planned_arrival_at = models.DateTimeField()
    promised_by = models.DateTimeField(null=True, blank=True)
    bags = models.PositiveSmallIntegerField(default=1)
    bags_scanned = models.JSONField(default=list, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    failure_reason = models.CharField(max_length=12, choices=FailureReason.choices, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["trip", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(is_active=True), name="trip_stop_one_active_per_order"
            ),
            models.UniqueConstraint(fields=["trip", "sequence"], name="trip_stop_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"Stop {self.sequence} of trip {self.trip_id}: order {self.order_id}"
