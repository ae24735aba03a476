"""State only: Store and StaffRole moved to the stores app with their tables unchanged."""

import django.db.models.deletion

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("stores", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="member",
                    name="home_store",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="stores.store",
                    ),
                ),
                migrations.DeleteModel(
                    name="StaffRole",
                ),
            ],
            database_operations=[],
        ),
    ]
