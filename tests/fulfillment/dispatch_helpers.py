"""Riders, delivery orders and trips for the dispatcher's tests."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from fulfillment.models import Bag, PickTask, Rider, Trip, TripStop
from orders.models import Order
from payments.models import PaymentMethod
from stores.models import StaffRole, Store
from tests import factories

_n = itertools.count(1)


def make_rider(*, store: Store, email: str | None = None, **fields) -> Rider:
    extra = {"email": email} if email else {}
    user = factories.make_staff(store=store, role=StaffRole.Role.RIDER, **extra)
    defaults = {
        "display_name": f"Rider {next(_n)}",
        "vehicle": Rider.Vehicle.BICYCLE,
        "duty": Rider.Duty.ON_DUTY,
        "phone": "+81 90 0000 0000",
    }
    return Rider.objects.create(user=user, store=store, **{**defaults, **fields})


def make_delivery_order(
    *,
    store: Store,
    status: str = "packed",
    north_m: float = 800.0,
    east_m: float = 0.0,
    promised_in: datetime.timedelta = datetime.timedelta(minutes=12),
    member=None,
    bags: int = 1,
) -> Order:
    """A paid delivery order `north_m`/`east_m` from the store, promised `promised_in` from now."""
    lat = store.latitude + Decimal(north_m / 110_574.0).quantize(Decimal("0.000001"))
    lon = store.longitude + Decimal(east_m / 90_400.0).quantize(Decimal("0.000001"))
    n = next(_n)
    order = Order.objects.create(
        store=store,
        member=member or factories.make_member(),
        channel="delivery",
        status=status,
        currency="JPY",
        total=1000,
        payment_method=PaymentMethod.TEST,
        idempotency_key=f"dispatch-{n}",
        request_fingerprint="x" * 64,
        delivery_address=f"{n}-1 Nihonbashi, Chuo-ku",
        delivery_latitude=lat,
        delivery_longitude=lon,
        delivery_phone=f"090-0000-{n:04d}",
        delivery_notes=f"Ring twice at {n}",
        promised_by=timezone.now() + promised_in,
        paid_at=timezone.now(),
    )
    if status in ("packed", "out_for_delivery") and bags:
        make_bags(order, bags)
    return order


def make_bags(order: Order, n: int = 1) -> list[Bag]:
    """Pick and pack's bags of a packed order (one task in the ambient zone), as the packing
    station leaves them: what the rider scans at the handover."""
    task, _ = PickTask.objects.get_or_create(
        store=order.store,
        order=order,
        zone="ambient",
        defaults={"due_at": timezone.now(), "status": "packed"},
    )
    first = Bag.objects.filter(order=order).count()
    return [
        Bag.objects.create(order=order, task=task, zone="ambient", number=first + k)
        for k in range(1, n + 1)
    ]


def make_trip(*, rider: Rider, orders: list[Order], state: str = Trip.State.ASSIGNED) -> Trip:
    now = timezone.now()
    trip = Trip.objects.create(
        store=rider.store,
        rider=rider,
        state=state,
        planned_leaves_at=now,
        planned_returns_at=now + datetime.timedelta(minutes=20),
        started_at=now if state != Trip.State.ASSIGNED else None,
    )
    for n, order in enumerate(orders, start=1):
        TripStop.objects.create(
            trip=trip,
            order=order,
            sequence=n,
            planned_arrival_at=now + datetime.timedelta(minutes=5 * n),
            promised_by=order.promised_by,
        )
    return trip


def active_stops_per_order() -> dict[int, int]:
    counts: dict[int, int] = {}
    for order_id in TripStop.objects.filter(is_active=True).values_list("order_id", flat=True):
        counts[order_id] = counts.get(order_id, 0) + 1
    return counts
