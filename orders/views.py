"""Shopper and exit-staff pages of the orders app: cart, checkout, order history, the live order
page with its exit pass, and the staff exit screen.

The pages render what the selectors return; every change (quantities, checkout, payment,
cancel, exit verification) goes through the JSON API from `static/js/{cart,checkout,order,exit}.js`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.selectors import member_for
from catalog.labels import qr_svg
from catalog.templatetags.catalog_tags import localized
from omostore.money import Money
from orders import selectors, services
from orders.delivery_code import delivery_code
from orders.errors import ExitPassInvalid
from orders.models import CancelReason, Channel, OrderEvent, OrderStatus
from orders.receivers import CART_COOKIE
from orders.statuses import CANCELLABLE_BY_MEMBER, member_may_cancel
from payments import services as payment_services
from payments.models import Payment, PaymentMethod
from stores import selectors as store_selectors
from stores.models import Store
from stores.roles import Role
from stores.selectors import has_store_role, store_ids_for

EXIT_ROLES = [Role.EXIT, Role.MANAGER]
ORDERS_PER_PAGE = 20

# The model's labels are not marked for translation; these are what shoppers read.
STATUS_LABELS = {
    OrderStatus.PLACED: _("Placed"),
    OrderStatus.PAID: _("Paid"),
    OrderStatus.PICKING: _("Being picked"),
    OrderStatus.PACKED: _("Packed"),
    OrderStatus.OUT_FOR_DELIVERY: _("Out for delivery"),
    OrderStatus.DELIVERED: _("Delivered"),
    OrderStatus.DELIVERY_FAILED: _("Not delivered: back at the store"),
    OrderStatus.READY_FOR_PICKUP: _("Ready for pickup"),
    OrderStatus.COLLECTED: _("Collected"),
    OrderStatus.EXITED: _("Left the store"),
    OrderStatus.CANCELLED: _("Cancelled"),
    OrderStatus.REFUNDED: _("Refunded"),
}
CHANNEL_LABELS = {
    Channel.IN_STORE: _("In store"),
    Channel.PICKUP: _("Pickup"),
    Channel.DELIVERY: _("Delivery"),
    Channel.REGISTER: _("Register"),
}


def _store(request, stores: list[Store] | None = None) -> Store:
    """`?store=<code>`, else the only (or first) active store; 404 for an unknown code.
    `stores`, when the page lists the active stores anyway, saves a query."""
    code = request.GET.get("store", "")
    if stores is None:
        store = (
            store_selectors.store_by_code(code=code)
            if code
            else store_selectors.active_stores().first()
        )
    elif code:
        store = next((s for s in stores if s.code == code), None)
    else:
        store = stores[0] if stores else None
    if store is None:
        raise Http404("No such store.")
    return store


def _cart(request, store):
    """The same cart the API shows: the member's, or the anonymous shopper's from the cookie."""
    member = member_for(user=request.user)
    if member is not None:
        return selectors.member_cart(member=member, store=store)
    return services.anonymous_cart(
        store=store, token=request.COOKIES.get(CART_COOKIE), create=False
    )


def _status_labels() -> dict[str, str]:
    return {status: str(label) for status, label in STATUS_LABELS.items()}


def _label(order):
    order.status_label = STATUS_LABELS.get(order.status, order.status)
    order.channel_label = CHANNEL_LABELS.get(order.channel, order.channel)
    return order


CANCEL_REASON_LABELS = {
    CancelReason.MEMBER_CANCELLED: _("You cancelled it."),
    CancelReason.NOT_COLLECTED: _("It was not collected."),
    CancelReason.SHORTAGE: _("The store ran out of something in it."),
    CancelReason.STAFF_CANCELLED: _("The store cancelled it."),
    CancelReason.NOT_PAID_IN_TIME: _("It was not paid in time; its items are back in your cart."),
    CancelReason.PAYMENT_FAILED: _(
        "The payment did not go through; its items are back in your cart."
    ),
    CancelReason.PAYMENT_NOT_STARTED: _(
        "The payment could not start; its items are back in your cart."
    ),
}
# What each timeline step says to the shopper; order.js gets the same texts (data-msg-*).
TIMELINE_TEXTS = {
    "refund": _("Refunded %(amount)s %(destination)s."),
    "refund-pending": _("A refund of %(amount)s is on its way %(destination)s."),
    "refund-failed": _("A refund of %(amount)s did not go through; the store will contact you."),
    "payment-failed": _("The payment did not go through."),
    "line-short": _("%(name)s: %(quantity)s short."),
    "line-substituted": _("%(name)s was replaced."),
    "nothing-charged": _("Nothing was charged."),
    "cancelled-because": _("%(status)s. %(reason)s"),
}

# Where a refund's money goes, as the shopper reads it.
REFUND_DESTINATIONS = {
    PaymentMethod.WALLET: _("to your wallet"),
    PaymentMethod.CARD: _("to your card"),
    PaymentMethod.TEST: _("to the test card"),
}


def _timeline_text(entry: dict, *, refunds: dict[int, dict], line_names: dict[int, str]) -> str:
    """What a timeline step says (order.js's `entryText` says the same)."""
    kind, payload = entry["kind"], entry["payload"]
    if kind == OrderEvent.Kind.STATUS_CHANGED:
        text = str(STATUS_LABELS.get(entry["to"], entry["to"]))
        reason = CANCEL_REASON_LABELS.get(payload.get("reason", ""))
        if entry["to"] == OrderStatus.CANCELLED and reason:
            return str(TIMELINE_TEXTS["cancelled-because"]) % {"status": text, "reason": reason}
        return text
    if kind in (OrderEvent.Kind.REFUND, OrderEvent.Kind.REFUND_FAILED):
        refund = refunds.get(payload["order_refund_id"])
        amount = refund["amount"]["formatted"] if refund else str(payload["amount"])
        destination = REFUND_DESTINATIONS.get(payload["destination"], payload["destination"])
        template = TIMELINE_TEXTS["refund" if kind == OrderEvent.Kind.REFUND else "refund-failed"]
        return str(template) % {"amount": amount, "destination": destination}
    if kind == OrderEvent.Kind.PAYMENT_FAILED:
        return str(TIMELINE_TEXTS["payment-failed"])
    if kind == OrderEvent.Kind.LINE_SHORT:
        name = line_names.get(payload["line_id"], payload["sku"])
        return str(TIMELINE_TEXTS["line-short"]) % {
            "name": name,
            "quantity": payload["quantity_short"],
        }
    if kind == OrderEvent.Kind.LINE_SUBSTITUTED:
        name = line_names.get(payload["line_id"], payload["sku"])
        return str(TIMELINE_TEXTS["line-substituted"]) % {"name": name}
    return entry["note"]


def _refund_rows(order) -> list[dict]:
    return [
        {
            "refund": refund,
            "amount": refund.amount_money,
            "destination": REFUND_DESTINATIONS.get(refund.destination, refund.destination),
        }
        for refund in order.refunds.all()
    ]


@require_GET
@never_cache
def cart_page(request):
    """`/cart/?store=<code>`: the lines priced now by the server, with availability."""
    stores = list(store_selectors.active_stores())
    store = _store(request, stores)
    cart = selectors.priced_cart(cart=_cart(request, store), store=store)
    return render(
        request,
        "orders/cart.html",
        {
            "store": store,
            "cart": cart,
            "stores": stores,
            "is_member": member_for(user=request.user) is not None,
        },
    )


@require_GET
@never_cache
def checkout_page(request):
    """`/checkout/?store=<code>`: channel, delivery location and payment method (members)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    member = member_for(user=request.user)
    if member is None:
        raise PermissionDenied("Only members can check out.")
    store = _store(request)
    cart = selectors.priced_cart(
        cart=selectors.member_cart(member=member, store=store), store=store
    )
    pending = selectors.pending_order(member=member, store=store)
    return render(
        request,
        "orders/checkout.html",
        {
            "store": store,
            "cart": cart,
            "pending_order": pending,
            "stock_rule": services.STOCK_RULE,
            "wallet_balance": payment_services.wallet_balance(member=member),
            # In development the test provider is always on offer; if the API refuses it, the
            # page shows the API's message.
            "offer_test_payments": settings.TEST_PAYMENTS_ENABLED or settings.DEBUG,
            # Card only when both keys are set: Stripe.js needs the publishable one.
            "stripe_publishable_key": (
                settings.STRIPE_PUBLISHABLE_KEY if settings.STRIPE_SECRET_KEY else ""
            ),
            "radius_km": f"{store.delivery_radius_m / 1000:g}",
            "delivery_contact": selectors.last_delivery_contact(member=member),
            "store_map": {
                "latitude": float(store.latitude),
                "longitude": float(store.longitude),
                "radius_m": store.delivery_radius_m,
            },
        },
    )


@require_GET
@login_required
def order_history(request):
    """`/orders/`: every order of the member, all channels, newest first."""
    member = member_for(user=request.user)
    if member is None:  # staff without a member profile: an empty history, not an error
        return render(request, "orders/history.html", {"page": None})
    page = Paginator(selectors.member_orders(member=member), ORDERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    earned = selectors.points_earned(member=member, numbers=[order.number for order in page])
    for order in page:
        _label(order)
        order.points_earned = earned.get(order.number, 0)
    return render(
        request,
        "orders/history.html",
        {
            "page": page,
            # Page 1 follows the member's history group live (static/js/history_live.js).
            "live": page.number == 1,
            "status_labels": _status_labels(),
            "channel_labels": {k: str(v) for k, v in CHANNEL_LABELS.items()},
            # The script's "+N points" (it has no catalogue of its own): one and many, the
            # same messages as the rows drawn here.
            "points_labels": {
                "one": ngettext("+%(counter)s point", "+%(counter)s points", 1),
                "other": ngettext("+%(counter)s point", "+%(counter)s points", 2),
            },
        },
    )


@require_GET
@never_cache
@login_required
def order_page(request, number: str):
    """`/orders/<number>/`: receipt, status and a timeline that follows the order live."""
    member = member_for(user=request.user)
    order = selectors.member_order(member=member, number=number) if member else None
    if order is None:
        raise Http404("No such order.")
    _label(order)
    lines = list(order.lines.all())
    for line in lines:
        line.unit_money = Money(line.unit_price, order.currency)
        line.total_money = Money(line.line_total, order.currency)
    snapshot = selectors.order_snapshot(order=order)
    line_names = {line.pk: localized(line, "name") for line in lines}
    refunds_by_id = {refund["id"]: refund for refund in snapshot["refunds"]}
    timeline = [
        {
            "entry": entry,
            "text": _timeline_text(entry, refunds=refunds_by_id, line_names=line_names),
        }
        for entry in snapshot["timeline"]
    ]
    exit_pass = None
    if order.channel == Channel.IN_STORE and order.status == OrderStatus.PAID:
        code, expires_at = services.issue_exit_pass(order=order)
        exit_pass = {"code": code, "expires_at": expires_at, "svg": qr_svg(code)}
    payment = selectors.latest_payment(order=order) if order.status == OrderStatus.PLACED else None
    pending_test_payment = (
        payment
        if payment is not None
        and payment.method == PaymentMethod.TEST
        and payment.status == Payment.Status.PENDING
        else None
    )
    refunds = _refund_rows(order)
    return render(
        request,
        "orders/order.html",
        {
            "order": order,
            "lines": lines,
            "snapshot": snapshot,
            "timeline": timeline,
            "line_names": line_names,
            "cancel_reasons": {k: str(v) for k, v in CANCEL_REASON_LABELS.items()},
            "timeline_texts": {k: str(v) for k, v in TIMELINE_TEXTS.items()},
            "status_labels": _status_labels(),
            "cancellable": member_may_cancel(channel=order.channel, status=order.status),
            "cancellable_statuses": sorted(CANCELLABLE_BY_MEMBER),
            "exit_pass": exit_pass,
            "delivery_code": delivery_code(order) if order.channel == Channel.DELIVERY else "",
            "map_tile_url": settings.MAP_TILE_URL,
            "pending_test_payment": pending_test_payment,
            "unpaid_payment": payment,
            "refunds": refunds,
            "refunded": Money(snapshot["refunded"]["amount"], order.currency),
            "show_arrival": bool(snapshot["promised_by"]),
            "destinations": {k: str(v) for k, v in REFUND_DESTINATIONS.items()},
        },
    )


@require_GET
def exit_pass_svg(request, number: str):
    """`/orders/<number>/exit-pass.svg`: a freshly signed exit pass as a QR code.

    The code itself travels in the `X-Exit-Pass-Code` header (and its expiry in
    `X-Exit-Pass-Expires`), so the page can show the text under the picture it just loaded."""
    member = member_for(user=request.user)
    order = selectors.member_order(member=member, number=number) if member else None
    if order is None:
        raise Http404("No such order.")
    try:
        code, expires_at = services.issue_exit_pass(order=order)
    except ExitPassInvalid as error:
        response = HttpResponse(error.message, status=409, content_type="text/plain")
    else:
        response = HttpResponse(qr_svg(code), content_type="image/svg+xml")
        response["X-Exit-Pass-Code"] = code
        response["X-Exit-Pass-Expires"] = expires_at.isoformat()
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@never_cache
@login_required
def staff_exit(request):
    """`/staff/exit/`: exit staff (or managers) scan a shopper's exit pass and spot-check."""
    code = request.GET.get("store", "")
    if code:
        store = store_selectors.store_by_code(code=code)
        if store is None:
            raise Http404("No such store.")
        if not has_store_role(user=request.user, store_id=store.pk, roles=EXIT_ROLES):
            raise PermissionDenied("You do not work at the exit of this store.")
        return _exit_screen(request, store)
    stores = store_selectors.active_stores()
    if not request.user.is_superuser:
        stores = stores.filter(pk__in=store_ids_for(user=request.user, roles=EXIT_ROLES))
    stores = list(stores)
    if not stores:
        raise PermissionDenied("You do not work at the exit of any store.")
    if len(stores) == 1:
        return _exit_screen(request, stores[0])
    return render(request, "orders/staff_exit_choose.html", {"stores": stores})


def _exit_screen(request, store: Store):
    """The exit screen in the staff tablet's chrome (fulfillment/tablet_base.html): this person's
    tabs in this store, with Counter current, since the counter screen is where exit staff land
    and it links here (the exit screen has no tab of its own)."""
    request.staff_tabs = store_selectors.staff_tabs(user=request.user, store_id=store.pk)
    return render(request, "orders/staff_exit.html", {"store": store, "tab": "counter"})
