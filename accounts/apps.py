from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Members and staff"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts import receivers

        post_migrate.connect(receivers.create_role_groups, sender=self)
