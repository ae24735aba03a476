"""Store (from catalog) and StaffRole (from accounts) move here without touching data: the
tables keep their names, and their content types (so permissions and admin history) follow."""

import django.db.models.deletion

from django.conf import settings
from django.db import migrations, models


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old_app, model in (("catalog", "store"), ("accounts", "staffrole")):
        ContentType.objects.filter(app_label=old_app, model=model).update(app_label="stores")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0001_initial"),
        ("catalog", "0004_stock_units_help"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Store",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("code", models.SlugField(max_length=32, unique=True)),
                        ("name", models.CharField(max_length=120)),
                        ("name_ja", models.CharField(blank=True, max_length=120)),
                        ("address", models.CharField(max_length=255)),
                        ("latitude", models.DecimalField(decimal_places=6, max_digits=9)),
                        ("longitude", models.DecimalField(decimal_places=6, max_digits=9)),
                        ("time_zone", models.CharField(default="Asia/Tokyo", max_length=64)),
                        (
                            "currency",
                            models.CharField(
                                choices=[
                                    ("JPY", "JPY"),
                                    ("KRW", "KRW"),
                                    ("USD", "USD"),
                                    ("EUR", "EUR"),
                                    ("GBP", "GBP"),
                                    ("CNY", "CNY"),
                                    ("HKD", "HKD"),
                                    ("SGD", "SGD"),
                                    ("TWD", "TWD"),
                                    ("AUD", "AUD"),
                                    ("CAD", "CAD"),
                                    ("CHF", "CHF"),
                                    ("KWD", "KWD"),
                                ],
                                default="JPY",
                                max_length=3,
                            ),
                        ),
                        ("delivery_radius_m", models.PositiveIntegerField(default=3000)),
                        (
                            "opens_at",
                            models.TimeField(
                                help_text="Local time the store opens (store's time zone); the same as the closing time means open around the clock."
                            ),
                        ),
                        (
                            "closes_at",
                            models.TimeField(
                                help_text="Local time the store closes (store's time zone)."
                            ),
                        ),
                        (
                            "public_base_url",
                            models.URLField(
                                blank=True,
                                help_text="Origin that shelf QR codes point at, e.g. https://shop.example.jp",
                            ),
                        ),
                        ("is_active", models.BooleanField(default=True)),
                    ],
                    options={
                        "db_table": "catalog_store",
                        "ordering": ["code"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("latitude__gte", -90),
                                    ("latitude__lte", 90),
                                    ("longitude__gte", -180),
                                    ("longitude__lte", 180),
                                ),
                                name="store_location_valid",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="StaffRole",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "role",
                            models.CharField(
                                choices=[
                                    ("manager", "Manager"),
                                    ("picker", "Picker"),
                                    ("packer", "Packer"),
                                    ("exit", "Exit / register"),
                                    ("rider", "Rider"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("granted_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="staff_roles",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "store",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="staff_roles",
                                to="stores.store",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_staffrole",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "store", "role"), name="staff_role_unique"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, reverse_code=migrations.RunPython.noop),
    ]
