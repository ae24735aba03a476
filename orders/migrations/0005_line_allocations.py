"""One flag per order (`Order.stock_reserved`) becomes the units each line holds
(`OrderLine.quantity_allocated`): an order that held its reservation holds, on each line, the
line's units less those refunds already gave back (pending or succeeded), exactly what the
old code released on a cancellation. Going back, an order holds stock when any line does."""

from django.db import migrations, models
from django.db.models import Sum

COUNTED = ("pending", "succeeded")


def flags_to_allocations(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    OrderLine = apps.get_model("orders", "OrderLine")
    OrderRefundLine = apps.get_model("orders", "OrderRefundLine")
    holding = Order.objects.filter(stock_reserved=True).values("pk")
    refunded = dict(
        OrderRefundLine.objects.filter(line__order__in=holding, order_refund__status__in=COUNTED)
        .values("line_id")
        .annotate(units=Sum("quantity"))
        .values_list("line_id", "units")
    )
    lines = list(OrderLine.objects.filter(order__in=holding))
    for line in lines:
        line.quantity_allocated = max(line.quantity - refunded.get(line.pk, 0), 0)
    OrderLine.objects.bulk_update(lines, ["quantity_allocated"], batch_size=500)


def allocations_to_flags(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Order.objects.filter(lines__quantity_allocated__gt=0).update(stock_reserved=True)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_order_events_from_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderline",
            name="quantity_allocated",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Units (grams for weighed lines) this line holds in the offer's "
                "reserved stock; changed only by orders.services.stock_allocation, with "
                "catalog's stock services.",
            ),
        ),
        migrations.RunPython(flags_to_allocations, allocations_to_flags),
        migrations.RemoveField(model_name="order", name="stock_reserved"),
    ]
