"""What stores does when others announce something."""

from stores import services


def create_role_groups(sender, **kwargs) -> None:
    """After every migrate: one Django group per staff role, holding that role's permissions."""
    services.sync_role_groups(using=kwargs.get("using", "default"))
