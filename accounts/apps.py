from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Members and staff"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts import receivers

        # Every app's post_migrate, not only ours: the permissions of apps migrated after
        # accounts exist only once their own post_migrate has run.
        post_migrate.connect(receivers.create_role_groups, dispatch_uid="accounts.role_groups")
