"""Members' data: favourites, the points ledger, the inbox and Web Push subscriptions."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Favourite(models.Model):
    """A product the member hearted (in any store); the favourites page shows it with the price
    and stock of the store they are looking at."""

    member = models.ForeignKey(
        "accounts.Member", on_delete=models.CASCADE, related_name="favourites"
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="favourited_by"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["member", "product"], name="favourite_once_per_member")
        ]
        indexes = [models.Index(fields=["product"], name="favourite_product")]

    def __str__(self) -> str:
        return f"{self.member_id} ♥ {self.product_id}"


class PointsSource(models.TextChoices):
    PURCHASE = "purchase", "Purchase"
    REVIEW = "review", "Verified review"
    SCAN = "scan", "Scan in a store"
    RETURNED = "returned", "Points given back"
    ADJUSTMENT = "adjustment", "Adjustment"


class PointsAccount(models.Model):
    """A member's points balance: the sum of what is left of their unexpired grants. Every
    change locks this row first (an UPDATE), so changes of one member happen one at a time on
    SQLite and PostgreSQL alike; the balance never goes below zero (a database constraint)."""

    member = models.OneToOneField(
        "accounts.Member", on_delete=models.CASCADE, related_name="points_account"
    )
    balance = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="points_balance_gte_0")
        ]

    def __str__(self) -> str:
        return f"points of {self.member_id}: {self.balance}"


class PointsGrant(models.Model):
    """Points earned at once for one reason, with their own expiry. `remaining` is what is left
    of them: spending takes from the grants that expire first."""

    member = models.ForeignKey(
        "accounts.Member", on_delete=models.CASCADE, related_name="points_grants"
    )
    source = models.CharField(max_length=12, choices=PointsSource.choices)
    points = models.PositiveIntegerField()
    remaining = models.PositiveIntegerField()
    expires_at = models.DateTimeField()
    reference = models.CharField(max_length=64, blank=True, help_text="An order number, a SKU…")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["expires_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(remaining__lte=models.F("points")),
                name="points_grant_remaining_lte_points",
            )
        ]
        indexes = [
            models.Index(fields=["member", "expires_at"], name="points_grant_member_expiry"),
            models.Index(fields=["expires_at"], name="points_grant_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.points} ({self.source}) until {self.expires_at:%Y-%m-%d}"


class PointsEntry(models.Model):
    """The points ledger: append-only, one row per change of balance, each with the key that
    makes it happen once (a purchase signalled twice earns once)."""

    class Kind(models.TextChoices):
        EARN = "earn", "Earned"
        REDEEM = "redeem", "Used"
        RETURN = "return", "Given back"
        CLAWBACK = "clawback", "Taken back"
        EXPIRE = "expire", "Expired"

    member = models.ForeignKey(
        "accounts.Member", on_delete=models.CASCADE, related_name="points_entries"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    source = models.CharField(max_length=12, choices=PointsSource.choices, blank=True)
    points = models.IntegerField(help_text="Positive adds to the balance, negative takes.")
    balance_after = models.IntegerField()
    idempotency_key = models.CharField(max_length=120, unique=True)
    reference = models.CharField(max_length=64, blank=True)
    grant = models.ForeignKey(
        PointsGrant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "points entries"
        indexes = [
            models.Index(fields=["member", "-created_at"], name="points_entry_member_time"),
            models.Index(fields=["reference", "kind"], name="points_entry_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points}"


class OrderRefundPoints(models.Model):
    """A refund of an order whose points were settled (given back, taken back): one row per
    refund makes a refund signalled twice settle once."""

    order_refund_id = models.BigIntegerField(unique=True)
    order_number = models.CharField(max_length=12, db_index=True)
    amount = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"refund {self.order_refund_id} of {self.order_number}"


class StorePointsRule(models.Model):
    """How many points a purchase in this store earns: one point per `spend_per_point` minor
    units paid (¥100 by default, `POINTS_SPEND_PER_POINT`)."""

    store = models.OneToOneField(
        "stores.Store", on_delete=models.CASCADE, related_name="points_rule"
    )
    spend_per_point = models.PositiveIntegerField(
        default=100, help_text="Minor units paid for one point (100 = 1 point per ¥100)."
    )
    earns_points = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(spend_per_point__gte=1), name="points_rule_spend_gte_1"
            )
        ]

    def __str__(self) -> str:
        return f"{self.store}: 1 point per {self.spend_per_point}"


class NotificationKind(models.TextChoices):
    PICKING_STARTED = "picking_started", "Your order is being picked"
    SUBSTITUTION_NEEDED = "substitution_needed", "A substitution needs your answer"
    OUT_FOR_DELIVERY = "out_for_delivery", "Your order is on its way"
    DELIVERED = "delivered", "Your order was delivered"
    READY_FOR_PICKUP = "ready_for_pickup", "Your order is ready for pickup"
    FAVOURITE_MARKED_DOWN = "favourite_marked_down", "A favourite is reduced"
    FAVOURITE_BACK_IN_STOCK = "favourite_back_in_stock", "A favourite is back in stock"
    POINTS_EXPIRING = "points_expiring", "Points expire soon"


class InboxMessage(models.Model):
    """A message in the member's in-app inbox (always written, whatever the push settings)."""

    member = models.ForeignKey("accounts.Member", on_delete=models.CASCADE, related_name="inbox")
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    title = models.CharField(max_length=120)
    body = models.CharField(max_length=300, blank=True)
    url = models.CharField(max_length=200, blank=True, help_text="A path on this site.")
    dedupe_key = models.CharField(max_length=160, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["member", "-created_at"], name="inbox_member_time")]

    def __str__(self) -> str:
        return self.title


class PushSubscription(models.Model):
    """A browser's Web Push subscription (its push service endpoint and encryption keys)."""

    member = models.ForeignKey(
        "accounts.Member", on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=500, unique=True)
    p256dh = models.CharField(max_length=120)
    auth = models.CharField(max_length=40)
    user_agent = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"push of {self.member_id}"


class NotificationPreference(models.Model):
    """Whether the member wants this kind as a push (the inbox always gets it). No row: yes."""

    member = models.ForeignKey(
        "accounts.Member", on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    push = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "kind"], name="notification_pref_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind}: {'push' if self.push else 'inbox only'}"
