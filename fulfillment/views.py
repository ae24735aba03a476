"""Server-rendered staff screens: the pickers' tablet (queue per zone, pick screen), bag labels,
the packing station, the manager's dispatch board, and the shopper's tracking JSON. Each checks
role AND store; the work itself goes through the API (fulfillment/api.py) and its services."""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import member_for
from catalog.labels import qr_svg
from catalog.models import TemperatureZone
from fulfillment.api import COUNTER_ROLES, PACK_ROLES, PICK_ROLES
from fulfillment.dispatch_service import selectors as dispatch_selectors
from fulfillment.dispatch_service import tick
from fulfillment.dispatch_service import trips as trip_services
from fulfillment.models import Rider, Trip
from fulfillment.picking import errors, pickup, selectors, services
from omostore.errors import DomainError
from orders import selectors as order_selectors
from stores.models import StaffRole, Store
from stores.roles import FLOOR_ROLES, Role
from stores.selectors import has_store_role, staff_tabs, store_ids_for

# Frozen and chilled bags carry a cold-chain mark on their label.
COLD_ZONES = frozenset({"chilled", "frozen", "seafood"})


def _store(request, store_code: str, roles) -> Store:
    store = get_object_or_404(Store, code=store_code, is_active=True)
    if not has_store_role(user=request.user, store_id=store.pk, roles=roles):
        raise PermissionDenied("You are not staff of this store.")
    # The tablet's tabs: only the screens this person may open in this store.
    request.staff_tabs = staff_tabs(user=request.user, store_id=store.pk)
    return store


@login_required
@require_GET
def staff_home(request):
    """Staff land on their store's screen (pickers the queue, packers the packing station);
    with several stores they choose one."""
    stores = list(Store.objects.filter(pk__in=store_ids_for(user=request.user, roles=FLOOR_ROLES)))
    if not stores:
        raise PermissionDenied("You are not staff of any store.")
    if len(stores) == 1:
        return redirect(_landing(request.user, stores[0]))
    return render(
        request,
        "fulfillment/staff_home.html",
        {"stores": [(store, _landing(request.user, store)) for store in stores]},
    )


def _landing(user, store) -> str:
    if has_store_role(user=user, store_id=store.pk, roles=PICK_ROLES):
        return reverse("staff-pick-queue", args=[store.code])
    if has_store_role(user=user, store_id=store.pk, roles=PACK_ROLES):
        return reverse("staff-packing", args=[store.code])
    # Counter and exit staff: the pickup counter, with the exit screen a tap away.
    return reverse("staff-counter", args=[store.code])


@login_required
@require_GET
def pick_queue(request, store_code: str):
    """The pickers' tablet: a live queue per temperature zone, most urgent first."""
    store = _store(request, store_code, PICK_ROLES)
    is_manager = has_store_role(user=request.user, store_id=store.pk, roles=[Role.MANAGER])
    pickers = (
        [
            {"id": role.user_id, "name": role.user.display_name or role.user.email}
            for role in StaffRole.objects.filter(
                store=store, role=Role.PICKER, user__is_active=True
            )
            .select_related("user")
            .order_by("user__display_name", "user__email")
        ]
        if is_manager
        else []
    )
    return render(
        request,
        "fulfillment/pick_queue.html",
        {
            "store": store,
            "zones": TemperatureZone.choices,
            "tab": "pick",
            "is_manager": is_manager,
            "pickers": pickers,
        },
    )


@login_required
@require_GET
@csp_update({"script-src": ["'wasm-unsafe-eval'"]})  # the vendored ZXing barcode reader
def pick_task(request, store_code: str, task_id: int):
    """Picking one task: scan (camera, wedge, typed), weigh, report a shortage, bag."""
    store = _store(request, store_code, PICK_ROLES)
    task = selectors.task_detail(task_id=task_id, store_ids=[store.pk])
    if task is None:
        raise Http404("No such pick task.")
    return render(
        request,
        "fulfillment/pick_task.html",
        {"store": store, "task": task, "tab": "pick", "zones": TemperatureZone.choices},
    )


@login_required
@require_GET
def bag_labels(request, store_code: str, task_id: int):
    """Printable labels of a task's bags: a signed QR of the bag code, the order number, the
    zone, "bag 2 of 3" (just "bag 2" while the task is being picked), and a cold-chain mark for
    chilled and frozen bags."""
    store = _store(request, store_code, [Role.PICKER, Role.PACKER, Role.MANAGER])
    task = selectors.task_detail(task_id=task_id, store_ids=[store.pk])
    if task is None:
        raise Http404("No such pick task.")
    # "bag 2 of 3" once the task is finished; while it is picked a new bag's label says "bag 2".
    finished = task.status in ("picked", "packed")
    total = len(selectors.bags_of_order(order_id=task.order_id)) if finished else None
    labels = [
        {
            "bag": bag,
            "total": total,
            "cold": bag.zone in COLD_ZONES,
            "qr": qr_svg(services.bag_qr_payload(bag=bag)),
            "zone_label": TemperatureZone(bag.zone).label,
        }
        for bag in task.bags.all()
    ]
    return render(
        request,
        "fulfillment/bag_labels.html",
        {"store": store, "task": task, "labels": labels, "tab": "pick"},
    )


@login_required
@require_GET
def packing(request, store_code: str):
    """The packing station: orders whose zones are all picked; scan every bag, then pack."""
    store = _store(request, store_code, PACK_ROLES)
    return render(request, "fulfillment/packing.html", {"store": store, "tab": "pack"})


@login_required
@require_GET
def counter(request, store_code: str):
    """The pickup counter: scan the shopper's pickup QR (or type the 6-digit code), hand over."""
    store = _store(request, store_code, COUNTER_ROLES)
    return render(request, "fulfillment/counter.html", {"store": store, "tab": "counter"})


@login_required
@require_GET
def pickup_code_svg(request, number: str):
    """The QR of the shopper's own pickup order, once it is ready (404 otherwise)."""
    member = member_for(user=request.user)
    order = order_selectors.member_order(member=member, number=number) if member else None
    if order is None:
        raise Http404("No such order.")
    try:
        code = pickup.pickup_code(order=order)
    except errors.PickupNotReady:
        raise Http404("Not ready for pickup.") from None
    response = HttpResponse(qr_svg(code["qr"]), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


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
