"""Per-store scope for every manager screen in the admin.

A manager sees, opens, changes and deletes only rows of the stores they manage, and every
choice of a store-bound row in a form (a store, an offer, an order...) lists only those. A
superuser sees everything. Each admin says how a row reaches its store with `store_path`
(`"store"`, `"offer__store"`, `"pk"` for Store itself); the queryset does the rest, because the
admin's change, delete and history views all look the object up through `get_queryset` (an
out-of-scope row is as unknown as a missing one).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, PermissionDenied

from stores.models import Store
from stores.roles import Role
from stores.selectors import store_ids_for


def managed_store_ids(request) -> list[int] | None:
    """The stores the admin user manages; None for a superuser (every store)."""
    if request.user.is_active and request.user.is_superuser:
        return None
    return store_ids_for(user=request.user, roles=[Role.MANAGER])


def scoped_queryset_for(model, request, admin_site=admin.site):
    """The rows of `model` that the user may pick in a form: the queryset of its registered
    admin when that admin is store-scoped, else None (no restriction)."""
    if model is Store:
        store_ids = managed_store_ids(request)
        queryset = Store.objects.all()
        return queryset if store_ids is None else queryset.filter(pk__in=store_ids)
    model_admin = admin_site._registry.get(model)
    if isinstance(model_admin, StoreScopedMixin):
        return model_admin.get_queryset(request)
    return None


def _is_relation(model, path: str) -> bool:
    try:
        fields = get_fields_from_path(model, path)
    except (FieldDoesNotExist, NotRelationField):  # a custom filter's name, not a field path
        return False
    return bool(fields) and fields[-1].is_relation


class ScopedForeignKeysMixin:
    """For admins of rows that belong to no single store (a product, a recipe): every
    store-bound choice in their forms is still limited to the user's stores."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            queryset = scoped_queryset_for(db_field.related_model, request, self.admin_site)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class StoreScopedMixin(ScopedForeignKeysMixin):
    """Mix into a ModelAdmin or an inline. `store_path` goes from the row to its Store."""

    store_path = "store"

    def managed_store_ids(self, request) -> list[int] | None:
        return managed_store_ids(request)

    def scope_queryset(self, request, queryset):
        store_ids = self.managed_store_ids(request)
        if store_ids is None:
            return queryset
        # A subquery, not a join: a path through a many-valued relation would repeat rows, and
        # distinct() would forbid the admin's bulk delete.
        in_scope = queryset.model._default_manager.filter(
            **{f"{self.store_path}__in": store_ids}
        ).values("pk")
        return queryset.filter(pk__in=in_scope)

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def get_list_filter(self, request):
        """A filter by a related row (a store, a product) lists only the related rows of the
        manager's own rows, never every store's."""
        list_filter = super().get_list_filter(request)
        if self.managed_store_ids(request) is None:
            return list_filter
        return [
            (item, admin.RelatedOnlyFieldListFilter)
            if isinstance(item, str) and _is_relation(self.model, item)
            else item
            for item in list_filter
        ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            queryset = scoped_queryset_for(db_field.related_model, request, self.admin_site)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """Refuse a row that would land outside the user's stores, whatever the form allowed
        (the admin's change view runs in a transaction: raising undoes the save)."""
        super().save_model(request, obj, form, change)
        store_ids = self.managed_store_ids(request)
        if store_ids is not None:
            model = type(obj)
            in_scope = model._default_manager.filter(
                pk=obj.pk, **{f"{self.store_path}__in": store_ids}
            ).exists()
            if not in_scope:
                raise PermissionDenied("That row belongs to a store you do not manage.")


class StoreScopedAdmin(StoreScopedMixin, admin.ModelAdmin):
    pass


class ReadOnlyAdminMixin:
    """For ledgers and histories (stock movements, price changes, refunds, pick scans...): their
    rows are written only by services, so no admin screen or inline adds, changes or deletes
    them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
