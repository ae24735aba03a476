from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from omostore.money import CURRENCIES, Money

currency_choices = [(code, code) for code in CURRENCIES]


class Store(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    name_ja = models.CharField(max_length=120, blank=True)
    address = models.CharField(max_length=255)
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    time_zone = models.CharField(max_length=64, default="Asia/Tokyo")
    currency = models.CharField(max_length=3, choices=currency_choices, default="JPY")
    delivery_radius_m = models.PositiveIntegerField(default=3000)
    opens_at = models.TimeField(help_text="Local time the store opens (store's time zone).")
    closes_at = models.TimeField(help_text="Local time the store closes (store's time zone).")
    public_base_url = models.URLField(
        blank=True, help_text="Origin that shelf QR codes point at, e.g. https://shop.example.jp"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="store_location_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name_en = models.CharField(max_length=120)
    name_ja = models.CharField(max_length=120)

    class Meta:
        ordering = ["name_en"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name_en


class TemperatureZone(models.TextChoices):
    AMBIENT = "ambient", "Ambient"
    CHILLED = "chilled", "Chilled"
    FROZEN = "frozen", "Frozen"
    PRODUCE = "produce", "Produce"
    SEAFOOD = "seafood", "Seafood"


class Product(models.Model):
    class SoldBy(models.TextChoices):
        PIECE = "piece", "per piece"
        WEIGHT = "weight", "per 100 g"

    sku = models.CharField(max_length=32, unique=True)
    barcode = models.CharField(
        max_length=13,
        unique=True,
        validators=[RegexValidator(r"^\d{13}$", "A JAN/EAN-13 barcode is 13 digits.")],
    )
    name_en = models.CharField(max_length=200)
    name_ja = models.CharField(max_length=200)
    description_en = models.TextField(blank=True)
    description_ja = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    zone = models.CharField(max_length=16, choices=TemperatureZone.choices)
    origin = models.CharField(max_length=120, blank=True)
    producer = models.CharField(max_length=120, blank=True)
    image = models.ImageField(upload_to="products/", blank=True)
    sold_by = models.CharField(max_length=8, choices=SoldBy.choices, default=SoldBy.PIECE)

    class Meta:
        ordering = ["sku"]

    def __str__(self) -> str:
        return f"{self.name_en} ({self.sku})"


class StoreOffer(models.Model):
    """One product as one store sells it: its price, its stock and where it stands."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="offers")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="offers")
    price = models.PositiveIntegerField(help_text="In the store currency's minor unit.")
    markdown_price = models.PositiveIntegerField(null=True, blank=True)
    markdown_starts_at = models.DateTimeField(null=True, blank=True)
    markdown_ends_at = models.DateTimeField(null=True, blank=True)
    stock_on_hand = models.IntegerField(default=0, validators=[MinValueValidator(0)])
    stock_reserved = models.IntegerField(default=0, validators=[MinValueValidator(0)])
    aisle = models.CharField(max_length=8, blank=True)
    bay = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["store", "product"]
        constraints = [
            models.UniqueConstraint(fields=["store", "product"], name="offer_store_product_unique"),
            models.CheckConstraint(condition=Q(stock_on_hand__gte=0), name="offer_on_hand_gte_0"),
            models.CheckConstraint(condition=Q(stock_reserved__gte=0), name="offer_reserved_gte_0"),
            models.CheckConstraint(
                condition=Q(stock_reserved__lte=F("stock_on_hand")),
                name="offer_reserved_lte_on_hand",
            ),
            models.CheckConstraint(
                condition=Q(markdown_price__isnull=True) | Q(markdown_price__lt=F("price")),
                name="offer_markdown_below_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} @ {self.store_id}"

    @property
    def stock_available(self) -> int:
        return self.stock_on_hand - self.stock_reserved

    def markdown_active(self, at=None) -> bool:
        at = at or timezone.now()
        return (
            self.markdown_price is not None
            and (self.markdown_starts_at is None or self.markdown_starts_at <= at)
            and (self.markdown_ends_at is None or at < self.markdown_ends_at)
        )

    def current_price(self, at=None) -> Money:
        amount = self.markdown_price if self.markdown_active(at) else self.price
        return Money(amount, self.store.currency)
