from django.apps import AppConfig


class StoresConfig(AppConfig):
    name = "stores"
    verbose_name = "Stores and staff"
    # The permissions each role's group holds for this app's models (see stores.roles).
    role_permissions = {
        "manager": [
            "stores.view_store",
            "stores.change_store",
            "stores.view_staffrole",
            "stores.add_staffrole",
            "stores.change_staffrole",
            "stores.delete_staffrole",
        ],
    }

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from stores import receivers

        # Every app's post_migrate, not only ours: the permissions of apps migrated after
        # stores exist only once their own post_migrate has run.
        post_migrate.connect(receivers.create_role_groups, dispatch_uid="stores.role_groups")
