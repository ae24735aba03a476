"""What riders and managers do with trips: scan the bags at the store (the trip leaves when every
bag of every order is scanned), deliver with the shopper's code or record why not, ride back,
change duty, share the location; a manager reassigns a trip that has not started.

Every service locks the trip row first (`select_for_update`), then the orders in primary-key
order, so a step and a dispatcher tick never interleave on the same trip. Order statuses move
through orders' own `set_status` (out_for_delivery, delivered, delivery_failed).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fulfillment.dispatch_service import bags, errors, live
from fulfillment.models import Rider, Trip, TripStop
from orders import services as order_services
from orders.delivery_code import delivery_code_matches
from orders.models import Order, OrderStatus


def _locked_trip(*, rider: Rider, states) -> Trip:
    trip = (
        Trip.objects.select_for_update()
        .filter(rider=rider, state__in=states)
        .order_by("created_at")
        .first()
    )
    if trip is None:
        raise errors.NoTrip(_("You have no trip at this step."))
    return trip


def _locked_orders(order_ids) -> dict[int, Order]:
    return {
        order.pk: order
        for order in Order.objects.select_for_update()
        .select_related("store")
        .filter(pk__in=sorted(order_ids))
        .order_by("pk")
    }


@transaction.atomic
def scan_bag(*, rider: Rider, code: str, actor=None) -> Trip:
    """A bag scanned at the store. The first scan starts the trip (it is the rider's from then
    on: the dispatcher never re-plans it); the last one sends it out, every order
    `out_for_delivery`. A code of no bag, a bag of an order not on the trip, or of an order not
    packed yet: BagNotOnTrip, nothing changed."""
    if Trip.objects.filter(rider=rider, state__in=[Trip.State.OUT, Trip.State.RETURNING]).exists():
        raise errors.WrongStep(_("Finish your current trip first."))
    trip = _locked_trip(rider=rider, states=[Trip.State.ASSIGNED, Trip.State.LOADING])
    scanned = bags.verify_bag_code(code, store_id=rider.store_id)
    stops = {stop.order_id: stop for stop in trip.stops.filter(is_active=True)}
    stop = stops.get(scanned.order_id) if scanned is not None else None
    if stop is None:
        raise errors.BagNotOnTrip(_("This bag is not for this trip."))
    order = Order.objects.get(pk=scanned.order_id)
    if scanned.key not in {bag.key for bag in bags.bags_for_handover(order)}:
        raise errors.BagNotOnTrip(_("This bag is not ready to leave yet."))
    now = timezone.now()
    if trip.state == Trip.State.ASSIGNED:
        trip.state, trip.started_at = Trip.State.LOADING, now
        trip.save(update_fields=["state", "started_at"])
    if scanned.key not in stop.bags_scanned:
        stop.bags_scanned = [*stop.bags_scanned, scanned.key]
        stop.save(update_fields=["bags_scanned"])
    if all(_all_bags_scanned(s) for s in stops.values()):
        _leave(trip=trip, order_ids=list(stops), actor=actor)
    live.publish_rider_trip(rider=rider)
    return trip


def _all_bags_scanned(stop: TripStop) -> bool:
    expected = {bag.key for bag in bags.bags_for_handover(stop.order)}
    return bool(expected) and expected <= set(stop.bags_scanned)


def _leave(*, trip: Trip, order_ids: list[int], actor) -> None:
    orders = _locked_orders(order_ids)
    for order in orders.values():
        if order.status != OrderStatus.PACKED:
            raise errors.TripNotReady(_("An order of this trip is not packed."))
        order_services.set_status(order=order, to_status=OrderStatus.OUT_FOR_DELIVERY, actor=actor)
        live.publish_tracking(order_id=order.pk)
    trip.state, trip.left_at = Trip.State.OUT, timezone.now()
    trip.save(update_fields=["state", "left_at"])


def _out_stop(*, rider: Rider, stop_id: int) -> tuple[Trip, TripStop]:
    trip = _locked_trip(rider=rider, states=[Trip.State.OUT])
    stop = trip.stops.filter(pk=stop_id).select_related("order__store").first()
    if stop is None:
        raise errors.NoTrip(_("This stop is not on your trip."))
    if stop.state != TripStop.State.PENDING:
        raise errors.WrongStep(_("This stop is already done."))
    return trip, stop


def _finish_stop(*, trip: Trip, stop: TripStop, state: str, reason: str = "") -> None:
    stop.state, stop.is_active, stop.finished_at = state, False, timezone.now()
    stop.failure_reason = reason
    stop.save(update_fields=["state", "is_active", "finished_at", "failure_reason"])
    if not trip.stops.filter(state=TripStop.State.PENDING).exists():
        trip.state = Trip.State.RETURNING
        trip.save(update_fields=["state"])
    for other in trip.stops.filter(state=TripStop.State.PENDING):
        live.publish_tracking(order_id=other.order_id)


def confirm_delivery(*, rider: Rider, stop_id: int, code: str, actor=None) -> TripStop:
    """The shopper's 4-digit code entered at the door: the order is `delivered`. A wrong code
    counts one try (WrongDeliveryCode); after `DISPATCH_CODE_ATTEMPTS` wrong tries the stop
    refuses every code (CodeAttemptsExhausted): the rider calls the store."""
    with transaction.atomic():
        trip, stop = _out_stop(rider=rider, stop_id=stop_id)
        if stop.code_attempts >= settings.DISPATCH_CODE_ATTEMPTS:
            raise errors.CodeAttemptsExhausted(_("Too many wrong codes: call the store."))
        order = _locked_orders([stop.order_id])[stop.order_id]
        right = delivery_code_matches(order, code)
        if right:
            order_services.set_status(order=order, to_status=OrderStatus.DELIVERED, actor=actor)
            _finish_stop(trip=trip, stop=stop, state=TripStop.State.DELIVERED)
            live.publish_rider_trip(rider=rider)
            live.publish_tracking(order_id=order.pk)
            return stop
        # A wrong try is kept (committed) before the refusal is raised.
        stop.code_attempts += 1
        stop.save(update_fields=["code_attempts"])
    raise errors.WrongDeliveryCode(
        _("That is not the order's delivery code."),
        details={"attempts_left": settings.DISPATCH_CODE_ATTEMPTS - stop.code_attempts},
    )


@transaction.atomic
def record_failed_delivery(*, rider: Rider, stop_id: int, reason: str, actor=None) -> TripStop:
    """No one home, refused...: the order becomes `delivery_failed`; its bags ride back to the
    store, where the manager sends it again or cancels it with a refund."""
    if reason not in TripStop.FailureReason.values:
        raise errors.WrongStep(_("Say why the order could not be delivered."))
    trip, stop = _out_stop(rider=rider, stop_id=stop_id)
    order = _locked_orders([stop.order_id])[stop.order_id]
    order_services.set_status(
        order=order, to_status=OrderStatus.DELIVERY_FAILED, actor=actor, reason=reason
    )
    _finish_stop(trip=trip, stop=stop, state=TripStop.State.FAILED, reason=reason)
    live.publish_rider_trip(rider=rider)
    live.publish_tracking(order_id=order.pk)
    return stop


@transaction.atomic
def return_to_store(*, rider: Rider) -> Trip:
    """The rider is back at the store: the trip is done (and the rider free for the next)."""
    trip = _locked_trip(rider=rider, states=[Trip.State.RETURNING])
    trip.state, trip.finished_at = Trip.State.DONE, timezone.now()
    trip.save(update_fields=["state", "finished_at"])
    live.publish_rider_trip(rider=rider)
    return trip


@transaction.atomic
def change_duty(*, rider: Rider, duty: str) -> Rider:
    """On duty, on a break, off duty. A rider with a trip under way finishes it first; going
    off duty gives back a trip not started (its orders return to the pool) and stops sharing
    the location."""
    if duty not in Rider.Duty.values:
        raise errors.WrongStep(_("Unknown duty."))
    rider = Rider.objects.select_for_update().get(pk=rider.pk)
    if duty != Rider.Duty.ON_DUTY:
        if Trip.objects.filter(rider=rider, state__in=Trip.STARTED).exists():
            raise errors.TripAlreadyStarted(_("Finish your trip first."))
        _give_back_assigned(rider=rider)
    rider.duty = duty
    rider.save(update_fields=["duty"])
    live.publish_rider_trip(rider=rider)
    return rider


def _give_back_assigned(*, rider: Rider) -> None:
    trip_ids = list(
        Trip.objects.filter(rider=rider, state=Trip.State.ASSIGNED).values_list("pk", flat=True)
    )
    Trip.objects.filter(pk__in=trip_ids, state=Trip.State.ASSIGNED).update(
        state=Trip.State.SUPERSEDED, finished_at=timezone.now()
    )
    TripStop.objects.filter(trip_id__in=trip_ids, is_active=True).update(
        is_active=False, state=TripStop.State.REMOVED
    )


@transaction.atomic
def set_location_sharing(*, rider: Rider, sharing: bool) -> Rider:
    """A rider may pause sharing while not on a trip; on a trip the location is shared."""
    if not sharing and Trip.objects.filter(rider=rider, state__in=Trip.STARTED).exists():
        raise errors.TripAlreadyStarted(_("Your location is shared while on a trip."))
    Rider.objects.filter(pk=rider.pk).update(sharing_location=sharing)
    rider.sharing_location = sharing
    live.publish_rider_trip(rider=rider)
    return rider


def _coordinate(value, limit: int) -> Decimal:
    try:
        number = Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        raise errors.InvalidLocation(_("Not a place on earth.")) from None
    if not number.is_finite() or not -limit <= number <= limit:
        raise errors.InvalidLocation(_("Not a place on earth."))
    return number.quantize(Decimal("0.000001"))


@transaction.atomic
def record_location(*, rider: Rider, lat, lon) -> Rider:
    """The phone's position while on a trip (loading, out or riding back): kept on the rider and
    sent to the shoppers whose orders the trip carries. Off a trip, or outside the earth's
    ranges: refused, nothing kept."""
    latitude, longitude = _coordinate(lat, 90), _coordinate(lon, 180)
    trip = (
        Trip.objects.filter(rider=rider, state__in=[*Trip.STARTED, Trip.State.RETURNING])
        .only("pk")
        .first()
    )
    if trip is None:
        raise errors.NoTrip(_("Your location is shared only while on a trip."))
    now = timezone.now()
    Rider.objects.filter(pk=rider.pk).update(
        latitude=latitude, longitude=longitude, located_at=now, sharing_location=True
    )
    rider.latitude, rider.longitude, rider.located_at = latitude, longitude, now
    for order_id in trip.stops.filter(is_active=True).values_list("order_id", flat=True):
        live.publish_tracking(order_id=order_id)
    live.publish_board_changed(store_id=rider.store_id, what="location")
    return rider


@transaction.atomic
def reassign_trip(*, trip: Trip, rider: Rider) -> Trip:
    """A manager gives a trip that has not started to another rider of the same store, on duty
    and with no other trip waiting; a started trip stays with its rider (TripAlreadyStarted)."""
    trip = Trip.objects.select_for_update().select_related("rider").get(pk=trip.pk)
    if trip.state != Trip.State.ASSIGNED:
        raise errors.TripAlreadyStarted(_("This trip has started; it stays with its rider."))
    if rider.store_id != trip.store_id:
        raise errors.NotARider(_("This rider does not ride for this store."))
    if rider.duty != Rider.Duty.ON_DUTY:
        raise errors.WrongStep(_("This rider is not on duty."))
    if Trip.objects.filter(rider=rider, state=Trip.State.ASSIGNED).exists():
        raise errors.WrongStep(_("This rider already has a trip waiting."))
    previous = trip.rider
    trip.rider = rider
    trip.save(update_fields=["rider"])
    live.publish_rider_trip(rider=previous)
    live.publish_rider_trip(rider=rider)
    return trip
