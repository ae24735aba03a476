"""Carts, orders and their timeline.

An order's status changes only through `orders.services.set_status`, which checks
`orders.statuses.TRANSITIONS` and writes an `OrderEvent`.
"""

import secrets

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from omostore.codes import random_code
from omostore.money import CURRENCIES, Money

currency_choices = [(code, code) for code in CURRENCIES]


class Channel(models.TextChoices):
    IN_STORE = "in_store", "In store (scan & go)"
    PICKUP = "pickup", "Pickup"
    DELIVERY = "delivery", "Delivery"


class OrderStatus(models.TextChoices):
    PLACED = "placed", "Placed"
    PAID = "paid", "Paid"
    PICKING = "picking", "Picking"
    PACKED = "packed", "Packed"
    OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
    DELIVERED = "delivered", "Delivered"
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
    member = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="orders")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PLACED, db_index=True
    )
    currency = models.CharField(max_length=3, choices=currency_choices)
    total = models.PositiveIntegerField()
    payment_method = models.CharField(max_length=8)
    idempotency_key = models.CharField(max_length=120)
    request_fingerprint = models.CharField(max_length=64)
    reserved_until = models.DateTimeField(null=True, blank=True)
    stock_reserved = models.BooleanField(
        default=False, help_text="True while this order holds a stock reservation."
    )
    delivery_address = models.CharField(max_length=255, blank=True)
    delivery_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    delivery_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    delivery_distance_m = models.PositiveIntegerField(null=True, blank=True)
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
    unit_price = models.PositiveIntegerField(help_text="Per piece, or per 100 g.")
    line_total = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class OrderEvent(models.Model):
    """One change of an order's status: who, when, from, to. The order's timeline."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status or '-'} → {self.to_status}"


QUANTITY_LIMITS = {"piece": (1, 99), "weight": (50, 5000)}
