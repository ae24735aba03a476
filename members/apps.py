from django.apps import AppConfig


class MembersConfig(AppConfig):
    """The member's side of every channel: favourites, points, the inbox and Web Push, and the
    account's export and closing (they gather every app's data, so they live at the top)."""

    name = "members"
    verbose_name = "Members: favourites, points, notifications"
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {
        "manager": [
            "members.view_storepointsrule",
            "members.add_storepointsrule",
            "members.change_storepointsrule",
        ],
    }

    def ready(self) -> None:
        from members import receivers  # noqa: F401
