"""Role → Django group and the model permissions that group holds.

The group says *what* a person may do; `StaffRole` says *in which store*. Both are needed:
a picker of store A has the picker group but no role row for store B, so store B refuses them.
"""

from accounts.models import StaffRole

Role = StaffRole.Role

# app_label.codename permissions per role; a later issue adds its own models' rows here.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.MANAGER: [
        "accounts.view_user",
        "accounts.view_member",
        "accounts.view_staffrole",
        "accounts.add_staffrole",
        "accounts.change_staffrole",
        "accounts.delete_staffrole",
        "catalog.view_store",
        "catalog.change_store",
        "catalog.view_category",
        "catalog.add_category",
        "catalog.change_category",
        "catalog.view_product",
        "catalog.add_product",
        "catalog.change_product",
        "catalog.view_storeoffer",
        "catalog.add_storeoffer",
        "catalog.change_storeoffer",
        "catalog.view_shelflabel",
        "catalog.add_shelflabel",
        "catalog.change_shelflabel",
        "catalog.view_review",
        "catalog.change_review",
        "catalog.view_recipe",
        "catalog.add_recipe",
        "catalog.change_recipe",
        "catalog.delete_recipe",
        "catalog.view_recipeingredient",
        "catalog.add_recipeingredient",
        "catalog.change_recipeingredient",
        "catalog.delete_recipeingredient",
        "catalog.view_scanevent",
        "orders.view_order",
        "orders.change_order",
        "orders.view_cart",
    ],
    Role.PICKER: [],
    Role.PACKER: [],
    Role.EXIT: [],
    Role.RIDER: [],
}

# Roles that work from the staff tablets (the store feed).
FLOOR_ROLES = frozenset({Role.MANAGER, Role.PICKER, Role.PACKER, Role.EXIT})


def group_name(role: str) -> str:
    return f"role:{role}"
