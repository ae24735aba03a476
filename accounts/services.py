from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts.models import Member, StaffRole, User
from accounts.roles import ROLE_PERMISSIONS, Role, group_name


def sync_role_groups(*, using: str = "default") -> None:
    """Create or update the group of every role with exactly its listed permissions."""
    for role, permission_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=group_name(role))
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


@transaction.atomic
def register_member(*, email: str, password: str, display_name: str = "") -> Member:
    user = User.objects.create_user(email=email, password=password, display_name=display_name)
    return Member.objects.create(user=user)


@transaction.atomic
def grant_store_role(*, user: User, store_id: int, role: str) -> StaffRole:
    """Give `user` the role in the store, with its group; managers may open the admin."""
    staff_role, _ = StaffRole.objects.get_or_create(user=user, store_id=store_id, role=role)
    user.groups.add(Group.objects.get_or_create(name=group_name(role))[0])
    if role == Role.MANAGER and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return staff_role


def update_profile(*, user: User, display_name: str) -> User:
    user.display_name = display_name.strip()
    user.save(update_fields=["display_name"])
    return user
