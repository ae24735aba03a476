"""Writes of stores and staff roles."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext as _

from omostore.errors import Forbidden
from stores.models import StaffRole, Store
from stores.roles import GRANTABLE_BY_MANAGER, Role, group_name, role_permissions
from stores.selectors import store_ids_for


def sync_role_groups(*, using: str = "default") -> None:
    """Create or update the group of every role with exactly its declared permissions."""
    for role, permission_names in role_permissions().items():
        group, _created = Group.objects.using(using).get_or_create(name=group_name(role))
        permissions = []
        for name in permission_names:
            app_label, codename = name.split(".")
            permission = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if permission is not None:  # a model added by a later migration may not exist yet
                permissions.append(permission)
        group.permissions.set(permissions)


def check_may_grant(*, granted_by, store_id: int, role: str) -> None:
    """Raise Forbidden unless `granted_by` may give `role` at the store: superusers grant every
    role anywhere; a manager grants only floor roles, only at the stores they manage."""
    if granted_by is None or granted_by.is_superuser:
        return
    if role not in GRANTABLE_BY_MANAGER:
        raise Forbidden(_("Only an administrator can make someone a manager."))
    if store_id not in store_ids_for(user=granted_by, roles=[Role.MANAGER]):
        raise Forbidden(_("You can grant roles only at the stores you manage."))


def _sync_user_groups(user) -> None:
    """The user's role groups are exactly those of the roles they hold in some store, and only
    managers (and superusers) may open the admin."""
    held = set(StaffRole.objects.filter(user=user).values_list("role", flat=True))
    role_groups = Group.objects.filter(name__in=[group_name(role) for role in Role.values])
    user.groups.remove(*[g for g in role_groups if g.name not in {group_name(r) for r in held}])
    user.groups.add(*[Group.objects.get_or_create(name=group_name(role))[0] for role in held])
    is_staff = user.is_superuser or Role.MANAGER in held
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


@transaction.atomic
def grant_store_role(*, user, store: Store | int, role: str, granted_by=None) -> StaffRole:
    """Give `user` the role in the store, with its group; managers may open the admin.

    `granted_by` None is the system (the demo, a data migration); a person is checked with
    `check_may_grant`."""
    store_id = store if isinstance(store, int) else store.pk
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    check_may_grant(granted_by=granted_by, store_id=store_id, role=role)
    staff_role, _created = StaffRole.objects.get_or_create(user=user, store_id=store_id, role=role)
    _sync_user_groups(user)
    return staff_role


@transaction.atomic
def revoke_store_role(*, staff_role: StaffRole, revoked_by=None) -> None:
    """Take a role away; the user keeps the groups of the roles they still hold elsewhere."""
    check_may_grant(granted_by=revoked_by, store_id=staff_role.store_id, role=staff_role.role)
    user = staff_role.user
    staff_role.delete()
    _sync_user_groups(user)
