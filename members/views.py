"""Member pages: export and close the account, wallet, favourites, points, inbox."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import CloseAccountForm
from accounts.selectors import member_for
from members import selectors, services
from members.models import NotificationKind
from members.notifications import RULES
from omostore.money import Money
from payments import selectors as payment_selectors
from payments import services as payment_services
from stores import selectors as store_selectors

WALLET_ENTRIES_PER_PAGE = 30


def _member_or_404(request):
    member = member_for(user=request.user)
    if member is None:
        raise Http404("Only members have this page.")
    return member


@require_GET
@never_cache
@login_required
def export_my_data(request):
    """`/account/export/`: everything we keep about the member, as a JSON download."""
    member = _member_or_404(request)
    data = selectors.member_data_export(member=member)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="omostore-my-data-{stamp}.json"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def close_my_account(request):
    """`/account/close/`: the member types their password and ticks a box; the account is closed
    and they are logged out."""
    member = _member_or_404(request)
    form = CloseAccountForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and request.user.check_password(form.cleaned_data["password"]):
            services.close_account(member=member)
            logout(request)
            return render(request, "members/account_closed.html")
        if form.is_valid():
            form.add_error("password", _("Wrong password."))
        status = 400
    return render(request, "members/close_account.html", {"form": form}, status=status)


@require_GET
@never_cache
@login_required
def wallet(request):
    """`/wallet/`: balance, the ledger (newest first) and a top-up by card or, outside
    production, the test provider. The top-up goes through the wallet API (static/js/wallet.js)."""
    member = _member_or_404(request)
    balance = payment_services.wallet_balance(member=member)
    page = Paginator(
        payment_selectors.wallet_entries(member=member), WALLET_ENTRIES_PER_PAGE
    ).get_page(request.GET.get("page"))
    for entry in page:
        entry.amount_money = Money(abs(entry.amount), balance.currency)
        entry.balance_money = Money(entry.balance_after, balance.currency)
    low, high = (
        Money(v, balance.currency) for v in payment_services.top_up_bounds(balance.currency)
    )
    return render(
        request,
        "members/wallet.html",
        {
            "balance": balance,
            "page": page,
            "low": low,
            "high": high,
            # Three quick amounts: 10, 30 and 100 times the smallest top-up, within the largest.
            "quick_amounts": [
                Money(low.amount * k, balance.currency)
                for k in (10, 30, 100)
                if low.amount * k <= high.amount
            ],
            "offer_test_payments": settings.TEST_PAYMENTS_ENABLED,
            "stripe_publishable_key": (
                settings.STRIPE_PUBLISHABLE_KEY if settings.STRIPE_SECRET_KEY else ""
            ),
            "default_amount": low.amount * 30,
            "next_url": request.GET.get("next", "") if _safe_next(request) else "",
        },
    )


def _safe_next(request) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    return url_has_allowed_host_and_scheme(
        request.GET.get("next", ""), allowed_hosts={request.get_host()}, require_https=False
    )


def _page_store(request, member):
    """`?store=<code>`, else the member's home store, else the first active store."""
    stores = list(store_selectors.active_stores())
    code = request.GET.get("store", "")
    if code:
        store = next((s for s in stores if s.code == code), None)
        if store is None:
            raise Http404("No such store.")
    else:
        store = next((s for s in stores if s.pk == member.home_store_id), None) or (
            stores[0] if stores else None
        )
    if store is None:
        raise Http404("No store is open.")
    return store, stores


@require_GET
@never_cache
@login_required
def favourites(request):
    """`/favourites/?store=<code>`: the hearted products with this store's price and stock."""
    member = _member_or_404(request)
    store, stores = _page_store(request, member)
    rows = selectors.member_favourites(member=member, store=store)
    return render(
        request, "members/favourites.html", {"rows": rows, "store": store, "stores": stores}
    )


POINTS_ENTRIES_PER_PAGE = 30


@require_GET
@never_cache
@login_required
def points(request):
    """`/points/`: balance, points expiring soon, the ledger, and how points are earned."""
    member = _member_or_404(request)
    page = Paginator(selectors.points_entries(member=member), POINTS_ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "members/points.html",
        {
            "summary": selectors.points_summary(member=member),
            "page": page,
            "soon_days": settings.POINTS_EXPIRING_SOON_DAYS,
            "per_review": settings.POINTS_PER_VERIFIED_REVIEW,
            "per_scan": settings.POINTS_PER_SCAN,
            "scans_per_day": settings.POINTS_SCANS_PER_DAY,
            "expiry_months": round(settings.POINTS_EXPIRY_DAYS / 30.4),
            "spend_per_point": Money(settings.POINTS_SPEND_PER_POINT, settings.DEFAULT_CURRENCY),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def inbox(request):
    """`/inbox/`: every message, newest first; opening the page marks them read (POST marks all
    read without a script)."""
    member = _member_or_404(request)
    page = Paginator(selectors.inbox(member=member), 30).get_page(request.GET.get("page"))
    unread_ids = {m.pk for m in page if m.read_at is None}
    services.mark_read(member=member)
    if request.method == "POST":
        return redirect("inbox")
    return render(request, "members/inbox.html", {"page": page, "unread_ids": unread_ids})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    """`/account/notifications/`: which kinds come as a push on this device's subscriptions,
    and the button that turns push on for this browser (static/js/push.js)."""
    member = _member_or_404(request)
    if request.method == "POST":
        wanted = set(request.POST.getlist("push")) & set(NotificationKind.values)
        services.set_push_preferences(member=member, push_kinds=wanted)
        messages.success(request, _("Saved."))
        return redirect("notification-settings")
    push_kinds = set(selectors.push_kinds(member=member))
    return render(
        request,
        "members/notification_settings.html",
        {
            "kinds": [
                {"value": kind, "label": RULES[kind].label, "push": kind in push_kinds}
                for kind in NotificationKind.values
            ],
            "devices": member.push_subscriptions.count(),
            "push_enabled": bool(settings.VAPID_PRIVATE_KEY),
        },
    )


@require_GET
def nearby(request):
    """`/nearby/`: while this page is open and the phone shares its location, the nearest store
    and the member's favourites on offer there (static/js/nearby.js)."""
    return render(request, "members/nearby.html", {"is_member": member_for(user=request.user)})
