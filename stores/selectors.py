"""Reads of stores and staff roles: who may act where."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from stores.models import StaffRole, Store
from stores.roles import STAFF_TABS


def store_by_code(*, code: str) -> Store | None:
    return Store.objects.filter(code=code, is_active=True).first()


def active_stores() -> QuerySet[Store]:
    return Store.objects.filter(is_active=True).order_by("code")


def has_store_role(*, user, store_id: int, roles: Iterable[str]) -> bool:
    """True when `user` holds one of `roles` in the store. Superusers hold every role."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return StaffRole.objects.filter(user=user, store_id=store_id, role__in=list(roles)).exists()


def staff_tabs(*, user, store_id: int) -> list[str]:
    """The staff tablet's tabs `user` sees in the store (`stores.roles.STAFF_TABS`), one query."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        held = {role for _name, roles in STAFF_TABS for role in roles}
    else:
        held = set(
            StaffRole.objects.filter(user=user, store_id=store_id).values_list("role", flat=True)
        )
    return [name for name, roles in STAFF_TABS if held & roles]


def store_ids_for(*, user, roles: Iterable[str]) -> list[int]:
    """The stores where `user` holds one of `roles` (none for an inactive user)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    return list(
        StaffRole.objects.filter(user=user, role__in=list(roles))
        .values_list("store_id", flat=True)
        .distinct()
        .order_by("store_id")
    )


def stores_for(*, user, roles: Iterable[str]) -> QuerySet[Store]:
    """The active stores where `user` holds one of `roles`; every store for a superuser."""
    stores = Store.objects.filter(is_active=True).order_by("code")
    if user is not None and user.is_authenticated and user.is_active and user.is_superuser:
        return stores
    return stores.filter(pk__in=store_ids_for(user=user, roles=roles))


def roles_of(*, user) -> QuerySet[StaffRole]:
    return StaffRole.objects.filter(user=user).select_related("store").order_by("store", "role")
