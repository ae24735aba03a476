from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0009_orderline_quantity_substituted"),
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
