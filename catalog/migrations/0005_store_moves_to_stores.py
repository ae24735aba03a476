"""State only: Store and StaffRole moved to the stores app with their tables unchanged."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_staffrole_moves_to_stores"),
        ("catalog", "0004_stock_units_help"),
        ("orders", "0002_store_moves_to_stores"),
        ("stores", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="scanevent",
                    name="store",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scan_events",
                        to="stores.store",
                    ),
                ),
                migrations.AlterField(
                    model_name="storeoffer",
                    name="store",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="offers",
                        to="stores.store",
                    ),
                ),
                migrations.DeleteModel(
                    name="Store",
                ),
            ],
            database_operations=[],
        ),
    ]
