from django.contrib import admin

from catalog.models import Category, Product, Store, StoreOffer


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "currency", "delivery_radius_m", "opens_at", "closes_at"]
    search_fields = ["code", "name", "name_ja"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_en", "name_ja"]
    search_fields = ["slug", "name_en", "name_ja"]


class StoreOfferInline(admin.TabularInline):
    model = StoreOffer
    extra = 0
    fields = ["store", "price", "markdown_price", "stock_on_hand", "stock_reserved", "aisle"]
    readonly_fields = ["stock_reserved"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name_en", "name_ja", "zone", "category", "barcode"]
    list_filter = ["zone", "category"]
    search_fields = ["sku", "barcode", "name_en", "name_ja"]
    list_select_related = ["category"]
    inlines = [StoreOfferInline]


@admin.register(StoreOffer)
class StoreOfferAdmin(admin.ModelAdmin):
    list_display = ["product", "store", "price", "stock_on_hand", "stock_reserved", "aisle"]
    list_filter = ["store", "product__zone", "is_active"]
    search_fields = ["product__sku", "product__name_en", "product__name_ja", "product__barcode"]
    list_select_related = ["product", "store"]
    readonly_fields = ["stock_reserved"]
