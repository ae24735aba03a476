"""Carts, orders and their timeline.

An order's status changes only through `orders.services.set_status`, which checks
`orders.statuses.TRANSITIONS` and writes an `OrderEvent`.
"""

import secrets

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omostore.codes import random_code
from omostore.money import CURRENCIES, Money

currency_choices = [(code, code) for code in CURRENCIES]


class Channel(models.TextChoices):
    IN_STORE = "in_store", "In store (scan & go)"
    PICKUP = "pickup", "Pickup"
    DELIVERY = "delivery", "Delivery"
    REGISTER = "register", "Staffed register"


class OrderStatus(models.TextChoices):
    PLACED = "placed", "Placed"
    PAID = "paid", "Paid"
    PICKING = "picking", "Picking"
    PACKED = "packed", "Packed"
    OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
    DELIVERED = "delivered", "Delivered"
    DELIVERY_FAILED = "delivery_failed", "Delivery failed"
    READY_FOR_PICKUP = "ready_for_pickup", "Ready for pickup"
    COLLECTED = "collected", "Collected"
    EXITED = "exited", "Left the store"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"


def new_cart_token() -> str:
    return secrets.token_urlsafe(24)


class Cart(models.Model):
    """One open cart per member per store; an anonymous shopper's cart is found by its token."""

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="carts")
    member = models.ForeignKey(
        "accounts.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="carts"
    )
    token = models.CharField(max_length=40, unique=True, default=new_cart_token)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "member"],
                condition=Q(member__isnull=False),
                name="cart_one_per_member_and_store",
            )
        ]

    def __str__(self) -> str:
        return f"cart {self.pk} ({self.store_id})"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    offer = models.ForeignKey("catalog.StoreOffer", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(
        help_text="Pieces, or grams for products sold by weight."
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "offer"], name="cart_line_once_per_offer"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cart_line_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of offer {self.offer_id}"


def new_order_number() -> str:
    # Human-friendly: read over a counter or a phone.
    return f"{random_code(4)}-{random_code(4)}"


class Order(models.Model):
    number = models.CharField(max_length=12, unique=True, default=new_order_number)
    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="orders")
    member = models.ForeignKey(
        "accounts.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        help_text="Empty only for a register sale to someone who showed no member QR.",
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PLACED, db_index=True
    )
    currency = models.CharField(max_length=3, choices=currency_choices)
    total = models.PositiveIntegerField()
    # Loyalty points taken off at checkout (1 point = 1 minor unit), already out of `total` and
    # of the lines' totals; the points themselves are the members app's (orders.signals.
    # redeem_points).
    points_redeemed = models.PositiveIntegerField(default=0)
    payment_method = models.CharField(max_length=8)
    idempotency_key = models.CharField(max_length=120)
    request_fingerprint = models.CharField(max_length=64)
    reserved_until = models.DateTimeField(null=True, blank=True)
    delivery_address = models.CharField(max_length=255, blank=True)
    delivery_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    delivery_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    delivery_distance_m = models.PositiveIntegerField(null=True, blank=True)
    # Who the rider calls at the door (required for a delivery at checkout), and the shopper's
    # notes for the rider ("ring twice"). Shown to the order's rider only while the trip runs.
    delivery_phone = models.CharField(max_length=20, blank=True)
    delivery_notes = models.CharField(max_length=200, blank=True)
    promised_by = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    exit_verified_at = models.DateTimeField(null=True, blank=True)
    exit_verified_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "idempotency_key"], name="order_idempotency_key_per_member"
            ),
            models.CheckConstraint(
                condition=~Q(channel="delivery")
                | (Q(delivery_latitude__isnull=False) & Q(delivery_longitude__isnull=False)),
                name="order_delivery_has_location",
            ),
            models.CheckConstraint(
                condition=Q(member__isnull=False) | Q(channel="register"),
                name="order_member_unless_register",
            ),
        ]
        indexes = [models.Index(fields=["store", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def total_money(self) -> Money:
        return Money(self.total, self.currency)


class OrderLine(models.Model):
    """A price snapshot: what the shopper saw and paid, whatever the catalogue says later."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    offer = models.ForeignKey("catalog.StoreOffer", on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=32)
    name_en = models.CharField(max_length=200)
    name_ja = models.CharField(max_length=200)
    sold_by = models.CharField(max_length=8)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    quantity_allocated = models.PositiveIntegerField(
        default=0,
        help_text="Units (grams for weighed lines) this line holds in the offer's reserved "
        "stock; changed only by orders.services.stock_allocation, with catalog's stock services.",
    )
    quantity_substituted = models.PositiveIntegerField(
        default=0,
        help_text="Units replaced by a substitute line while picking: their money moved to that "
        "line (less any difference refunded), so they can no longer be refunded on this one.",
    )
    unit_price = models.PositiveIntegerField(help_text="Per piece, or per 100 g.")
    line_total = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class OrderEventKind(models.TextChoices):
    """What an `OrderEvent` records. Its `payload` holds the fields `EVENT_PAYLOAD_KEYS` names."""

    STATUS_CHANGED = "status_changed", "Status changed"
    PAYMENT_FAILED = "payment_failed", "Payment failed"
    REFUND = "refund", "Refund"
    REFUND_FAILED = "refund_failed", "Refund failed"
    LINE_SHORT = "line_short", "Line short"
    LINE_SUBSTITUTED = "line_substituted", "Line substituted"
    NOTE = "note", "Note"


# The keys each kind's payload always carries (docs/orders.md describes them); services check
# them before writing, so a timeline reader can rely on them.
EVENT_PAYLOAD_KEYS: dict[str, frozenset[str]] = {
    OrderEventKind.STATUS_CHANGED: frozenset({"from", "to", "reason"}),
    OrderEventKind.PAYMENT_FAILED: frozenset({"payment_id", "method", "status", "reason"}),
    OrderEventKind.REFUND: frozenset(
        {"order_refund_id", "refund_id", "amount", "currency", "destination", "reason", "lines"}
    ),
    OrderEventKind.REFUND_FAILED: frozenset(
        {"order_refund_id", "refund_id", "amount", "currency", "destination"}
    ),
    OrderEventKind.LINE_SHORT: frozenset({"line_id", "sku", "quantity_short"}),
    OrderEventKind.LINE_SUBSTITUTED: frozenset(
        {"line_id", "sku", "substitute_sku", "quantity", "accepted"}
    ),
    OrderEventKind.NOTE: frozenset(),
}


class OrderEvent(models.Model):
    """One thing that happened to an order: a status change (from, to), a failed payment, a
    refund, a short or substituted line, a note. Who, when, what (`kind` and its `payload`).
    The order's timeline and the source of its live updates."""

    Kind = OrderEventKind

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(
        max_length=20, choices=OrderEventKind.choices, default=OrderEventKind.STATUS_CHANGED
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(
        max_length=20, blank=True, help_text="Set for status changes only."
    )
    payload = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="status_changed") | ~Q(to_status=""),
                name="order_event_status_change_has_to_status",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == OrderEventKind.STATUS_CHANGED:
            return f"{self.order_id}: {self.from_status or '-'} → {self.to_status}"
        return f"{self.order_id}: {self.kind}"


class RefundReason(models.TextChoices):
    """Why money went back. Staff choose among STAFF_REFUND_REASONS (REGISTER_REFUND_REASONS at a
    register); the rest are the system's. Translated: staff pick them on Japanese screens."""

    MEMBER_CANCELLED = "member_cancelled", _("Cancelled by the member")
    NOT_COLLECTED = "not_collected", _("Never collected")
    SHORTAGE = "shortage", _("Out of stock when picked")
    DAMAGED = "damaged", _("Damaged or spoiled")
    GOODWILL = "goodwill", _("Goodwill")
    STAFF_CANCELLED = "staff_cancelled", _("Cancelled by the store")
    LATE_PAYMENT = "late_payment", _("Paid after the reservation expired")
    DUPLICATE_PAYMENT = "duplicate_payment", _("A second payment")
    PROVIDER = "provider", _("Refunded at the payment provider")
    RETURNED = "returned", _("Returned by the customer")


class CancelReason(models.TextChoices):
    """Why an order was cancelled: `order_cancelled`'s `reason` and the timeline's."""

    MEMBER_CANCELLED = "member_cancelled", "Cancelled by the member"
    NOT_COLLECTED = "not_collected", "Never collected"
    SHORTAGE = "shortage", "Out of stock when picked"
    STAFF_CANCELLED = "staff_cancelled", "Cancelled by the store"
    NOT_PAID_IN_TIME = "not_paid_in_time", "Not paid in time"
    PAYMENT_FAILED = "payment_failed", "Payment failed"
    PAYMENT_NOT_STARTED = "payment_not_started", "Payment could not start"


STAFF_CANCEL_REASONS = (
    CancelReason.NOT_COLLECTED,
    CancelReason.SHORTAGE,
    CancelReason.STAFF_CANCELLED,
)

STAFF_REFUND_REASONS = (
    RefundReason.NOT_COLLECTED,
    RefundReason.SHORTAGE,
    RefundReason.DAMAGED,
    RefundReason.GOODWILL,
    RefundReason.STAFF_CANCELLED,
)

# At a register the goods were in the customer's hands: what comes back is brought back.
REGISTER_REFUND_REASONS = (
    RefundReason.RETURNED,
    RefundReason.DAMAGED,
    RefundReason.GOODWILL,
)


class OrderRefund(models.Model):
    """Money an order gave back, and for which lines. Orders ask `payments` for the refund
    (`payments.services.refund_payment`, with this row's idempotency key) and keep this row:
    payments knows an order only by its number, so the store, the lines and the reason live
    here, where the admin can scope them per store."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    refund = models.OneToOneField(
        "payments.Refund",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order_refund",
        help_text="The payments app's refund, once asked for.",
    )
    idempotency_key = models.CharField(max_length=120, unique=True)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, choices=currency_choices)
    destination = models.CharField(
        max_length=8, help_text="Where the money goes: the payment method (wallet, card, test)."
    )
    reason = models.CharField(max_length=20, choices=RefundReason.choices)
    note = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="order_refund_positive")
        ]

    def __str__(self) -> str:
        return f"refund {self.amount_money} of {self.order_id} ({self.status})"

    @property
    def amount_money(self) -> Money:
        return Money(self.amount, self.currency)


class OrderRefundLine(models.Model):
    """How much of one order line a refund covers: `quantity` units (grams for weighed lines)
    and the `amount` they cost, never more than was paid for the line."""

    order_refund = models.ForeignKey(OrderRefund, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="refund_lines")
    quantity = models.PositiveIntegerField()
    amount = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_refund_line_qty_gt_0"),
            models.UniqueConstraint(
                fields=["order_refund", "line"], name="order_refund_line_once_per_line"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.line_id}"


QUANTITY_LIMITS = {"piece": (1, 99), "weight": (50, 5000)}


class RegisterSale(models.Model):
    """What a staffed register adds to its order: who sold it, the cash handed over and the
    change, or the external card terminal's reference. The `idempotency_key` (per store) makes
    a sale sent twice (a double tap, a retry after a lost answer) one sale."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="register_sale")
    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+")
    cashier = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=120)
    request_fingerprint = models.CharField(max_length=64)
    cash_tendered = models.PositiveIntegerField(null=True, blank=True)
    change_given = models.PositiveIntegerField(null=True, blank=True)
    terminal_reference = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "idempotency_key"], name="register_sale_key_per_store"
            )
        ]

    def __str__(self) -> str:
        return f"register sale {self.order_id}"
