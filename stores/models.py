"""Stores and who works in them: the lowest layer every other app stands on.

`Store` used to live in `catalog` and `StaffRole` in `accounts`; they moved here so that no
lower app needs a higher one (accounts' members point at their home store, catalog's offers at
their store). Their tables kept their names (`db_table`): the move changed no data.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from omostore.money import CURRENCIES

currency_choices = [(code, code) for code in CURRENCIES]


class Store(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    name_ja = models.CharField(max_length=120, blank=True)
    address = models.CharField(max_length=255)
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    time_zone = models.CharField(max_length=64, default="Asia/Tokyo")
    currency = models.CharField(max_length=3, choices=currency_choices, default="JPY")
    delivery_radius_m = models.PositiveIntegerField(default=3000)
    opens_at = models.TimeField(
        help_text="Local time the store opens (store's time zone); the same as the closing "
        "time means open around the clock."
    )
    closes_at = models.TimeField(help_text="Local time the store closes (store's time zone).")
    public_base_url = models.URLField(
        blank=True, help_text="Origin that shelf QR codes point at, e.g. https://shop.example.jp"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = "catalog_store"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="store_location_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name


class StaffRole(models.Model):
    """What one person may do in one store. A person may hold several roles in several stores."""

    class Role(models.TextChoices):
        MANAGER = "manager", "Manager"
        PICKER = "picker", "Picker"
        PACKER = "packer", "Packer"
        EXIT = "exit", "Exit / register"
        RIDER = "rider", "Rider"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles"
    )
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(max_length=16, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "accounts_staffrole"
        constraints = [
            models.UniqueConstraint(fields=["user", "store", "role"], name="staff_role_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.store_id}"
