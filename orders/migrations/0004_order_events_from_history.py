"""Existing rows in the new shape: status changes get their payload; the status-to-same-status
rows that stood for an automatic refund become `refund` events (a note when their refund cannot
be found); every refund of an order's payment gets its `OrderRefund` row, so the managers'
refund list starts complete."""

from django.db import migrations
from django.db.models import F


def _reason(idempotency_key: str, auto_note: str) -> str:
    if idempotency_key.startswith("auto-refund:"):
        return "late_payment" if "expired" in auto_note else "duplicate_payment"
    if idempotency_key.startswith("cancel:"):
        return "member_cancelled"
    if idempotency_key.startswith("manager-refund:"):
        return "goodwill"
    return "provider"


def forwards(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    OrderEvent = apps.get_model("orders", "OrderEvent")
    OrderRefund = apps.get_model("orders", "OrderRefund")
    Refund = apps.get_model("payments", "Refund")

    for event in OrderEvent.objects.exclude(to_status="").exclude(from_status=F("to_status")):
        event.payload = {"from": event.from_status, "to": event.to_status, "reason": ""}
        event.save(update_fields=["payload"])

    fake = list(
        OrderEvent.objects.filter(from_status=F("to_status")).exclude(to_status="").order_by("pk")
    )
    fake_by_order: dict[int, list] = {}
    for event in fake:
        fake_by_order.setdefault(event.order_id, []).append(event)

    order_ids = dict(Order.objects.values_list("number", "pk"))
    auto_rows: dict[int, list] = {}
    for refund in Refund.objects.select_related("payment").order_by("pk"):
        order_id = order_ids.get(refund.payment.reference)
        if order_id is None:
            continue  # a wallet top-up's refund
        notes = [e.note for e in fake_by_order.get(order_id, [])]
        auto_note = notes[len(auto_rows.get(order_id, []))] if notes else ""
        reason = _reason(refund.idempotency_key, auto_note)
        row = OrderRefund.objects.create(
            order_id=order_id,
            refund=refund,
            idempotency_key=refund.idempotency_key,
            amount=refund.amount,
            currency=refund.payment.currency,
            destination=refund.payment.method,
            reason=reason,
            note=refund.reason[:200],
            status=refund.status,
            actor_id=refund.created_by_id,
        )
        OrderRefund.objects.filter(pk=row.pk).update(created_at=refund.created_at)
        if reason in ("late_payment", "duplicate_payment"):
            auto_rows.setdefault(order_id, []).append(row)

    for order_id, events in fake_by_order.items():
        rows = auto_rows.get(order_id, [])
        for index, event in enumerate(events):
            row = rows[index] if index < len(rows) else None
            if row is not None:
                event.kind = "refund"
                event.payload = {
                    "order_refund_id": row.pk,
                    "refund_id": row.refund_id,
                    "amount": row.amount,
                    "currency": row.currency,
                    "destination": row.destination,
                    "reason": row.reason,
                    "lines": [],
                }
            else:
                event.kind = "note"
                event.payload = {}
            event.from_status = ""
            event.to_status = ""
            event.save(update_fields=["kind", "payload", "from_status", "to_status"])


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_order_event_kind_and_refunds"),
        ("payments", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
