"""Shopper pages: the product page behind every shelf label, search, the scanner, the PWA shell."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import member_for
from catalog import selectors, services
from catalog.models import Product, ScanEvent, StoreOffer
from omostore.errors import DomainError, Forbidden
from omostore.money import Money
from omostore.ratelimit import enforce_rate_limit
from stores import selectors as store_selectors
from stores.models import Store

DEVICE_COOKIE = "omo_device"
SOURCES = {"scanner": ScanEvent.Source.IN_APP, "typed": ScanEvent.Source.TYPED}


def home(request):
    """The shopper's front page: the stores to shop in, categories and deals of the first."""
    stores = list(store_selectors.active_stores())
    return render(
        request,
        "home.html",
        {
            "stores": stores,
            "store": stores[0] if stores else None,
            "categories": selectors.categories(),
        },
    )


def device_id(request) -> str:
    """A stable anonymous id for this browser (set on the response by `_remember_device`)."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        if not hasattr(request, "_new_device_id"):
            request._new_device_id = str(uuid.uuid4())
        return request._new_device_id


def remember_device(request, response):
    if getattr(request, "_new_device_id", None):
        response.set_cookie(
            DEVICE_COOKIE,
            request._new_device_id,
            max_age=2 * 365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def current_member_id(request) -> int | None:
    member = member_for(user=request.user)
    return member.pk if member else None


def _product_context(request, *, offer: StoreOffer, member_id: int | None) -> dict:
    product = offer.product
    markdown = offer.markdown_active()
    return {
        "store": offer.store,
        "offer": offer,
        "product": product,
        "price": offer.current_price(),
        "regular_price": Money(offer.price, offer.store.currency) if markdown else None,
        "markdown": markdown,
        "unit_price": selectors.unit_price(offer),
        "stock_state": selectors.stock_state(offer),
        # Read lazily: a cached fragment of the page runs none of its queries.
        "content": selectors.ProductContent(product=product, store=offer.store),
        "content_version": selectors.content_version(product_id=product.pk),
        "content_ttl": selectors.CONTENT_TTL,
        "my_review": selectors.member_review(product=product, member_id=member_id),
        "is_member": member_id is not None,
    }


def _render_product(
    request, *, offer: StoreOffer, label=None, status: int = 200, back: str | None = None
):
    member_id = current_member_id(request)
    context = _product_context(request, offer=offer, member_id=member_id)
    context["label"] = label
    context["back"] = back or request.path
    # After switching language, come back to the product page, not the label URL: the switch
    # is no second scan.
    context["lang_next"] = reverse("product-page", args=[offer.store.code, offer.product.sku])
    response = render(request, "catalog/product.html", context, status=status)
    if label is not None:
        services.record_scan(
            label_id=label.pk,
            store_id=offer.store_id,
            product_id=offer.product_id,
            source=SOURCES.get(request.GET.get("src", ""), ScanEvent.Source.CAMERA),
            member_id=member_id,
            device_id=device_id(request),
        )
    return remember_device(request, response)


@require_GET
def label_page(request, code: str):
    """`/s/<code>`: what every shelf QR code opens, with or without the app installed.

    The scan is the store's hottest page, so its HTML is the same for everyone and cached (see
    `_scan_page_body`); who is looking (log-in state, cart count, favourite heart, the review form)
    is filled in by the page's scripts from small JSON calls. The scan is recorded every time."""
    snapshot = selectors.label_snapshot(code=code, store_code=request.GET.get("store") or None)
    if snapshot is None:
        return label_not_found(request, code)
    body = _scan_page_body(request, snapshot=snapshot)
    if body is None:  # the label was deactivated between the two reads of a cache miss
        return label_not_found(request, code)
    response = HttpResponse(body)
    services.record_scan(
        label_id=snapshot.label_id,
        store_id=snapshot.store_id,
        product_id=snapshot.product_id,
        source=SOURCES.get(request.GET.get("src", ""), ScanEvent.Source.CAMERA),
        member_id=current_member_id(request),
        device_id=device_id(request),
    )
    return remember_device(request, response)


def _scan_page_body(request, *, snapshot: selectors.LabelSnapshot) -> str | None:
    """The label's product page as everyone sees it, rendered once per label state, content
    version and language (`selectors.cached_label_rendering`); None when the label is gone."""

    def render(label) -> str:
        offer = label.offer
        context = _product_context(request, offer=offer, member_id=None)
        context.update(
            label=label,
            back=request.path,
            neutral=True,
            lang_next=reverse("product-page", args=[offer.store.code, offer.product.sku]),
        )
        return render_to_string("catalog/product.html", context, request=request)

    kind = f"scan-page:{translation.get_language()}"
    return selectors.cached_label_rendering(snapshot=snapshot, kind=kind, render=render)


def label_not_found(request, code: str):
    stores = list(store_selectors.active_stores())
    return render(
        request,
        "catalog/label_not_found.html",
        {"code": code[:32], "stores": stores, "store": stores[0] if len(stores) == 1 else None},
        status=404,
    )


@require_GET
def product_page(request, store_code: str, sku: str):
    """The same page reached from search rather than a label (no scan is recorded)."""
    offer = (
        StoreOffer.objects.select_related("store", "product__category")
        .filter(store__code=store_code, store__is_active=True, product__sku=sku, is_active=True)
        .first()
    )
    if offer is None:
        raise Http404("No such product in this store.")
    return _render_product(request, offer=offer)


@require_GET
def product_reviews(request, store_code: str, sku: str):
    store = get_object_or_404(Store, code=store_code, is_active=True)
    product = get_object_or_404(Product, sku=sku)
    paginator = Paginator(selectors.published_reviews(product=product), 10)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/reviews.html",
        {"store": store, "product": product, "page": page, "back": _local_path(request)},
    )


def _local_path(request) -> str:
    """The `back` parameter if it is a path on this site (never `javascript:` or another host)."""
    back = request.GET.get("back", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return ""


def _whole_number(value: str) -> int:
    """0 for anything that is not a plain ASCII whole number ("", "1.5", "²", "five")."""
    return int(value) if value.isascii() and value.isdigit() else 0


@require_POST
def post_review(request, store_code: str, sku: str):
    offer = get_object_or_404(
        StoreOffer.objects.select_related("store", "product"),
        store__code=store_code,
        store__is_active=True,
        product__sku=sku,
        is_active=True,
    )
    # Back to the product page, not the label URL: coming back must not count as a new scan.
    back = reverse("product-page", args=[store_code, sku])
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    member_id = current_member_id(request)
    try:
        if member_id is None:
            raise Forbidden(_("Only members can write reviews."))
        enforce_rate_limit(
            key=f"review:{request.user.pk}", limit=5, window_seconds=60, action="reviews"
        )
        services.write_review(
            product=offer.product,
            member_id=member_id,
            rating=_whole_number(request.POST.get("rating", "")),
            title=request.POST.get("title", ""),
            text=request.POST.get("text", ""),
        )
    except DomainError as error:
        # Shown again with the error and nothing changed, as a 4xx.
        messages.error(request, error.message)
        return _render_product(request, offer=offer, status=error.http_status, back=back)
    messages.success(request, _("Thank you: your review is on the page."))
    return redirect(f"{back}#my-review")


@require_GET
def search(request):
    stores = list(store_selectors.active_stores())
    store = next((s for s in stores if s.code == request.GET.get("store")), None)
    if store is None and stores:
        store = stores[0]
    query = request.GET.get("q", "")[:100]
    page = None
    deals = request.GET.get("deals") == "1"
    filtered = request.GET.get("zone") or request.GET.get("category") or deals
    if store is not None and (query or filtered):
        offers = selectors.search_offers(
            store=store,
            query=query,
            zone=request.GET.get("zone", ""),
            category=request.GET.get("category", ""),
            deals=deals,
        )
        page = Paginator(offers, 20).get_page(request.GET.get("page"))
        for offer in page:
            offer.stock_state = selectors.stock_state(offer)
    return render(
        request,
        "catalog/search.html",
        {"stores": stores, "store": store, "query": query, "page": page, "deals": deals},
    )


@require_GET
def scanner(request):
    stores = list(store_selectors.active_stores())
    current = next((s for s in stores if s.code == request.GET.get("store")), None)
    return render(
        request,
        "catalog/scanner.html",
        {"stores": stores, "current_store": current or (stores[0] if stores else None)},
    )


@require_GET
def offline(request):
    return render(request, "offline.html")


@require_GET
@cache_control(max_age=3600)
def manifest(request):
    data = {
        "name": "OMO Store",
        "short_name": "OMO Store",
        "description": "Scan a shelf label: price, reviews, recipes. One cart, aisle or sofa.",
        "start_url": "/scan/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f8fb",
        "theme_color": "#0a6cff",
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("icons/maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return HttpResponse(json.dumps(data), content_type="application/manifest+json")


@require_GET
@cache_control(max_age=0, no_cache=True)
def service_worker(request):
    """Served from the root so its scope covers the whole site."""
    script = (Path(settings.BASE_DIR) / "static" / "js" / "sw.js").read_text()
    response = HttpResponse(script, content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    return response
