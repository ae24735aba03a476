from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Members and users"
    role_permissions = {
        "manager": ["accounts.view_user", "accounts.view_member"],
    }

    def ready(self) -> None:
        # Connects, through their decorators, the receivers that make open websockets check
        # again when what authorised them changes.
        from accounts import receivers  # noqa: F401
