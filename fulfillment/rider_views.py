"""The rider app (`/rider/`, a phone PWA): the current trip and one form per step. Each POST
parses its input, finds the user's rider profile, calls one service and goes back to the trip;
a refusal (a domain error) shows the trip again with the message and its 4xx status, nothing
changed. The location goes over the websocket (`fulfillment.consumers.RiderConsumer`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from fulfillment.dispatch_service import selectors
from fulfillment.dispatch_service import trips as services
from fulfillment.models import Rider, Trip, TripStop
from omostore.errors import DomainError
from stores.models import StaffRole
from stores.selectors import has_store_role


def rider_of(user) -> Rider:
    """The user's rider profile at a store where they still hold the rider role: the one with a
    trip under way first. PermissionDenied (403) for anyone else."""
    profiles = [
        rider
        for rider in selectors.riders_of_user(user=user)
        if has_store_role(user=user, store_id=rider.store_id, roles=[StaffRole.Role.RIDER])
    ]
    if not profiles:
        raise PermissionDenied("You are not a rider of any store.")
    with_trip = [rider for rider in profiles if selectors.current_trip(rider=rider) is not None]
    return (with_trip or profiles)[0]


def _page(request, rider: Rider, *, error: DomainError | None = None):
    trip = selectors.current_trip(rider=rider)
    stops = list(trip.stops.all()) if trip is not None else []
    next_stop = next((s for s in stops if s.state == TripStop.State.PENDING), None)
    # The shopper's phone only for this trip's own rider, only while the trip is on its way
    # to the doors (never on another rider's trip, never once it is finished).
    call_phone = (
        next_stop.order.delivery_phone.replace(" ", "")
        if next_stop is not None and trip.rider_id == rider.pk and trip.state in Trip.STARTED
        else ""
    )
    context = {
        "rider": rider,
        "store": rider.store,
        "trip": trip,
        "stops": stops,
        "next_stop": next_stop,
        "call_phone": call_phone,
        "trip_json": selectors.trip_payload(trip) if trip is not None else None,
        "failure_reasons": TripStop.FailureReason.choices,
        "duties": Rider.Duty.choices,
        "tile_url": settings.MAP_TILE_URL,
        "location_interval_ms": settings.DISPATCH_LOCATION_INTERVAL_SECONDS * 1000,
        "error": error,
    }
    return render(
        request,
        "fulfillment/rider_home.html",
        context,
        status=error.http_status if error is not None else 200,
    )


@login_required
def rider_home(request):
    return _page(request, rider_of(request.user))


def _step(action):
    """A POST step: call `action(request, rider)`, then back to the trip; a refusal re-renders."""

    @login_required
    @require_POST
    def view(request, **kwargs):
        rider = rider_of(request.user)
        try:
            action(request, rider, **kwargs)
        except DomainError as exc:
            return _page(request, rider, error=exc)
        return redirect("rider-home")

    view.__name__ = action.__name__
    return view


@_step
def scan_bag(request, rider):
    services.scan_bag(rider=rider, code=request.POST.get("code", ""), actor=request.user)


@_step
def deliver(request, rider, stop_id: int):
    services.confirm_delivery(
        rider=rider, stop_id=stop_id, code=request.POST.get("code", ""), actor=request.user
    )


@_step
def fail(request, rider, stop_id: int):
    services.record_failed_delivery(
        rider=rider, stop_id=stop_id, reason=request.POST.get("reason", ""), actor=request.user
    )


@_step
def back(request, rider):
    services.return_to_store(rider=rider)


@_step
def duty(request, rider):
    services.change_duty(rider=rider, duty=request.POST.get("duty", ""))


@_step
def sharing(request, rider):
    services.set_location_sharing(rider=rider, sharing=request.POST.get("sharing") == "on")
