"""Users and members in the admin.

A manager sees only the people of their stores: the staff who hold a role there, and the
members who shopped there (by member code and name, without their email or other stores).
Superusers see and edit everyone.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import Member, User
from stores.admin_scoping import StoreScopedMixin, managed_store_ids
from stores.models import StaffRole


class StaffRoleInline(StoreScopedMixin, admin.TabularInline):
    model = StaffRole
    extra = 0
    autocomplete_fields = ["store"]
    fields = ["store", "role", "granted_at"]
    readonly_fields = ["granted_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "display_name"]
    inlines = [StaffRoleInline]
    fieldsets = [
        (None, {"fields": ["email", "password", "display_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    manager_fieldsets = [(None, {"fields": ["email", "display_name", "is_active"]})]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def get_queryset(self, request):
        """A manager sees the staff of their stores, no one else."""
        queryset = super().get_queryset(request)
        store_ids = managed_store_ids(request)
        if store_ids is None:
            return queryset
        staff = StaffRole.objects.filter(store__in=store_ids).values("user")
        return queryset.filter(pk__in=staff, is_superuser=False)

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not request.user.is_superuser:
            return self.manager_fieldsets
        return super().get_fieldsets(request, obj)

    def get_list_filter(self, request):
        return super().get_list_filter(request) if request.user.is_superuser else []

    def has_add_permission(self, request):
        # Managers add staff by email from the staff roles screen, never as a free user.
        return request.user.is_superuser and super().has_add_permission(request)


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["member_code", "name", "joined_at"]
    search_fields = ["member_code", "user__display_name"]
    list_select_related = ["user"]
    fields = ["member_code", "name", "joined_at"]
    readonly_fields = ["member_code", "name", "joined_at"]

    @admin.display(description="name")
    def name(self, member):
        return member.user.display_name or "—"

    def get_queryset(self, request):
        """A manager sees the members who placed an order at one of their stores."""
        queryset = super().get_queryset(request)
        store_ids = managed_store_ids(request)
        if store_ids is None:
            return queryset
        # `orders` is the reverse name of orders.Order.member: a query path, not an import.
        shoppers = Member.objects.filter(orders__store__in=store_ids).values("pk")
        return queryset.filter(pk__in=shoppers)

    def get_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ["member_code", "user", "home_store", "name", "joined_at"]
        return self.fields

    def get_list_display(self, request):
        if request.user.is_superuser:
            return ["member_code", "user", "home_store", "name", "joined_at"]
        return self.list_display

    def get_search_fields(self, request):
        if request.user.is_superuser:
            return [*self.search_fields, "user__email"]
        return self.search_fields
