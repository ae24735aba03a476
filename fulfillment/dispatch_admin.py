"""Riders and trips for managers, store-scoped (`StoreScopedAdmin`): a manager adds the riders
of their stores (a user with the store's `rider` role), sees their duty and last position, and
follows trips and their stops. Trips are the dispatcher's: read-only here, except the
reassignment of a trip that has not started (an action that calls the service)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from fulfillment.dispatch_service import trips as trip_services
from fulfillment.models import Rider, Trip, TripStop
from omostore.errors import DomainError
from stores.admin_scoping import StoreScopedAdmin, StoreScopedMixin
from stores.models import StaffRole


class RiderForm(forms.ModelForm):
    class Meta:
        model = Rider
        fields = [
            "user",
            "store",
            "display_name",
            "phone",
            "vehicle",
            "speed_mps",
            "capacity_bags",
            "duty",
            "shift_ends_at",
            "sharing_location",
        ]

    def clean(self):
        cleaned = super().clean()
        user, store = cleaned.get("user"), cleaned.get("store")
        if (
            user is not None
            and store is not None
            and not StaffRole.objects.filter(
                user=user, store=store, role=StaffRole.Role.RIDER
            ).exists()
        ):
            raise ValidationError("Give this user the store's rider role first (Staff roles).")
        return cleaned


@admin.register(Rider)
class RiderAdmin(StoreScopedAdmin):
    list_display = ["display_name", "store", "vehicle", "duty", "shift_ends_at", "located_at"]
    list_filter = ["store", "vehicle", "duty"]
    search_fields = ["display_name", "user__email", "phone"]
    readonly_fields = ["latitude", "longitude", "located_at", "created_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """The user is one of the riders of the manager's stores (the `rider` role)."""
        if db_field.name == "user":
            store_ids = self.managed_store_ids(request)
            roles = StaffRole.objects.filter(role=StaffRole.Role.RIDER)
            if store_ids is not None:
                roles = roles.filter(store_id__in=store_ids)
            kwargs["queryset"] = get_user_model().objects.filter(pk__in=roles.values("user_id"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    form = RiderForm


class TripStopInline(StoreScopedMixin, admin.TabularInline):
    model = TripStop
    store_path = "trip__store"
    extra = 0
    can_delete = False
    fields = ["sequence", "order", "state", "planned_arrival_at", "promised_by", "bags"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Trip)
class TripAdmin(StoreScopedAdmin):
    list_display = ["pk", "store", "rider", "state", "planned_leaves_at", "planned_returns_at"]
    list_filter = ["store", "state"]
    readonly_fields = [
        "store",
        "state",
        "commit_reason",
        "plan_method",
        "planned_leaves_at",
        "planned_returns_at",
        "started_at",
        "left_at",
        "finished_at",
        "created_at",
    ]
    fields = ["rider", *readonly_fields]
    inlines = [TripStopInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.state != Trip.State.ASSIGNED:
            return ["rider", *self.readonly_fields]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        """Only the rider may change, and only through the reassignment service."""
        if change and "rider" in form.changed_data:
            try:
                trip_services.reassign_trip(trip=obj, rider=obj.rider)
            except DomainError as exc:
                messages.error(request, exc.message)
