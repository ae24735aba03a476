from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.selectors import member_for
from fulfillment.dispatch_service import selectors as dispatch_selectors
from fulfillment.dispatch_service import tick
from fulfillment.dispatch_service import trips as trip_services
from fulfillment.models import Rider, Trip
from omostore.errors import DomainError
from orders import selectors as order_selectors
from stores.models import Store
from stores.roles import FLOOR_ROLES, Role
from stores.selectors import has_store_role, store_ids_for


@login_required
def staff_home(request):
    """Staff land on the feed of their store; with several stores they choose one."""
    stores = Store.objects.filter(pk__in=store_ids_for(user=request.user, roles=FLOOR_ROLES))
    if len(stores) == 1:
        return redirect("staff-store-feed", store_code=stores[0].code)
    if not stores:
        raise PermissionDenied("You are not staff of any store.")
    return render(request, "fulfillment/staff_home.html", {"stores": stores})


@login_required
def store_feed(request, store_code: str):
    store = get_object_or_404(Store, code=store_code, is_active=True)
    if not has_store_role(user=request.user, store_id=store.pk, roles=FLOOR_ROLES):
        raise PermissionDenied("You are not staff of this store.")
    return render(request, "fulfillment/store_feed.html", {"store": store})


@login_required
def order_tracking(request, number: str):
    """`/orders/<number>/tracking/`: the tracking snapshot of the shopper's own order (the
    `order.tracking` events on the order group carry the same shape, whole). `{"tracking":
    null}` while no rider carries it."""
    member = member_for(user=request.user)
    order = order_selectors.member_order(member=member, number=number) if member else None
    if order is None:
        raise Http404("No such order.")
    return JsonResponse({"tracking": dispatch_selectors.tracking_for_order(order_id=order.pk)})


def _managed_store(request, store_code: str) -> Store:
    store = get_object_or_404(Store, code=store_code, is_active=True)
    if not has_store_role(user=request.user, store_id=store.pk, roles=[Role.MANAGER]):
        raise PermissionDenied("You do not manage this store.")
    return store


def _board_page(request, store: Store, *, error=None):
    board = dispatch_selectors.board(store=store)
    points = {
        "store": [float(store.latitude), float(store.longitude)],
        "riders": [
            {"name": r.display_name, "lat": float(r.latitude), "lon": float(r.longitude)}
            for r in board["riders"]
            if r.latitude is not None and r.duty == Rider.Duty.ON_DUTY
        ],
        "orders": [
            {
                "number": row["order"].number,
                "lat": float(row["order"].delivery_latitude),
                "lon": float(row["order"].delivery_longitude),
                "slack_s": row["slack_s"],
            }
            for row in board["pending"]
            if row["order"].delivery_latitude is not None
        ],
        "trips": [
            [
                [float(s.order.delivery_latitude), float(s.order.delivery_longitude)]
                for s in trip.stops.all()
            ]
            for trip in board["trips"]
        ],
    }
    return render(
        request,
        "fulfillment/dispatch_board.html",
        {
            "store": store,
            "board": board,
            "points": points,
            "tile_url": settings.MAP_TILE_URL,
            "on_duty": [r for r in board["riders"] if r.duty == Rider.Duty.ON_DUTY],
            "last_tick": tick.last_tick(store_id=store.pk),
            "error": error,
        },
        status=error.http_status if error is not None else 200,
    )


@login_required
def dispatch_board(request, store_code: str):
    """The manager's live dispatch board (desk): riders, trips, orders by lateness risk, the
    day's on-time rate; a trip not started can be given to another rider."""
    return _board_page(request, _managed_store(request, store_code))


@login_required
@require_POST
def reassign_trip(request, store_code: str, trip_id: int):
    store = _managed_store(request, store_code)
    trip = get_object_or_404(Trip, pk=trip_id, store=store)
    rider = get_object_or_404(Rider, pk=request.POST.get("rider") or 0, store=store)
    try:
        trip_services.reassign_trip(trip=trip, rider=rider)
    except DomainError as exc:
        return _board_page(request, store, error=exc)
    return redirect("staff-dispatch-board", store_code=store.code)
