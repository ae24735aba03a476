"""Manager screens: catalogue, prices and markdowns, shelf labels, reviews, scans.

Managers see and change only their own stores' rows (`stores.admin_scoping`); superusers see
everything. Products, categories and recipes are the chain's shared catalogue: a manager sees
the products their stores sell (or that no store sells yet) and never another store's offers.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from catalog import labels, services
from catalog.models import (
    Category,
    Product,
    Recipe,
    RecipeIngredient,
    Review,
    ScanEvent,
    ShelfLabel,
    StoreOffer,
)
from catalog.selectors import LOW_STOCK_AT, LOW_STOCK_GRAMS_AT, stock_state
from stores.admin_scoping import (
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


class StoreOfferInline(StoreScopedMixin, admin.TabularInline):
    model = StoreOffer
    extra = 0
    fields = [
        "store",
        "price",
        "markdown_price",
        "markdown_ends_at",
        "stock_on_hand",
        "stock_reserved",
        "aisle",
        "bay",
        "is_active",
    ]
    readonly_fields = ["stock_reserved"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("store")


@admin.register(Product)
class ProductAdmin(StoreScopedAdmin):
    store_path = "offers__store"
    list_display = ["sku", "name_en", "name_ja", "zone", "category", "barcode"]
    list_filter = ["zone", "category"]
    search_fields = ["sku", "barcode", "name_en", "name_ja"]
    list_select_related = ["category"]
    inlines = [StoreOfferInline]

    def scope_queryset(self, request, queryset):
        """The products the manager's stores sell, and those no store sells yet (a manager may
        have just added one)."""
        store_ids = managed_store_ids(request)
        if store_ids is None:
            return queryset
        in_scope = Product.objects.filter(Q(offers__store__in=store_ids) | Q(offers=None))
        return queryset.filter(pk__in=in_scope.values("pk"))

    def save_model(self, request, obj, form, change):
        admin.ModelAdmin.save_model(self, request, obj, form, change)  # a shared row: no store


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
    percent_off = forms.IntegerField(min_value=1, max_value=90)
    ends_at = forms.DateTimeField(help_text="Store's local time, e.g. 2026-11-24 21:00")


@admin.register(StoreOffer)
class StoreOfferAdmin(StoreScopedAdmin):
    list_display = [
        "product",
        "store",
        "price",
        "markdown_price",
        "markdown_ends_at",
        "stock_on_hand",
        "stock_reserved",
        "stock",
        "aisle",
        "bay",
        "is_active",
    ]
    list_editable = ["price", "markdown_price", "markdown_ends_at", "aisle", "bay", "is_active"]
    list_filter = ["store", "product__zone", "product__category", StockStateFilter, "is_active"]
    search_fields = ["product__sku", "product__name_en", "product__name_ja", "product__barcode"]
    list_select_related = ["product", "store"]
    readonly_fields = ["stock_reserved"]
    actions = ["print_shelf_labels", "mark_down", "end_markdown"]

    @admin.display(description="state")
    def stock(self, offer):
        return stock_state(offer)

    @admin.action(description="Print shelf labels (A4)")
    def print_shelf_labels(self, request, queryset):
        return print_labels(request, queryset)

    @admin.action(description="Mark down by a percentage until a time")
    def mark_down(self, request, queryset):
        if "apply" in request.POST:
            form = MarkdownForm(request.POST)
            if form.is_valid():
                percent, ends_at = form.cleaned_data["percent_off"], form.cleaned_data["ends_at"]
                changed = 0
                for offer in queryset:
                    offer.markdown_price = offer.price * (100 - percent) // 100
                    offer.markdown_starts_at = timezone.now()
                    offer.markdown_ends_at = ends_at
                    offer.save(
                        update_fields=["markdown_price", "markdown_starts_at", "markdown_ends_at"]
                    )
                    changed += 1
                self.message_user(request, f"Marked down {changed} offers by {percent}%.")
                return None
        else:
            form = MarkdownForm(
                initial={
                    "_selected_action": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
                }
            )
        return render(
            request,
            "admin/catalog/markdown_form.html",
            {**self.admin_site.each_context(request), "form": form, "offers": queryset},
        )

    @admin.action(description="End markdown now")
    def end_markdown(self, request, queryset):
        changed = queryset.filter(markdown_price__isnull=False).update(
            markdown_price=None, markdown_starts_at=None, markdown_ends_at=None
        )
        self.message_user(request, f"Ended the markdown of {changed} offers.", messages.SUCCESS)


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
