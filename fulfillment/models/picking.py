"""Pick tasks, their lines, the scans that confirm them, and bags (pick and pack).

A paid pickup or delivery order becomes one `PickTask` per temperature zone present in it
(`fulfillment.picking.services.create_pick_tasks`), each with its `PickLine`s in walking order.
Every confirmed item is one `PickScan` with a client-chosen id, so a retried or doubled scan
counts once. Items go into `Bag`s, each of one zone only (cold chain).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from catalog.models import TemperatureZone
from omostore.codes import random_code

__all__ = ["Bag", "PickLine", "PickScan", "PickTask", "Substitution", "SubstitutionChoice"]


class PickTask(models.Model):
    """The part of one order that lies in one temperature zone, picked by one picker."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a picker"
        CLAIMED = "claimed", "Being picked"
        PICKED = "picked", "Picked"
        PACKED = "packed", "Packed"
        CANCELLED = "cancelled", "Cancelled"

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="pick_tasks")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="pick_tasks")
    zone = models.CharField(max_length=16, choices=TemperatureZone.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    due_at = models.DateTimeField(help_text="When the task must be picked to keep the promise.")
    picker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pick_tasks",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="The first claim: where the pick time starts."
    )
    picked_at = models.DateTimeField(null=True, blank=True)
    open_bag = models.ForeignKey(
        "Bag",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The bag confirmed items go into now (per-item bagging), if any.",
    )
    packed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            # A replayed `order_paid` never makes a second set of tasks.
            models.UniqueConstraint(fields=["order", "zone"], name="pick_task_one_per_zone"),
            models.CheckConstraint(
                condition=~Q(status="claimed") | Q(picker__isnull=False),
                name="pick_task_claimed_has_picker",
            ),
        ]
        indexes = [models.Index(fields=["store", "zone", "status", "due_at"])]

    def __str__(self) -> str:
        return f"task {self.pk} ({self.zone}) of order {self.order_id}"


class PickLine(models.Model):
    """One order line to pick, in walking order (aisle, bay). Quantities are pieces, or grams
    for weighed products; `quantity_picked` is what was confirmed so far."""

    class Status(models.TextChoices):
        PENDING = "pending", "To pick"
        PICKED = "picked", "Picked"
        SHORT = "short", "Short"
        SUBSTITUTED = "substituted", "Substituted"

    task = models.ForeignKey(PickTask, on_delete=models.CASCADE, related_name="lines")
    order_line = models.OneToOneField(
        "orders.OrderLine", on_delete=models.CASCADE, related_name="pick_line"
    )
    offer = models.ForeignKey("catalog.StoreOffer", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(help_text="Walking order within the task.")
    sku = models.CharField(max_length=32)
    name_en = models.CharField(max_length=200)
    name_ja = models.CharField(max_length=200)
    aisle = models.CharField(max_length=8, blank=True)
    bay = models.PositiveSmallIntegerField(null=True, blank=True)
    sold_by = models.CharField(max_length=8)
    quantity_ordered = models.PositiveIntegerField()
    quantity_picked = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["task", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sold_by="weight") | Q(quantity_picked__lte=F("quantity_ordered")),
                name="pick_line_never_more_pieces_than_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity_picked}/{self.quantity_ordered} {self.sku}"


class PickScan(models.Model):
    """One confirmation of items on a line: a barcode scanned (camera, wedge, typed) or a weight
    entered. `client_id` is chosen by the tablet, so a retried request counts once."""

    class Source(models.TextChoices):
        CAMERA = "camera", "Camera"
        WEDGE = "wedge", "Keyboard-wedge scanner"
        TYPED = "typed", "Typed"
        WEIGHT = "weight", "Weight entered"

    line = models.ForeignKey(PickLine, on_delete=models.CASCADE, related_name="scans")
    client_id = models.CharField(max_length=64)
    barcode = models.CharField(max_length=32, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    quantity = models.PositiveIntegerField(help_text="Pieces, or grams for weighed lines.")
    picker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    bag = models.ForeignKey(
        "Bag",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scans",
        help_text="The bag the items went into, when the picker had one open.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["line", "client_id"], name="pick_scan_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="pick_scan_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} on line {self.line_id}"


class SubstitutionChoice(models.Model):
    """What the shopper wants if a line is out of stock (chosen at checkout or on the order page
    before picking): the best match the store proposes, one specific product, or no substitute
    (a refund). A line without a choice gets the best match."""

    class Choice(models.TextChoices):
        BEST_MATCH = "best_match", "Best match"
        SPECIFIC = "specific", "A specific product"
        NONE = "none", "No substitute: refund"

    order_line = models.OneToOneField(
        "orders.OrderLine", on_delete=models.CASCADE, related_name="substitution_choice"
    )
    choice = models.CharField(max_length=12, choices=Choice.choices)
    offer = models.ForeignKey(
        "catalog.StoreOffer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The specific product, for `specific`.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(choice="specific") | Q(offer__isnull=False),
                name="substitution_choice_specific_has_offer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.choice} for line {self.order_line_id}"


class Substitution(models.Model):
    """A substitute proposed for a short line, which the shopper accepts or declines live; with
    no answer by `expires_at` the shopper's standing choice applies."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Waiting for the shopper"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "No answer in time"

    line = models.ForeignKey(PickLine, on_delete=models.CASCADE, related_name="substitutions")
    offer = models.ForeignKey("catalog.StoreOffer", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    price = models.PositiveIntegerField(help_text="What the shopper pays for it: never more.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["line"],
                condition=Q(status="proposed"),
                name="substitution_one_open_per_line",
            ),
        ]

    def __str__(self) -> str:
        return f"substitute {self.offer_id} for line {self.line_id} ({self.status})"


def new_bag_code() -> str:
    return random_code(10)


class Bag(models.Model):
    """A bag of one order and one zone (frozen and chilled never share a bag with ambient). Its
    label carries a signed QR of `code`."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="bags")
    task = models.ForeignKey(PickTask, on_delete=models.CASCADE, related_name="bags")
    zone = models.CharField(max_length=16, choices=TemperatureZone.choices)
    code = models.CharField(max_length=16, unique=True, default=new_bag_code, editable=False)
    number = models.PositiveSmallIntegerField(help_text="Bag n of the order's bags.")
    closed_at = models.DateTimeField(null=True, blank=True)
    scanned_at = models.DateTimeField(
        null=True, blank=True, help_text="When the packer scanned it at the packing station."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="bag_number_per_order"),
        ]

    def __str__(self) -> str:
        return f"bag {self.number} of order {self.order_id}"
