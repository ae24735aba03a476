"""Manager screens of stores and staff roles.

A manager sees and edits their own stores and grants floor roles (picker, packer, exit, rider)
there, by the person's email; only superusers make managers or see every store.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError

from omostore.errors import DomainError
from stores import services
from stores.admin_scoping import StoreScopedAdmin, managed_store_ids
from stores.models import StaffRole, Store
from stores.roles import GRANTABLE_BY_MANAGER, Role


@admin.register(Store)
class StoreAdmin(StoreScopedAdmin):
    store_path = "pk"
    list_display = ["code", "name", "currency", "delivery_radius_m", "opens_at", "closes_at"]
    search_fields = ["code", "name", "name_ja"]

    def has_add_permission(self, request):
        return request.user.is_superuser  # opening a store is the head office's decision

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        # A manager runs the store; its identity and currency are the head office's.
        return [] if request.user.is_superuser else ["code", "currency", "is_active"]


class GrantRoleForm(forms.ModelForm):
    """Grant a role by the person's email: a manager never browses the list of every user."""

    email = forms.EmailField(help_text="The person's log-in email.")
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Only for someone without an account yet: their first password.",
    )

    class Meta:
        model = StaffRole
        fields = ["email", "store", "role"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        if request is not None and not request.user.is_superuser and "role" in self.fields:
            self.fields["role"].choices = [
                (value, label) for value, label in Role.choices if value in GRANTABLE_BY_MANAGER
            ]
        stores = managed_store_ids(request) if request is not None else None
        if stores is not None and len(stores) == 1 and "store" in self.fields:
            self.fields["store"].initial = stores[0]  # a manager of one store: no choice to make

    def clean(self):
        cleaned = super().clean()
        email, store, role = cleaned.get("email"), cleaned.get("store"), cleaned.get("role")
        if not (email and store and role):
            return cleaned
        try:
            services.check_may_grant(granted_by=self.request.user, store_id=store.pk, role=role)
        except DomainError as error:
            raise ValidationError(error.message) from None
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            password = cleaned.get("password") or ""
            if not password:
                raise ValidationError(
                    {"password": "This person has no account yet: set a first password."}
                )
            validate_password(password)
        elif StaffRole.objects.filter(user=user, store=store, role=role).exists():
            raise ValidationError("This person already holds this role at this store.")
        cleaned["user"] = user
        return cleaned


@admin.register(StaffRole)
class StaffRoleAdmin(StoreScopedAdmin):
    list_display = ["user", "store", "role", "granted_at"]
    list_filter = ["role", "store"]
    search_fields = ["user__email", "user__display_name"]
    list_select_related = ["user", "store"]
    form = GrantRoleForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class RequestBoundForm(form_class):
            def __init__(self, *args, **form_kwargs):
                super().__init__(*args, request=request, **form_kwargs)

        return RequestBoundForm

    def has_change_permission(self, request, obj=None):
        return False  # a role is granted or revoked, never edited into another one

    def save_model(self, request, obj, form, change):
        user = form.cleaned_data["user"]
        if user is None:
            user = get_user_model().objects.create_user(
                email=form.cleaned_data["email"], password=form.cleaned_data["password"]
            )
        try:
            granted = services.grant_store_role(
                user=user, store=obj.store, role=obj.role, granted_by=request.user
            )
        except DomainError as error:
            raise PermissionDenied(error.message) from None
        obj.pk, obj.user = granted.pk, user

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        return obj.role in GRANTABLE_BY_MANAGER and obj.store_id in (
            managed_store_ids(request) or []
        )

    def delete_model(self, request, obj):
        services.revoke_store_role(staff_role=obj, revoked_by=request.user)

    def delete_queryset(self, request, queryset):
        revoked = 0
        for staff_role in queryset.select_related("user"):
            try:
                services.revoke_store_role(staff_role=staff_role, revoked_by=request.user)
            except DomainError as error:
                self.message_user(request, f"{staff_role}: {error.message}", messages.ERROR)
            else:
                revoked += 1
        return revoked
