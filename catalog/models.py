from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from omostore.codes import random_code
from omostore.money import Money
from stores.models import Store


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
    # origin and producer are the English (or the producer's own) names; the _ja ones are shown
    # on Japanese pages, and the plain ones when they are blank.
    origin = models.CharField(max_length=120, blank=True)
    origin_ja = models.CharField(
        "origin (Japanese)", max_length=120, blank=True, help_text="For example 北海道."
    )
    producer = models.CharField(max_length=120, blank=True)
    producer_ja = models.CharField(
        "producer (Japanese)", max_length=120, blank=True, help_text="For example 十勝酪農協同組合."
    )
    image = models.ImageField(upload_to="products/", blank=True)
    sold_by = models.CharField(max_length=8, choices=SoldBy.choices, default=SoldBy.PIECE)
    net_content_grams = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Net weight or volume in g/ml, for the unit price.",
    )
    net_content_unit = models.CharField(
        max_length=2,
        choices=[("g", "g"), ("ml", "ml")],
        default="g",
        help_text="What the net content counts: grams (unit price per 100 g) or millilitres "
        "(per 100 ml).",
    )

    class Meta:
        ordering = ["sku"]

    def __str__(self) -> str:
        return f"{self.name_en} ({self.sku})"


class ProductBarcode(models.Model):
    """Another barcode of a product, besides its own JAN: a multipack's JAN/EAN-13 (scanning it
    counts `pack_size` pieces), or the 7-digit prefix of the store's variable-weight labels
    (JAN prefix 20-29: prefix, then the grams in 5 digits, then the check digit)."""

    class Kind(models.TextChoices):
        PACK = "pack", "JAN/EAN-13 of a pack"
        WEIGHT_LABEL = "weight", "Prefix of in-store weight labels"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="extra_barcodes")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PACK)
    code = models.CharField(
        max_length=13,
        unique=True,
        help_text="13 digits for a pack; 7 digits starting with 2 for a weight-label prefix.",
    )
    pack_size = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )

    class Meta:
        ordering = ["product", "code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="pack") & Q(code__regex=r"^[0-9]{13}$"))
                | (Q(kind="weight") & Q(code__regex=r"^2[0-9]{6}$")),
                name="product_barcode_shape_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(pack_size__gte=1), name="product_barcode_pack_size_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.kind}) of {self.product_id}"


class StoreOffer(models.Model):
    """One product as one store sells it: its price, its stock and where it stands."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="offers")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="offers")
    price = models.PositiveIntegerField(help_text="In the store currency's minor unit.")
    markdown_price = models.PositiveIntegerField(null=True, blank=True)
    markdown_starts_at = models.DateTimeField(null=True, blank=True)
    markdown_ends_at = models.DateTimeField(null=True, blank=True)
    stock_on_hand = models.IntegerField(
        default=0,
        validators=[MinValueValidator(0)],
        help_text="Pieces, or grams for products sold by weight.",
    )
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

    @property
    def regular_price(self) -> Money:
        """The price without a markdown (search shows it struck through beside a markdown)."""
        return Money(self.price, self.store.currency)

    def current_price(self, at=None) -> Money:
        amount = self.markdown_price if self.markdown_active(at) else self.price
        return Money(amount, self.store.currency)


class StockMovement(models.Model):
    """One change of an offer's stock, written in the same transaction as the conditional UPDATE
    that made it (`catalog.services.stock`): the ledger of what came in, was counted, held,
    released, sold, wasted or returned, by whom and why.

    `on_hand_change` and `reserved_change` are signed; `on_hand_after` and `reserved_after` are
    the row's values right after the change, read back by the UPDATE itself, so when an offer
    sold out and when it came back can be read from the ledger alone
    (`catalog.selectors.sold_out_periods`). A count that finds the number right changes nothing
    and is written all the same. A reference to an order is plain text and a number
    (orders sits above catalog, so no foreign key)."""

    class Kind(models.TextChoices):
        RECEIVE = "receive", "Delivery received"
        COUNT = "count", "Stock count"
        RESERVE = "reserve", "Reserved by an order"
        RELEASE = "release", "Released by an order"
        SELL = "sell", "Sold"
        WASTE = "waste", "Waste or spoilage"
        RETURN = "return", "Returned to stock"

    offer = models.ForeignKey(StoreOffer, on_delete=models.CASCADE, related_name="movements")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    on_hand_change = models.IntegerField(default=0, help_text="Pieces, or grams; signed.")
    reserved_change = models.IntegerField(default=0, help_text="Pieces, or grams; signed.")
    on_hand_after = models.IntegerField()
    reserved_after = models.IntegerField()
    reason = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order_number = models.CharField(max_length=12, blank=True)
    order_line_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["offer", "pk"]
        indexes = [
            models.Index(fields=["offer", "created_at"]),
            models.Index(fields=["order_line_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.on_hand_change:+}/{self.reserved_change:+} of {self.offer_id}"

    @property
    def available_after(self) -> int:
        return self.on_hand_after - self.reserved_after

    @property
    def available_before(self) -> int:
        return self.available_after - self.on_hand_change + self.reserved_change


class PriceChange(models.Model):
    """One change of an offer's price or markdown (`catalog.services.prices`): old and new, the
    markdown window, who and when."""

    offer = models.ForeignKey(StoreOffer, on_delete=models.CASCADE, related_name="price_changes")
    old_price = models.PositiveIntegerField()
    new_price = models.PositiveIntegerField()
    old_markdown_price = models.PositiveIntegerField(null=True, blank=True)
    new_markdown_price = models.PositiveIntegerField(null=True, blank=True)
    markdown_starts_at = models.DateTimeField(null=True, blank=True)
    markdown_ends_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["offer", "pk"]
        indexes = [models.Index(fields=["offer", "created_at"])]

    def __str__(self) -> str:
        return f"{self.offer_id}: {self.old_price} -> {self.new_price}"


def new_label_code() -> str:
    # 10 characters of a 31-letter alphabet: ~8e14 codes, unguessable by walking the space, and
    # short enough to type from the label.
    return random_code(10)


class ShelfLabel(models.Model):
    """A printed shelf label; its QR code is the plain URL `/s/<code>` on the store's host."""

    code = models.CharField(max_length=16, unique=True, default=new_label_code, editable=False)
    offer = models.ForeignKey(StoreOffer, on_delete=models.CASCADE, related_name="labels")
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["offer__aisle", "offer__bay", "code"]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return f"/s/{self.code}"


class Review(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", "Published"
        HIDDEN = "hidden", "Hidden by a moderator"

    TITLE_MAX = 120
    TEXT_MAX = 2000

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    member = models.ForeignKey("accounts.Member", on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    text = models.TextField(max_length=TEXT_MAX, blank=True)
    verified_purchase = models.BooleanField(
        default=False, help_text="Set when the member bought the product (any channel)."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    moderated_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["product", "member"], name="review_one_per_member"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["product", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.rating}★ {self.product_id} by {self.member_id}"


class Recipe(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title_en = models.CharField(max_length=160)
    title_ja = models.CharField(max_length=160)
    summary_en = models.CharField(max_length=300, blank=True)
    summary_ja = models.CharField(max_length=300, blank=True)
    steps_en = models.JSONField(default=list, help_text="A list of steps, in order.")
    steps_ja = models.JSONField(default=list, help_text="A list of steps, in order.")
    servings = models.PositiveSmallIntegerField(default=2)
    minutes = models.PositiveSmallIntegerField(default=30)
    image = models.ImageField(upload_to="recipes/", blank=True)
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ["title_en"]

    def __str__(self) -> str:
        return self.title_en


class RecipeIngredient(models.Model):
    """A product of the catalogue with a quantity, or free text ("a pinch of salt")."""

    recipe = models.ForeignKey(Recipe, on_delete=models.CASCADE, related_name="ingredients")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="recipe_uses"
    )
    text = models.CharField(max_length=160, blank=True)
    quantity = models.CharField(max_length=60, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["recipe", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=False) | ~Q(text=""),
                name="ingredient_product_or_text",
            )
        ]

    def __str__(self) -> str:
        return self.text or str(self.product_id)


class ScanEvent(models.Model):
    """One look at a product through a shelf label: interest is data, even without a purchase."""

    class Source(models.TextChoices):
        CAMERA = "camera", "Phone camera"
        IN_APP = "in_app", "In-app scanner"
        TYPED = "typed", "Typed code"

    event_id = models.UUIDField(unique=True, help_text="Makes a replayed buffer flush harmless.")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="scan_events")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="scan_events")
    label = models.ForeignKey(
        ShelfLabel, null=True, blank=True, on_delete=models.SET_NULL, related_name="scan_events"
    )
    member = models.ForeignKey(
        "accounts.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scan_events",
    )
    device_id = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    scanned_at = models.DateTimeField()

    class Meta:
        ordering = ["-scanned_at"]
        indexes = [
            models.Index(fields=["store", "scanned_at"]),
            models.Index(fields=["product", "scanned_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} @ {self.scanned_at:%Y-%m-%d %H:%M}"
