"""Manager screens: catalogue, prices and markdowns, shelf labels, reviews, scans.

Managers see and change only their own stores' rows (`stores.admin_scoping`); superusers see
everything. Products, categories and recipes are the chain's shared catalogue: a manager sees
the products their stores sell (or that no store sells yet) and never another store's offers.
"""

import contextlib
import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from catalog import labels, services
from catalog.errors import InvalidPriceChange, InvalidStockChange
from catalog.models import (
    Category,
    PriceChange,
    Product,
    ProductBarcode,
    Recipe,
    RecipeIngredient,
    Review,
    ScanEvent,
    ShelfLabel,
    StockMovement,
    StoreOffer,
)
from catalog.selectors import LOW_STOCK_AT, LOW_STOCK_GRAMS_AT, stock_state
from catalog.services.photos import shrink_product_photo
from catalog.services.prices import PRICE_FIELDS
from omostore.money import Money
from stores.admin_scoping import (
    ReadOnlyAdminMixin,
    ScopedForeignKeysMixin,
    StoreScopedAdmin,
    StoreScopedMixin,
    managed_store_ids,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_en", "name_ja"]
    search_fields = ["slug", "name_en", "name_ja"]


class StockStateFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [
            ("out", "Out of stock"),
            ("low", f"Low (≤ {LOW_STOCK_AT} pieces or {LOW_STOCK_GRAMS_AT} g)"),
            ("in", "In stock"),
        ]

    def queryset(self, request, queryset):
        queryset = queryset.alias(available=F("stock_on_hand") - F("stock_reserved"))
        low = Q(product__sold_by="piece", available__lte=LOW_STOCK_AT) | Q(
            product__sold_by="weight", available__lte=LOW_STOCK_GRAMS_AT
        )
        if self.value() == "out":
            return queryset.filter(available__lte=0)
        if self.value() == "low":
            return queryset.filter(low, available__gt=0)
        if self.value() == "in":
            return queryset.filter(available__gt=0).exclude(low)
        return queryset


STOCK_FIELDS = ("stock_on_hand", "stock_reserved")


def store_zone(offers) -> zoneinfo.ZoneInfo | None:
    """The one time zone of the offers' stores, or None when they span several."""
    zones = {offer.store.time_zone for offer in offers}
    return zoneinfo.ZoneInfo(zones.pop()) if len(zones) == 1 else None


def save_offer(request, offer: StoreOffer, form, *, change: bool) -> None:
    """Save what a manager changed on an offer, never its stock: a new offer is inserted (its
    stock starts at 0 and comes in through "Receive delivery"); an existing one gets its price
    fields through `change_price` (a PriceChange, the markdown rules) and its other changed
    fields by name. Saving the whole row would write back the reserved units read when the form
    was loaded, and lose the reservations made since."""
    if not change:
        offer.save()
        return
    changed = set(form.changed_data) - set(STOCK_FIELDS)
    price = {field: form.cleaned_data[field] for field in PRICE_FIELDS if field in changed}
    if price:
        try:
            services.change_price(offer=offer, actor=request.user, **price)
        except InvalidPriceChange as error:  # the form checked it; a race changed the price
            raise ValidationError(error.message) from error
    others = sorted(changed - set(PRICE_FIELDS) - {"store", "product"})
    if others:
        offer.save(update_fields=[*others, "updated_at"])


class StoreOfferForm(forms.ModelForm):
    """An offer's price, markdown window (in the store's time zone), aisle and state. Stock is
    not a field: it changes through the stock actions."""

    class Meta:
        model = StoreOffer
        fields = [
            "store",
            "product",
            "price",
            "markdown_price",
            "markdown_starts_at",
            "markdown_ends_at",
            "aisle",
            "bay",
            "is_active",
        ]

    def clean(self):
        data = super().clean()
        if self.errors or not {"price", *PRICE_FIELDS} & set(self.changed_data):
            return data
        try:
            services.check_markdown(
                price=data.get("price"),
                markdown_price=data.get("markdown_price"),
                starts_at=data.get("markdown_starts_at"),
                ends_at=data.get("markdown_ends_at"),
            )
        except InvalidPriceChange as error:
            field = error.details.get("field")
            if field in self.fields:
                self.add_error(field, error.message)
            else:
                raise ValidationError(error.message) from error
        return data


class StoreOfferInline(StoreScopedMixin, admin.TabularInline):
    model = StoreOffer
    form = StoreOfferForm
    extra = 0
    fields = [
        "store",
        "price",
        "markdown_price",
        "stock_on_hand",
        "stock_reserved",
        "aisle",
        "bay",
        "is_active",
    ]
    readonly_fields = list(STOCK_FIELDS)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("store")


class ProductBarcodeInline(admin.TabularInline):
    """A product's other barcodes: multipacks and in-store weight-label prefixes (pick and pack
    accepts each)."""

    model = ProductBarcode
    extra = 0
    fields = ["kind", "code", "pack_size"]


@admin.register(Product)
class ProductAdmin(StoreScopedAdmin):
    store_path = "offers__store"
    list_display = ["sku", "name_en", "name_ja", "zone", "category", "barcode"]
    list_filter = ["zone", "category"]
    search_fields = ["sku", "barcode", "name_en", "name_ja"]
    list_select_related = ["category"]
    inlines = [StoreOfferInline, ProductBarcodeInline]

    def scope_queryset(self, request, queryset):
        """The products the manager's stores sell, and those no store sells yet (a manager may
        have just added one)."""
        store_ids = managed_store_ids(request)
        if store_ids is None:
            return queryset
        in_scope = Product.objects.filter(Q(offers__store__in=store_ids) | Q(offers=None))
        return queryset.filter(pk__in=in_scope.values("pk"))

    def save_model(self, request, obj, form, change):
        if "image" in form.changed_data and obj.image:
            shrink_product_photo(product=obj)  # phones get a light JPEG, not the camera's file
        admin.ModelAdmin.save_model(self, request, obj, form, change)  # a shared row: no store

    def save_formset(self, request, form, formset, change):
        if formset.model is not StoreOffer:
            return super().save_formset(request, form, formset, change)
        for offer_form in formset.forms:
            if not offer_form.has_changed() or offer_form in formset.deleted_forms:
                continue
            offer = offer_form.instance
            offer.product = form.instance
            save_offer(request, offer, offer_form, change=offer.pk is not None)
        for offer in formset.deleted_objects:
            offer.delete()
        return None


def print_labels(request, offers):
    """Render the A4 label sheet for `offers`, creating missing labels (codes stay stable)."""
    offers = list(offers.select_related("store", "product").order_by("aisle", "bay", "pk"))
    sheet = []
    fallback = request.build_absolute_uri("/")
    for label in services.labels_for_offers(offers=offers):
        offer = label.offer
        url = labels.label_url(label=label, store=offer.store, fallback_base_url=fallback)
        sheet.append(
            {
                "label": label,
                "offer": offer,
                "url": url,
                "qr": labels.qr_svg(url),
                "price": offer.current_price(),
            }
        )
    return render(request, "catalog/label_sheet.html", {"labels": sheet})


class MarkdownForm(forms.Form):
    _selected_action = forms.CharField(widget=forms.MultipleHiddenInput)
    percent_off = forms.IntegerField(min_value=1, max_value=90, label="Percent off")
    ends_at = forms.DateTimeField(
        label="Ends at (the store's local time)",
        help_text="For example 2026-11-24 21:00, in the store's time zone.",
    )

    def __init__(self, *args, offers, zone, **kwargs):
        super().__init__(*args, **kwargs)
        self.offers, self.zone = offers, zone
        if zone is not None:
            self.fields["ends_at"].label = f"Ends at ({zone.key} time)"

    def clean(self):
        data = super().clean()
        if self.zone is None:
            raise ValidationError("Mark down the offers of one store at a time.")
        if self.errors:
            return data
        now = timezone.now()
        if data["ends_at"] <= now:
            self.add_error(
                "ends_at",
                _("The markdown's end time has already passed; choose a time in the future."),
            )
            return data
        for offer in self.offers:
            try:
                services.check_markdown(
                    price=offer.price,
                    markdown_price=services.markdown_price_for(
                        price=offer.price, percent_off=data["percent_off"]
                    ),
                    starts_at=now,
                    ends_at=data["ends_at"],
                    now=now,
                )
            except InvalidPriceChange as error:
                field = "ends_at" if error.details.get("field") == "markdown_ends_at" else None
                self.add_error(field or "percent_off", f"{offer.product}: {error.message}")
                break
        return data

    def rows(self):
        """Each offer the markdown will change, with its price now and after."""
        percent = self.data.get("percent_off") or self.initial.get("percent_off")
        try:
            percent = int(percent) if percent else None
        except ValueError:
            percent = None
        return [
            {
                "offer": offer,
                "price": offer.current_price(),
                "regular": Money(offer.price, offer.store.currency),
                "new": Money(
                    services.markdown_price_for(price=offer.price, percent_off=percent),
                    offer.store.currency,
                )
                if percent and 1 <= percent <= 90
                else None,
            }
            for offer in self.offers
        ]


STOCK_MOVES = {
    "receive": {
        "title": "Receive delivery",
        "field": "Units received",
        "min": 1,
        "help": "Pieces, or grams for products sold by weight, that came in.",
    },
    "count": {
        "title": "Stock count",
        "field": "Counted on hand",
        "min": 0,
        "help": "What is on the shelf and in the back now; never below what orders hold.",
    },
    "waste": {
        "title": "Record waste",
        "field": "Units wasted",
        "min": 1,
        "help": "Spoiled, broken or expired; goods that orders hold cannot be written off.",
    },
}


class StockMoveForm(forms.Form):
    """One quantity per offer and one reason, for a receive, a count or waste."""

    reason = forms.CharField(
        max_length=200, help_text="A delivery note number, who counted, what spoiled."
    )

    def __init__(self, *args, offers, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.offers, self.kind = offers, kind
        spec = STOCK_MOVES[kind]
        for offer in offers:
            self.fields[f"units_{offer.pk}"] = forms.IntegerField(
                min_value=spec["min"], label=str(offer.product), required=True
            )

    def rows(self):
        return [
            {"offer": offer, "field": self[f"units_{offer.pk}"], "state": stock_state(offer)}
            for offer in self.offers
        ]

    def apply(self, *, actor) -> int:
        """All the offers or none: a refusal puts its message on the offer's field and undoes
        the others. Returns how many offers changed."""
        reason = self.cleaned_data["reason"]
        try:
            with transaction.atomic():
                for offer in self.offers:
                    units = self.cleaned_data[f"units_{offer.pk}"]
                    try:
                        if self.kind == "receive":
                            services.receive_stock(
                                offer=offer, units=units, actor=actor, reason=reason
                            )
                        elif self.kind == "count":
                            services.count_stock(
                                offer=offer, on_hand=units, actor=actor, reason=reason
                            )
                        else:
                            services.record_waste(
                                offer=offer, units=units, actor=actor, reason=reason
                            )
                    except InvalidStockChange as error:
                        self.add_error(f"units_{offer.pk}", error.message)
                        raise
        except InvalidStockChange:
            for offer in self.offers:  # show the numbers as they are, not as they were tried
                offer.refresh_from_db(fields=list(STOCK_FIELDS))
            return 0
        return len(self.offers)


@admin.register(StoreOffer)
class StoreOfferAdmin(StoreScopedAdmin):
    """Offers: price and markdown (through the price service), aisle and state; stock is
    read-only here and changes only through "Receive delivery", "Stock count" and "Record
    waste" (the stock service), each with a reason, each written in the ledger."""

    form = StoreOfferForm
    # Fits a 1280 px screen beside the admin's menu and filters: one column for the stock
    # numbers, the markdown as text (its window is edited in the form), the store only for
    # someone who manages several.
    list_display = [
        "product_name",
        "store_code",
        "price",
        "markdown",
        "stock",
        "place",
        "is_active",
    ]
    list_display_links = ["product_name"]
    list_editable = ["price"]
    list_filter = ["store", "product__zone", "product__category", StockStateFilter, "is_active"]
    search_fields = ["product__sku", "product__name_en", "product__name_ja", "product__barcode"]
    list_select_related = ["product", "store"]
    readonly_fields = ["stock_on_hand", "stock_reserved", "available", "stock_moves", "history"]
    actions = [
        "receive_delivery",
        "stock_count",
        "record_waste",
        "mark_down",
        "end_markdown",
        "print_shelf_labels",
    ]

    def get_fieldsets(self, request, obj=None):
        offer = ["store", "product"] if obj is None else []
        fieldsets = [
            (None, {"fields": [*offer, "price", "aisle", "bay", "is_active"]}),
            (
                f"Markdown (times in {obj.store.time_zone})"
                if obj is not None
                else "Markdown (times in the store's time zone)",
                {"fields": ["markdown_price", "markdown_starts_at", "markdown_ends_at"]},
            ),
        ]
        if obj is not None:
            fieldsets.insert(
                1,
                (
                    "Stock (changes only through its actions)",
                    {"fields": ["stock_on_hand", "stock_reserved", "available", "stock_moves"]},
                ),
            )
            fieldsets.append(("Recent changes", {"fields": ["history"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "store", "product"] if obj is not None else readonly

    def get_urls(self):
        return [
            path(
                "<path:object_id>/stock/<str:kind>/",
                self.admin_site.admin_view(self.stock_view),
                name="catalog_storeoffer_stock",
            ),
            *super().get_urls(),
        ]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Times on the form are the store's local times, as its label says."""
        offer = self.get_object(request, object_id) if object_id else None
        zone = offer.store.time_zone if offer is not None else None
        with timezone.override(zone) if zone else contextlib.nullcontext():
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        save_offer(request, obj, form, change=change)
        store_ids = self.managed_store_ids(request)
        if store_ids is not None and obj.store_id not in store_ids:
            raise PermissionDenied("That offer belongs to a store you do not manage.")

    @admin.display(description="store", ordering="store__code")
    def store_code(self, offer):
        return offer.store.code

    @admin.display(description="markdown")
    def markdown(self, offer):
        if offer.markdown_price is None:
            return "—"
        zone = zoneinfo.ZoneInfo(offer.store.time_zone)
        until = (
            f" until {offer.markdown_ends_at.astimezone(zone):%m-%d %H:%M}"
            if offer.markdown_ends_at
            else ""
        )
        state = "" if offer.markdown_active() else " (not now)"
        return f"{offer.markdown_price}{until}{state}"

    @admin.display(description="place")
    def place(self, offer):
        return f"{offer.aisle}-{offer.bay}" if offer.bay else offer.aisle or "—"

    def get_list_display(self, request):
        store_ids = self.managed_store_ids(request)
        if store_ids is not None and len(store_ids) == 1:
            return [column for column in self.list_display if column != "store_code"]
        return self.list_display

    @admin.display(description="product", ordering="product__name_en")
    def product_name(self, offer):
        return format_html(
            '{}<br><span class="help">{}</span>', offer.product.name_en, offer.product.sku
        )

    @admin.display(description="on hand · held · state")
    def stock(self, offer):
        unit = " g" if offer.product.sold_by == "weight" else ""
        state = stock_state(offer).replace("_", " ")
        return f"{offer.stock_on_hand}{unit} · {offer.stock_reserved} · {state}"

    @admin.display(description="available")
    def available(self, offer):
        return offer.stock_available

    @admin.display(description="stock actions")
    def stock_moves(self, offer):
        return format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:catalog_storeoffer_stock", args=[offer.pk, kind]), spec["title"])
                for kind, spec in STOCK_MOVES.items()
            ),
        )

    @admin.display(description="last stock and price changes")
    def history(self, offer):
        zone = zoneinfo.ZoneInfo(offer.store.time_zone)
        moves = [
            (
                m.created_at,
                f"{m.get_kind_display()} {m.on_hand_change:+} on hand"
                f" {m.reserved_change:+} reserved",
                m.reason,
                m.actor,
            )
            for m in offer.movements.select_related("actor").order_by("-pk")[:8]
        ]
        prices = [
            (
                p.created_at,
                f"price {p.old_price} → {p.new_price}, markdown "
                f"{p.old_markdown_price or '—'} → {p.new_markdown_price or '—'}",
                p.reason,
                p.actor,
            )
            for p in offer.price_changes.select_related("actor").order_by("-pk")[:8]
        ]
        rows = sorted(moves + prices, key=lambda row: row[0], reverse=True)[:10]
        if not rows:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} · {} · {} · {}</li>",
                (
                    (f"{at.astimezone(zone):%Y-%m-%d %H:%M}", what, why or "—", who or "system")
                    for at, what, why, who in rows
                ),
            ),
        )

    # --- Stock ------------------------------------------------------------------------------

    def _stock_form(self, request, offers, kind, *, action: str | None):
        if not self.has_change_permission(request):
            raise PermissionDenied
        spec = STOCK_MOVES[kind]
        offers = list(offers.select_related("product", "store").order_by("pk"))
        if "apply" in request.POST:
            form = StockMoveForm(request.POST, offers=offers, kind=kind)
            if form.is_valid() and form.apply(actor=request.user):
                self.message_user(
                    request, f"{spec['title']}: {len(offers)} offers.", messages.SUCCESS
                )
                return None
        else:
            form = StockMoveForm(offers=offers, kind=kind)
        return render(
            request,
            "admin/catalog/stock_form.html",
            {
                **self.admin_site.each_context(request),
                "title": spec["title"],
                "spec": spec,
                "form": form,
                "action": action,
                "selected": [offer.pk for offer in offers],
                "opts": self.model._meta,
            },
            status=400 if form.errors else 200,
        )

    def stock_view(self, request, object_id, kind):
        """One offer's receive / count / waste form (linked from its page)."""
        offer = self.get_object(request, object_id)
        if offer is None or kind not in STOCK_MOVES:
            raise Http404
        response = self._stock_form(
            request, StoreOffer.objects.filter(pk=offer.pk), kind, action=None
        )
        if response is None:
            return redirect(reverse("admin:catalog_storeoffer_change", args=[offer.pk]))
        return response

    @admin.action(description="Receive delivery", permissions=["change"])
    def receive_delivery(self, request, queryset):
        return self._stock_form(request, queryset, "receive", action="receive_delivery")

    @admin.action(description="Stock count", permissions=["change"])
    def stock_count(self, request, queryset):
        return self._stock_form(request, queryset, "count", action="stock_count")

    @admin.action(description="Record waste", permissions=["change"])
    def record_waste(self, request, queryset):
        return self._stock_form(request, queryset, "waste", action="record_waste")

    # --- Prices -----------------------------------------------------------------------------

    @admin.action(description="Print shelf labels (A4)")
    def print_shelf_labels(self, request, queryset):
        return print_labels(request, queryset)

    @admin.action(description="Mark down by a percentage until a time", permissions=["change"])
    def mark_down(self, request, queryset):
        offers = list(queryset.select_related("product", "store").order_by("pk"))
        zone = store_zone(offers)
        with timezone.override(zone) if zone else contextlib.nullcontext():
            if "apply" in request.POST:
                form = MarkdownForm(request.POST, offers=offers, zone=zone)
                if form.is_valid():
                    try:
                        changed = services.mark_down(
                            offers=offers,
                            percent_off=form.cleaned_data["percent_off"],
                            ends_at=form.cleaned_data["ends_at"],
                            actor=request.user,
                        )
                    except InvalidPriceChange as error:
                        form.add_error(None, error.message)
                    else:
                        self.message_user(
                            request,
                            f"Marked down {len(changed)} offers by "
                            f"{form.cleaned_data['percent_off']}%.",
                            messages.SUCCESS,
                        )
                        return None
            else:
                form = MarkdownForm(
                    initial={"_selected_action": [offer.pk for offer in offers]},
                    offers=offers,
                    zone=zone,
                )
            return render(
                request,
                "admin/catalog/markdown_form.html",
                {
                    **self.admin_site.each_context(request),
                    "title": f"Mark down {len(offers)} offers",
                    "form": form,
                    "rows": form.rows(),
                    "zone": zone,
                    "opts": self.model._meta,
                },
                status=400 if form.errors else 200,
            )

    @admin.action(description="End markdown now", permissions=["change"])
    def end_markdown(self, request, queryset):
        changed = services.end_markdown(
            offers=queryset.filter(markdown_price__isnull=False), actor=request.user
        )
        self.message_user(
            request, f"Ended the markdown of {len(changed)} offers.", messages.SUCCESS
        )


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdminMixin, StoreScopedAdmin):
    """The stock ledger, read-only: what came in, was counted, held, released, sold or wasted."""

    store_path = "offer__store"
    list_display = [
        "created_at",
        "offer",
        "kind",
        "on_hand_change",
        "reserved_change",
        "on_hand_after",
        "reserved_after",
        "reason",
        "order_number",
        "actor",
    ]
    list_filter = ["kind", "offer__store", "offer__product__zone"]
    search_fields = ["offer__product__sku", "offer__product__name_en", "order_number", "reason"]
    list_select_related = ["offer__product", "offer__store", "actor"]
    date_hierarchy = "created_at"


@admin.register(PriceChange)
class PriceChangeAdmin(ReadOnlyAdminMixin, StoreScopedAdmin):
    """Every price and markdown change, read-only."""

    store_path = "offer__store"
    list_display = [
        "created_at",
        "offer",
        "old_price",
        "new_price",
        "old_markdown_price",
        "new_markdown_price",
        "markdown_ends_at",
        "reason",
        "actor",
    ]
    list_filter = ["offer__store"]
    search_fields = ["offer__product__sku", "offer__product__name_en", "reason"]
    list_select_related = ["offer__product", "offer__store", "actor"]
    date_hierarchy = "created_at"


@admin.register(ShelfLabel)
class ShelfLabelAdmin(StoreScopedAdmin):
    store_path = "offer__store"
    list_display = ["code", "offer", "is_active", "created_at"]
    list_filter = ["offer__store", "offer__product__zone", "is_active"]
    search_fields = ["code", "offer__product__sku", "offer__product__name_en"]
    list_select_related = ["offer__product", "offer__store"]
    readonly_fields = ["code", "created_at"]
    raw_id_fields = ["offer"]
    actions = ["print_sheet"]

    def get_urls(self):
        return [
            path(
                "sheet/",
                self.admin_site.admin_view(self.sheet_view),
                name="catalog_shelflabel_sheet",
            ),
            *super().get_urls(),
        ]

    def sheet_view(self, request):
        """`/admin/catalog/shelflabel/sheet/?store=<code>&zone=<zone>`: a whole store's sheet."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        offers = StoreOffer.objects.filter(is_active=True)
        store_ids = self.managed_store_ids(request)
        if store_ids is not None:
            offers = offers.filter(store_id__in=store_ids)
        if request.GET.get("store"):
            offers = offers.filter(store__code=request.GET["store"])
        if request.GET.get("zone"):
            offers = offers.filter(product__zone=request.GET["zone"])
        return print_labels(request, offers)

    @admin.action(description="Print these labels (A4)")
    def print_sheet(self, request, queryset):
        return print_labels(request, StoreOffer.objects.filter(labels__in=queryset).distinct())


@admin.register(Review)
class ReviewAdmin(StoreScopedAdmin):
    """Reviews of the products the manager's stores sell, with the member's code, not their
    email."""

    store_path = "product__offers__store"
    list_display = [
        "product",
        "rating",
        "title",
        "member_code",
        "verified_purchase",
        "status",
        "created_at",
    ]
    list_filter = ["status", "rating", "verified_purchase"]
    search_fields = ["product__sku", "product__name_en", "title", "text", "member__member_code"]
    list_select_related = ["product", "member"]
    fields = ["product", "member_code", "rating", "title", "text", "status", "created_at"]
    readonly_fields = ["product", "member_code", "rating", "title", "text", "created_at"]
    actions = ["hide", "publish"]

    @admin.display(description="member")
    def member_code(self, review):
        return review.member.member_code

    @admin.action(description="Hide the selected reviews")
    def hide(self, request, queryset):
        n = services.moderate_reviews(
            review_ids=queryset.values_list("pk", flat=True),
            status=Review.Status.HIDDEN,
            moderator_id=request.user.pk,
        )
        self.message_user(request, f"Hid {n} reviews.")

    @admin.action(description="Publish the selected reviews")
    def publish(self, request, queryset):
        n = services.moderate_reviews(
            review_ids=queryset.values_list("pk", flat=True),
            status=Review.Status.PUBLISHED,
            moderator_id=request.user.pk,
        )
        self.message_user(request, f"Published {n} reviews.")


class RecipeIngredientInline(ScopedForeignKeysMixin, admin.TabularInline):
    model = RecipeIngredient
    extra = 1
    raw_id_fields = ["product"]


@admin.register(Recipe)
class RecipeAdmin(ScopedForeignKeysMixin, admin.ModelAdmin):
    list_display = ["title_en", "title_ja", "minutes", "servings", "is_published"]
    search_fields = ["title_en", "title_ja", "slug"]
    prepopulated_fields = {"slug": ["title_en"]}
    inlines = [RecipeIngredientInline]


@admin.register(ScanEvent)
class ScanEventAdmin(StoreScopedAdmin):
    list_display = ["scanned_at", "store", "product", "label", "source", "member_code"]
    list_filter = ["store", "source", "product__zone"]
    search_fields = ["product__sku", "product__name_en", "label__code", "member__member_code"]
    list_select_related = ["store", "product", "label", "member"]
    date_hierarchy = "scanned_at"
    exclude = ["member", "device_id"]
    readonly_fields = ["member_code"]

    @admin.display(description="member")
    def member_code(self, scan):
        return scan.member.member_code if scan.member_id else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
