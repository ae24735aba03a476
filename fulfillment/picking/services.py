"""Writes of pick and pack, named after what happens on the floor.

Every write that a tablet sees publishes `pick.task` to the task's zone group after commit
(`live.publish_task`). Rows are changed with conditional UPDATEs (`WHERE status = 'open'`,
`WHERE quantity_picked <= ordered - n`), so two tablets acting at once never both win and an item
is never counted twice; every confirmation carries a client id, so a retry counts once.
"""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import selectors as catalog_selectors
from catalog.barcodes import is_valid_ean13
from catalog.errors import InsufficientStock
from fulfillment.models import Bag, PickLine, PickScan, PickTask
from fulfillment.picking import errors, live, selectors
from orders import selectors as order_selectors
from orders import services as order_services
from orders.models import Channel, Order, OrderEventKind, OrderStatus, RefundReason
from stores.roles import Role
from stores.selectors import has_store_role

BAG_SALT = "fulfillment.bag"
PICKED_CHANNELS = frozenset({Channel.PICKUP, Channel.DELIVERY})
# Grams a weighed line may be confirmed with at all; outside WEIGHT_TOLERANCE of what was
# ordered the picker confirms first.
WEIGHT_LIMITS = (1, 10_000)
MAX_BAGS_PER_TASK = 20


def _setting(name: str, default):
    return getattr(settings, name, default)


def due_time(*, order: Order) -> datetime.datetime:
    """When the order's tasks must be picked: a delivery's promise less the ride and the
    packing; a pickup order's ready time (payment + PICKUP_READY_MINUTES)."""
    paid_at = order.paid_at or timezone.now()
    packing = datetime.timedelta(minutes=_setting("PICK_PACKING_MINUTES", 3))
    if order.channel == Channel.DELIVERY and order.promised_by is not None:
        metres_per_minute = _setting("RIDER_METRES_PER_MINUTE", 250)
        ride = datetime.timedelta(minutes=(order.delivery_distance_m or 0) / metres_per_minute)
        return max(paid_at, order.promised_by - ride - packing)
    return paid_at + datetime.timedelta(minutes=_setting("PICKUP_READY_MINUTES", 15))


def _walking_key(line) -> tuple:
    """Aisles in natural order (A2 before A10), then bays, then the SKU."""
    aisle = line.offer.aisle or "~"
    parts = tuple(int(p) if p.isdigit() else p for p in re.findall(r"\d+|\D+", aisle))
    return (parts, line.offer.bay or 0, line.sku)


@transaction.atomic
def create_pick_tasks(*, order_id: int) -> list[PickTask]:
    """One task per temperature zone present in a paid pickup or delivery order, its lines in
    walking order, due by `due_time`. Idempotent: a second call (a replayed `order_paid`, the
    catch-up sweep) returns the tasks already made."""
    order = order_selectors.order_for_staff(order_id=order_id)
    if order.channel not in PICKED_CHANNELS or order.paid_at is None:
        return []
    existing = list(PickTask.objects.filter(order_id=order.pk).order_by("pk"))
    if existing:
        return existing
    by_zone: dict[str, list] = {}
    for line in order_selectors.lines_for_picking(order_id=order.pk):
        by_zone.setdefault(line.offer.product.zone, []).append(line)
    due_at = due_time(order=order)
    try:
        with transaction.atomic():
            tasks = []
            for zone in sorted(by_zone):
                task = PickTask.objects.create(
                    store_id=order.store_id, order=order, zone=zone, due_at=due_at
                )
                PickLine.objects.bulk_create(
                    PickLine(
                        task=task,
                        order_line=line,
                        offer=line.offer,
                        position=position,
                        sku=line.sku,
                        name_en=line.name_en,
                        name_ja=line.name_ja,
                        aisle=line.offer.aisle,
                        bay=line.offer.bay,
                        sold_by=line.sold_by,
                        quantity_ordered=line.quantity,
                    )
                    for position, line in enumerate(sorted(by_zone[zone], key=_walking_key))
                )
                tasks.append(task)
    except IntegrityError:  # made meanwhile by a concurrent run
        return list(PickTask.objects.filter(order_id=order.pk).order_by("pk"))
    for task in tasks:
        live.publish_task(task=selectors.task_for_summary(task_id=task.pk))
    if tasks:
        live.publish_progress(order=order)
    return tasks


def create_missing_pick_tasks(*, since: datetime.timedelta) -> int:
    """The catch-up sweep: tasks for paid pickup and delivery orders of the last `since` that
    have none (a lost `order_paid` message). Returns how many orders got tasks."""
    made = 0
    for order_id in order_selectors.paid_orders_without(
        channels=PICKED_CHANNELS, since=timezone.now() - since, exclude_ids=_orders_with_tasks()
    ):
        if create_pick_tasks(order_id=order_id):
            made += 1
    return made


def _orders_with_tasks():
    return PickTask.objects.values("order_id")


@transaction.atomic
def cancel_pick_tasks(*, order_id: int) -> int:
    """The order was cancelled: its tasks still open or being picked leave the queues (a
    picker's screen says so); picked ones stay for the record. Safe to run twice."""
    ids = list(
        PickTask.objects.filter(order_id=order_id, status__in=live.QUEUE_STATUSES).values_list(
            "pk", flat=True
        )
    )
    PickTask.objects.filter(pk__in=ids, status__in=live.QUEUE_STATUSES).update(
        status=PickTask.Status.CANCELLED, updated_at=timezone.now()
    )
    for task_id in ids:
        _publish(task_id)
    order = Order.objects.filter(pk=order_id).only("pk", "number", "store_id").first()
    if order is not None:  # a cancelled order leaves the packing station too
        live.publish_packing(store_id=order.store_id, order_id=order.pk, number=order.number)
    return len(ids)


def _task_for_update(*, task_id: int, store_ids: list[int] | None) -> PickTask:
    tasks = PickTask.objects.select_for_update().filter(pk=task_id)
    if store_ids is not None:
        tasks = tasks.filter(store_id__in=store_ids)
    task = tasks.first()
    if task is None:
        raise errors.TaskNotFound(_("No such pick task."))
    return task


def _publish(task_id: int) -> None:
    """`pick.task` to the zone's tablets, and `pick.progress` to the order's live page."""
    task = selectors.task_for_summary(task_id=task_id)
    live.publish_task(task=task)
    live.publish_progress(order=task.order)


def _start_order_picking(*, order_id: int, actor) -> None:
    """The first claim of an order's task moves the order from paid to picking. The order row
    is locked, so two first claims of two zones at once move it once."""
    order = Order.objects.select_for_update().select_related("store").get(pk=order_id)
    if order.status == OrderStatus.PAID:
        order_services.set_status(order=order, to_status=OrderStatus.PICKING, actor=actor)
    elif order.status != OrderStatus.PICKING:
        raise errors.TaskClosed(
            _("This order is %(status)s: nothing to pick.")
            % {"status": order.get_status_display().lower()}
        )


@transaction.atomic
def claim_task(*, task_id: int, picker, store_ids: list[int] | None) -> PickTask:
    """The picker takes an open task. Of two pickers claiming at once exactly one wins (a
    conditional UPDATE); the other gets TaskTaken. Claiming one's own task again is a no-op."""
    now = timezone.now()
    # The guarded UPDATE comes first: it is the race's referee (and SQLite's write lock).
    won = PickTask.objects.filter(
        pk=task_id, status=PickTask.Status.OPEN, **_store_filter(store_ids)
    ).update(
        status=PickTask.Status.CLAIMED,
        picker=picker,
        claimed_at=now,
        started_at=Coalesce(F("started_at"), now),
        updated_at=now,
    )
    task = _task_for_update(task_id=task_id, store_ids=store_ids)
    if not won:
        if task.status == PickTask.Status.CLAIMED and task.picker_id == picker.pk:
            return task
        if task.status == PickTask.Status.CLAIMED:
            raise errors.TaskTaken(_("Another picker has taken this task."))
        raise errors.TaskClosed(_("This task is already done."))
    _start_order_picking(order_id=task.order_id, actor=picker)
    _publish(task.pk)
    return task


def _store_filter(store_ids: list[int] | None) -> dict:
    return {} if store_ids is None else {"store_id__in": store_ids}


@transaction.atomic
def unclaim_task(*, task_id: int, user, store_ids: list[int] | None) -> PickTask:
    """The picker (or a manager) puts a claimed task back in the queue; what was picked stays."""
    task = _task_for_update(task_id=task_id, store_ids=store_ids)
    if task.status != PickTask.Status.CLAIMED:
        raise errors.TaskClosed(_("This task is not being picked."))
    if task.picker_id != user.pk and not has_store_role(
        user=user, store_id=task.store_id, roles=[Role.MANAGER]
    ):
        raise errors.NotYourTask(_("Another picker has this task."))
    PickTask.objects.filter(pk=task.pk).update(
        status=PickTask.Status.OPEN, picker=None, claimed_at=None, updated_at=timezone.now()
    )
    _publish(task.pk)
    task.refresh_from_db()
    return task


@transaction.atomic
def reassign_task(*, task_id: int, manager, picker, store_ids: list[int] | None) -> PickTask:
    """A manager gives an open or claimed task to a picker of the same store."""
    task = _task_for_update(task_id=task_id, store_ids=store_ids)
    if task.status not in live.QUEUE_STATUSES:
        raise errors.TaskClosed(_("This task is already done."))
    if not has_store_role(user=picker, store_id=task.store_id, roles=[Role.PICKER]):
        raise errors.NotPicker(_("This person is not a picker of this store."))
    now = timezone.now()
    PickTask.objects.filter(pk=task.pk).update(
        status=PickTask.Status.CLAIMED,
        picker=picker,
        claimed_at=now,
        started_at=Coalesce(F("started_at"), now),
        updated_at=now,
    )
    _start_order_picking(order_id=task.order_id, actor=manager)
    _publish(task.pk)
    task.refresh_from_db()
    return task


def _picking_line(*, task_id: int, line_id: int, picker, store_ids) -> tuple[PickTask, PickLine]:
    """The task (locked) and one of its lines, if `picker` is picking it now."""
    task = _task_for_update(task_id=task_id, store_ids=store_ids)
    if task.status != PickTask.Status.CLAIMED:
        raise errors.TaskClosed(_("This task is not being picked."))
    if task.picker_id != picker.pk:
        raise errors.NotYourTask(_("Another picker has this task."))
    line = (
        PickLine.objects.select_for_update()
        .select_related("offer__product", "order_line")
        .filter(pk=line_id, task=task)
        .first()
    )
    if line is None:
        raise errors.TaskNotFound(_("This task has no such line."))
    return task, line


def lookup_line(*, task_id: int, line_id: int, store_ids) -> tuple[PickTask, PickLine]:
    """A task of one of `store_ids` and one of its lines, read only."""
    tasks = PickTask.objects.filter(pk=task_id, **_store_filter(store_ids))
    task = tasks.first()
    line = (
        PickLine.objects.select_related("offer__product", "order_line__order")
        .filter(pk=line_id, task_id=task_id)
        .first()
        if task is not None
        else None
    )
    if line is None:
        raise errors.TaskNotFound(_("No such pick task."))
    return task, line


def _already_recorded(*, line: PickLine, client_id: str) -> PickScan | None:
    return PickScan.objects.filter(line=line, client_id=client_id).first()


@transaction.atomic
def confirm_item(
    *,
    task_id: int,
    line_id: int,
    picker,
    store_ids: list[int] | None,
    barcode: str,
    source: str,
    client_id: str,
) -> PickLine:
    """One item of a line confirmed by its barcode (camera, wedge or typed): the product's own
    JAN counts one, a multipack's JAN its pack size, and an in-store weight label confirms a
    weighed line with the grams printed in it (as `weigh_item` does). A barcode of another
    product, or more than ordered, is refused and changes nothing. The same `client_id` again
    (a retry, a second tablet replaying) counts once."""
    task, line = _picking_line(task_id=task_id, line_id=line_id, picker=picker, store_ids=store_ids)
    if _already_recorded(line=line, client_id=client_id) is not None:
        return line
    if line.status != PickLine.Status.PENDING:
        raise errors.LineDone(_("This line is already done."))
    barcode = (barcode or "").strip()
    product = line.offer.product
    if not is_valid_ean13(barcode):
        raise errors.WrongBarcode(
            _("%(code)s is not a JAN/EAN-13 barcode.") % {"code": barcode[:20]},
            details={"barcode": barcode[:20]},
        )
    match = catalog_selectors.match_barcode(barcode=barcode)
    if match is None or match.product.pk != product.pk:
        message = (
            _("Wrong item: this is %(other)s, not %(name)s.")
            % {"other": match.product.name_en, "name": product.name_en}
            if match is not None
            else _("Unknown barcode %(code)s: this is not %(name)s.")
            % {"code": barcode, "name": product.name_en}
        )
        raise errors.WrongBarcode(message, details={"barcode": barcode})
    if line.sold_by == "weight":
        if match.grams is None:
            raise errors.WrongBarcode(_("Weigh this item, or scan its weight label."))
        return _weigh(
            task=task,
            line=line,
            grams=match.grams,
            picker=picker,
            client_id=client_id,
            confirmed=False,
            barcode=barcode,
        )
    if match.grams is not None:
        raise errors.WrongBarcode(_("This item is counted, not weighed: scan its own barcode."))
    return _count(
        task=task,
        line=line,
        quantity=match.pack_size,
        picker=picker,
        barcode=barcode,
        source=source,
        client_id=client_id,
    )


def _count(*, task, line, quantity, picker, barcode, source, client_id) -> PickLine:
    room = line.quantity_ordered - quantity
    if line.sold_by == "weight":
        changed = PickLine.objects.filter(pk=line.pk, quantity_picked=0).update(
            quantity_picked=quantity, status=PickLine.Status.PICKED, updated_at=timezone.now()
        )
    else:
        changed = PickLine.objects.filter(pk=line.pk, quantity_picked__lte=room).update(
            quantity_picked=F("quantity_picked") + quantity, updated_at=timezone.now()
        )
    if not changed:
        raise errors.TooMany(
            _("All %(n)s of %(name)s are already picked.")
            % {"n": line.quantity_ordered, "name": line.name_en}
        )
    PickScan.objects.create(
        line=line,
        client_id=client_id[:64],
        barcode=barcode,
        source=source,
        quantity=quantity,
        picker=picker,
        bag_id=task.open_bag_id,
    )
    line.refresh_from_db()
    if line.sold_by != "weight" and line.quantity_picked == line.quantity_ordered:
        PickLine.objects.filter(pk=line.pk).update(status=PickLine.Status.PICKED)
        line.status = PickLine.Status.PICKED
    _publish(task.pk)
    return line


@transaction.atomic
def weigh_item(
    *,
    task_id: int,
    line_id: int,
    picker,
    store_ids: list[int] | None,
    grams: int,
    client_id: str,
    confirmed: bool = False,
) -> PickLine:
    """A weighed line confirmed by its actual weight. Outside the tolerance of what was ordered
    (WEIGHT_TOLERANCE, default 10 %) the picker must confirm. The shopper pays for the actual
    weight but never more than was authorised: a lighter item refunds the difference."""
    task, line = _picking_line(task_id=task_id, line_id=line_id, picker=picker, store_ids=store_ids)
    if _already_recorded(line=line, client_id=client_id) is not None:
        return line
    if line.sold_by != "weight":
        raise errors.InvalidWeight(_("This item is counted, not weighed: scan it."))
    if line.status != PickLine.Status.PENDING:
        raise errors.LineDone(_("This line is already done."))
    return _weigh(
        task=task, line=line, grams=grams, picker=picker, client_id=client_id, confirmed=confirmed
    )


def _weigh(
    *, task, line, grams, picker, client_id: str, confirmed: bool, barcode: str = ""
) -> PickLine:
    low, high = WEIGHT_LIMITS
    if isinstance(grams, bool) or not isinstance(grams, int) or not low <= grams <= high:
        raise errors.InvalidWeight(
            _("Enter a weight between %(low)s g and %(high)s g.") % {"low": low, "high": high}
        )
    tolerance = _setting("WEIGHT_TOLERANCE", 0.10)
    ordered = line.quantity_ordered
    if abs(grams - ordered) > ordered * tolerance and not confirmed:
        raise errors.WeightNeedsConfirmation(
            _("%(grams)s g is far from the %(ordered)s g ordered. Confirm or weigh again.")
            % {"grams": grams, "ordered": ordered},
            details={"grams": grams, "ordered": ordered},
        )
    line = _count(
        task=task,
        line=line,
        quantity=grams,
        picker=picker,
        barcode=barcode,
        source=PickScan.Source.WEIGHT,
        client_id=client_id,
    )
    if grams > ordered:
        # Heavier than ordered (confirmed): the extra grams leave the shelf too, so the line
        # holds them; the shopper still pays no more than was authorised.
        try:
            with transaction.atomic():
                order_services.allocate_line_units(
                    line=line.order_line, units=grams - ordered, actor=picker, reason="heavier"
                )
        except InsufficientStock:
            pass  # the shelf had more than the books said: a stock count will tell
    if grams < ordered:
        _give_back(
            line=line,
            units=ordered - grams,
            actor=picker,
            key=f"pick-weight:{line.pk}",
            note="weighed lighter than ordered",
        )
    return line


def _give_back(*, line: PickLine, units: int, actor, key: str, note: str) -> None:
    """THE one place where units of a line that the shopper will not get go back: their stock
    is released and what they cost is refunded through payments (idempotent by `key`).

    `orders.services.refund_order_lines` does both: it releases the units the line still holds
    through the stock ledger's per-line release (`release_line_units`, a `release` movement
    naming the line) and asks payments for the money."""
    order = Order.objects.get(pk=line.order_line.order_id)
    order_services.refund_order_lines(
        order=order,
        lines={line.order_line_id: units},
        actor=actor,
        reason=RefundReason.SHORTAGE,
        idempotency_key=key,
        note=note,
    )


@transaction.atomic
def report_short(*, task_id: int, line_id: int, picker, store_ids: list[int] | None) -> PickLine:
    """The picker found fewer than ordered: the line is short by what is not picked yet, the
    order's timeline says so, and the missing units are released and refunded."""
    task, line = _picking_line(task_id=task_id, line_id=line_id, picker=picker, store_ids=store_ids)
    if line.status != PickLine.Status.PENDING:
        raise errors.LineDone(_("This line is already done."))
    short = line.quantity_ordered - line.quantity_picked
    PickLine.objects.filter(pk=line.pk, status=PickLine.Status.PENDING).update(
        status=PickLine.Status.SHORT, updated_at=timezone.now()
    )
    line.status = PickLine.Status.SHORT
    order = Order.objects.select_related("store").get(pk=line.order_line.order_id)
    order_services.record_event(
        order=order,
        kind=OrderEventKind.LINE_SHORT,
        payload={"line_id": line.order_line_id, "sku": line.sku, "quantity_short": short},
        actor=picker,
    )
    _give_back(line=line, units=short, actor=picker, key=f"pick-short:{line.pk}", note="")
    _publish(task.pk)
    return line


@transaction.atomic
def finish_task(
    *, task_id: int, picker, store_ids: list[int] | None, bags: int | None = None
) -> PickTask:
    """Every line picked or short: the task is picked and its bags closed (never shared with
    another zone: cold chain). If the picker opened bags while picking, the count is theirs
    (`bags` is ignored); otherwise the items went into `bags` new bags, made closed now."""
    task = _task_for_update(task_id=task_id, store_ids=store_ids)
    if task.status != PickTask.Status.CLAIMED:
        raise errors.TaskClosed(_("This task is not being picked."))
    if task.picker_id != picker.pk:
        raise errors.NotYourTask(_("Another picker has this task."))
    if task.lines.filter(status=PickLine.Status.PENDING).exists():
        raise errors.TaskNotDone(_("Pick or report every line first."))
    if task.lines.filter(substitutions__status="proposed").exists():
        raise errors.TaskNotDone(_("Wait for the shopper's answer to the substitute."))
    bagged = Bag.objects.filter(task=task).exists()
    if not bagged:
        if (
            isinstance(bags, bool)
            or not isinstance(bags, int)
            or not 0 <= bags <= MAX_BAGS_PER_TASK
        ):
            raise errors.TaskNotDone(
                _("Say how many bags (0 to %(n)s).") % {"n": MAX_BAGS_PER_TASK}
            )
        if bags == 0 and task.lines.filter(quantity_picked__gt=0).exists():
            raise errors.TaskNotDone(_("Picked items need at least one bag."))
    now = timezone.now()
    PickTask.objects.filter(pk=task.pk).update(
        status=PickTask.Status.PICKED, picked_at=now, open_bag=None, updated_at=now
    )
    if bagged:
        Bag.objects.filter(task=task, closed_at__isnull=True).update(closed_at=now)
    else:
        first = _next_bag_number(order_id=task.order_id)
        Bag.objects.bulk_create(
            Bag(order_id=task.order_id, task=task, zone=task.zone, number=first + n, closed_at=now)
            for n in range(bags)
        )
    _publish(task.pk)
    task.refresh_from_db()
    live.publish_packing(store_id=task.store_id, order_id=task.order_id, number=task.order.number)
    return task


def _next_bag_number(*, order_id: int) -> int:
    """The order's next bag number. The order row is locked first, so two zones making bags at
    once never take the same number."""
    Order.objects.select_for_update().filter(pk=order_id).values_list("pk", flat=True).first()
    last = (
        Bag.objects.filter(order_id=order_id)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return (last or 0) + 1


def _task_being_picked(*, task_id: int, picker, store_ids) -> PickTask:
    task = _task_for_update(task_id=task_id, store_ids=store_ids)
    if task.status != PickTask.Status.CLAIMED:
        raise errors.TaskClosed(_("This task is not being picked."))
    if task.picker_id != picker.pk:
        raise errors.NotYourTask(_("Another picker has this task."))
    return task


@transaction.atomic
def open_new_bag(*, task_id: int, picker, store_ids: list[int] | None) -> Bag:
    """The picker starts a new bag for this task (its zone only): its label can be printed
    now, and every item confirmed from now on goes into it."""
    task = _task_being_picked(task_id=task_id, picker=picker, store_ids=store_ids)
    if Bag.objects.filter(task=task).count() >= MAX_BAGS_PER_TASK:
        raise errors.TaskNotDone(_("At most %(n)s bags per task.") % {"n": MAX_BAGS_PER_TASK})
    bag = Bag.objects.create(
        order_id=task.order_id,
        task=task,
        zone=task.zone,
        number=_next_bag_number(order_id=task.order_id),
    )
    PickTask.objects.filter(pk=task.pk).update(open_bag=bag, updated_at=timezone.now())
    _publish(task.pk)
    return bag


@transaction.atomic
def open_bag(*, task_id: int, picker, store_ids: list[int] | None, signed: str) -> Bag:
    """The picker scans a bag label of this task: items confirmed from now on go into it. A
    label of another order or zone, a forged one or a closed bag is refused, nothing changed."""
    task = _task_being_picked(task_id=task_id, picker=picker, store_ids=store_ids)
    bag = verify_bag_code(signed=signed, store_id=task.store_id)
    if bag.task_id != task.pk:
        raise errors.BagOfAnotherTask(
            _("This is bag %(n)s of order %(number)s (%(zone)s), not of this task.")
            % {"n": bag.number, "number": bag.order.number, "zone": bag.zone}
        )
    if bag.closed_at is not None:
        raise errors.BagClosed(_("This bag is closed."))
    PickTask.objects.filter(pk=task.pk).update(open_bag=bag, updated_at=timezone.now())
    _publish(task.pk)
    return bag


# --- Bags and packing -------------------------------------------------------------------------


def bag_qr_payload(*, bag: Bag) -> str:
    """What a bag label's QR carries: the bag code, signed (a forged or typo'd code is refused)."""
    return signing.Signer(salt=BAG_SALT).sign(bag.code)


def verify_bag_code(*, signed: str, store_id: int | None = None) -> Bag:
    """The bag a label's QR names, or BagNotFound for a forged code or another store's bag."""
    try:
        code = signing.Signer(salt=BAG_SALT).unsign((signed or "").strip())
    except signing.BadSignature:
        raise errors.BagNotFound(_("This is not a bag label of this store.")) from None
    bags = Bag.objects.select_related("order", "task").filter(code=code)
    if store_id is not None:
        bags = bags.filter(task__store_id=store_id)
    bag = bags.first()
    if bag is None:
        raise errors.BagNotFound(_("This is not a bag label of this store."))
    return bag


@transaction.atomic
def scan_bag_at_packing(*, signed: str, order_id: int, store_id: int) -> Bag:
    """The packer scans one of the order's bags; a bag of another order is refused."""
    bag = verify_bag_code(signed=signed, store_id=store_id)
    if bag.order_id != order_id:
        raise errors.BagNotFound(
            _("This bag belongs to order %(number)s.") % {"number": bag.order.number}
        )
    Bag.objects.filter(pk=bag.pk, scanned_at__isnull=True).update(scanned_at=timezone.now())
    bag.refresh_from_db()
    live.publish_packing(store_id=store_id, order_id=order_id, number=bag.order.number)
    return bag


@transaction.atomic
def pack_order(*, order_id: int, store_id: int, packer) -> Order:
    """Every task picked and every bag scanned: the order is packed (a pickup order is then
    ready for pickup; a delivery waits for the dispatcher)."""
    order = (
        Order.objects.select_for_update()
        .select_related("store")
        .filter(pk=order_id, store_id=store_id)
        .first()
    )
    if order is None:
        raise errors.TaskNotFound(_("No such order to pack."))
    if order.status != OrderStatus.PICKING:
        raise errors.TaskClosed(
            _("This order is %(status)s: nothing to pack.")
            % {"status": order.get_status_display().lower()}
        )
    tasks = list(PickTask.objects.filter(order_id=order.pk).exclude(status="cancelled"))
    if not tasks or any(t.status not in ("picked", "packed") for t in tasks):
        raise errors.TaskNotDone(_("Not every zone of this order is picked yet."))
    missing = Bag.objects.filter(order_id=order.pk, scanned_at__isnull=True).count()
    if missing:
        raise errors.BagsMissing(
            _("%(n)s bag(s) not scanned yet.") % {"n": missing}, details={"missing": missing}
        )
    now = timezone.now()
    PickTask.objects.filter(pk__in=[t.pk for t in tasks]).update(
        status=PickTask.Status.PACKED, packed_at=now, updated_at=now
    )
    if order.status == OrderStatus.PICKING:
        order_services.set_status(order=order, to_status=OrderStatus.PACKED, actor=packer)
        if order.channel == Channel.PICKUP:
            order_services.set_status(
                order=order, to_status=OrderStatus.READY_FOR_PICKUP, actor=packer
            )
    live.publish_packing(store_id=store_id, order_id=order.pk, number=order.number)
    return order
