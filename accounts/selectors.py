from collections.abc import Iterable

from accounts.models import Member, StaffRole, User


def has_store_role(*, user: User, store_id: int, roles: Iterable[str]) -> bool:
    """True when `user` holds one of `roles` in the store. Superusers hold every role."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return StaffRole.objects.filter(user=user, store_id=store_id, role__in=list(roles)).exists()


def store_ids_for(*, user: User, roles: Iterable[str]) -> list[int]:
    return list(
        StaffRole.objects.filter(user=user, role__in=list(roles))
        .values_list("store_id", flat=True)
        .distinct()
    )


def user_with_roles(*, user_id: int) -> User:
    return (
        User.objects.select_related("member").prefetch_related("staff_roles__store").get(pk=user_id)
    )


def member_for(*, user) -> Member | None:
    """The user's member profile, or None for anonymous users and staff without one."""
    if user is None or not user.is_authenticated:
        return None
    return getattr(user, "member", None)  # one query the first time; cached on the user
