from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Members and users"
    role_permissions = {
        "manager": ["accounts.view_user", "accounts.view_member"],
    }
