from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import Member, StaffRole, User


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 0
    autocomplete_fields = ["store"]


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
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["member_code", "user", "home_store", "joined_at"]
    search_fields = ["member_code", "user__email"]
    list_select_related = ["user", "home_store"]
    readonly_fields = ["member_code", "joined_at"]


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "store", "role", "granted_at"]
    list_filter = ["role", "store"]
    search_fields = ["user__email"]
    list_select_related = ["user", "store"]
