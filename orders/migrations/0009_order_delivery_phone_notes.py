from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0008_order_status_delivery_failed"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="delivery_phone",
            field=models.CharField(blank=True, max_length=20),
        ),
        migrations.AddField(
            model_name="order",
            name="delivery_notes",
            field=models.CharField(blank=True, max_length=200),
        ),
    ]
