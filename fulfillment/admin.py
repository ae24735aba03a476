"""Pick and pack for managers: tasks with their lines, scans, substitutions and bags, read-only,
and the floor's figures (pick time per order, items per hour per picker, shortage rate) on the
task list. Every screen is store-scoped (`StoreScopedAdmin`)."""

from __future__ import annotations

from django.contrib import admin

from fulfillment import dispatch_admin  # noqa: F401  (registers riders and trips)
from fulfillment.models import Bag, PickLine, PickScan, PickTask, Substitution
from fulfillment.picking import metrics
from orders.live import local_iso
from stores.admin_scoping import ReadOnlyAdminMixin, StoreScopedAdmin, StoreScopedMixin


class ReadOnlyInline(StoreScopedMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class PickLineInline(ReadOnlyInline):
    model = PickLine
    store_path = "task__store"
    fields = [
        "position",
        "sku",
        "name_en",
        "aisle",
        "bay",
        "quantity_ordered",
        "quantity_picked",
        "status",
    ]
    readonly_fields = fields


class BagInline(ReadOnlyInline):
    model = Bag
    store_path = "task__store"
    fields = ["number", "zone", "code", "closed_at", "scanned_at"]
    readonly_fields = fields


@admin.register(PickTask)
class PickTaskAdmin(ReadOnlyAdminMixin, StoreScopedAdmin):
    list_display = ["order", "zone", "status", "due", "picker", "pick_minutes"]
    list_filter = ["status", "zone", "store"]
    search_fields = ["order__number"]
    list_select_related = ["order", "store", "picker"]
    inlines = [PickLineInline, BagInline]
    readonly_fields = [
        "store",
        "order",
        "zone",
        "status",
        "due_at",
        "picker",
        "claimed_at",
        "started_at",
        "picked_at",
        "packed_at",
        "created_at",
    ]
    fields = readonly_fields

    @admin.display(description="due", ordering="due_at")
    def due(self, task) -> str:
        text = local_iso(task.due_at, task.store.time_zone) or ""
        return f"{text[:10]} {text[11:16]}"

    @admin.display(description="pick time (min)")
    def pick_minutes(self, task) -> str:
        if task.started_at is None or task.picked_at is None:
            return "—"
        return f"{(task.picked_at - task.started_at).total_seconds() / 60:.1f}"

    def changelist_view(self, request, extra_context=None):
        figures = metrics.floor_figures(store_ids=self.managed_store_ids(request))
        extra_context = {**(extra_context or {}), "floor_figures": figures}
        return super().changelist_view(request, extra_context=extra_context)

    change_list_template = "admin/fulfillment/picktask/change_list.html"


@admin.register(PickScan)
class PickScanAdmin(ReadOnlyAdminMixin, StoreScopedAdmin):
    store_path = "line__task__store"
    list_display = ["line", "barcode", "source", "quantity", "picker", "created_at"]
    list_filter = ["source"]
    list_select_related = ["line", "picker"]


@admin.register(Substitution)
class SubstitutionAdmin(ReadOnlyAdminMixin, StoreScopedAdmin):
    store_path = "line__task__store"
    list_display = ["line", "offer", "quantity", "price", "status", "expires_at", "answered_at"]
    list_filter = ["status"]
    list_select_related = ["line", "offer__product"]


@admin.register(Bag)
class BagAdmin(ReadOnlyAdminMixin, StoreScopedAdmin):
    store_path = "task__store"
    list_display = ["code", "order", "number", "zone", "closed", "scanned"]
    list_filter = ["zone"]
    search_fields = ["code", "order__number"]
    list_select_related = ["order"]

    @admin.display(boolean=True)
    def closed(self, bag) -> bool:
        return bag.closed_at is not None

    @admin.display(boolean=True)
    def scanned(self, bag) -> bool:
        return bag.scanned_at is not None
