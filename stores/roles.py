"""Role → Django group, and the model permissions each group holds.

The group says *what* a person may do; `StaffRole` says *in which store*. Both are needed: a
picker of store A has the picker group but no role row for store B, so store B refuses them.

Each app declares the permissions its own models give each role, as `role_permissions` on its
AppConfig (`{"manager": ["catalog.view_storeoffer", ...]}`); `role_permissions()` gathers them, so
no app lists another app's models.
"""

from __future__ import annotations

from django.apps import apps

from stores.models import StaffRole

Role = StaffRole.Role

# Roles that work from the staff tablets (the store feed).
FLOOR_ROLES = frozenset({Role.MANAGER, Role.PICKER, Role.PACKER, Role.EXIT})

# The staff tablet's tabs (templates/fulfillment/tablet_base.html), in order, and who sees each
# in a store: a tab shows only screens the person may open (each screen checks its roles again;
# tests/stores/test_staff_tabs.py holds these equal to the screens' own roles).
STAFF_TABS: tuple[tuple[str, frozenset[str]], ...] = (
    ("pick", frozenset({Role.PICKER, Role.MANAGER})),
    ("pack", frozenset({Role.PACKER, Role.MANAGER})),
    ("counter", frozenset({Role.EXIT, Role.PACKER, Role.MANAGER})),
    ("register", frozenset({Role.EXIT, Role.MANAGER})),
    ("dispatch", frozenset({Role.MANAGER})),
)

# Roles a store manager may grant, at their own stores only; only superusers make managers.
GRANTABLE_BY_MANAGER = frozenset({Role.PICKER, Role.PACKER, Role.EXIT, Role.RIDER})


def group_name(role: str) -> str:
    return f"role:{role}"


def role_permissions() -> dict[str, list[str]]:
    """`app_label.codename` permissions per role, from every installed app's config."""
    gathered: dict[str, list[str]] = {role: [] for role in Role.values}
    for config in apps.get_app_configs():
        for role, names in getattr(config, "role_permissions", {}).items():
            if role not in gathered:
                raise ValueError(f"{config.label} declares permissions for unknown role {role!r}")
            gathered[role].extend(names)
    return gathered
