"""Reads of the catalogue, with their joins already right: the hot pages run a fixed number of
queries whatever the number of reviews, recipes and ingredients."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from django.core.cache import cache
from django.db import connection
from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from catalog.models import (
    Category,
    Product,
    ProductBarcode,
    Recipe,
    RecipeIngredient,
    Review,
    ShelfLabel,
    StockMovement,
    StoreOffer,
)
from omostore.money import Money
from stores.models import Store

REVIEWS_PER_PAGE = 5
LOW_STOCK_AT = 5
LOW_STOCK_GRAMS_AT = 500  # products sold by weight count their stock in grams


def stock_state(offer: StoreOffer) -> str:
    """`in_stock`, `low` or `out`: what a shopper needs, not the exact count."""
    return _stock_state(offer.stock_available, sold_by=offer.product.sold_by)


def _stock_state(available: int, *, sold_by: str) -> str:
    if available <= 0:
        return "out"
    low_at = LOW_STOCK_GRAMS_AT if sold_by == "weight" else LOW_STOCK_AT
    return "low" if available <= low_at else "in_stock"


@dataclass(frozen=True)
class UnitPrice:
    """A price per 100 g (or per 100 ml): what shoppers compare packs of different sizes by."""

    price: Money
    per: str  # "100 g" or "100 ml"


def unit_price(offer: StoreOffer, at=None) -> UnitPrice | None:
    """The offer's current price (markdown included) per 100 g, or per 100 ml for a net content
    in millilitres,
    rounded half up to the minor unit (whole yen); None for a piece without a net content.
    Products sold by weight are priced per 100 g already. The one place this is computed."""
    product = offer.product
    current = offer.current_price(at)
    if product.sold_by == Product.SoldBy.WEIGHT:
        return UnitPrice(price=current, per="100 g")
    net = product.net_content_grams
    if not net:
        return None
    per = "100 ml" if product.net_content_unit == "ml" else "100 g"
    amount = (current.amount * 200 + net) // (2 * net)  # x * 100 / net, half up
    return UnitPrice(price=Money(amount, current.currency), per=per)


def label_by_code(*, code: str, store: Store | None = None) -> ShelfLabel | None:
    """The active label with its offer, store, product and category (one query), or None when
    the code is unknown, the label or its offer is inactive, or it belongs to another store."""
    if not _is_label_code(code):
        return None
    labels = ShelfLabel.objects.select_related("offer__store", "offer__product__category").filter(
        code=code.upper(),
        is_active=True,
        offer__is_active=True,
        offer__store__is_active=True,
    )
    if store is not None:
        labels = labels.filter(offer__store=store)
    return labels.first()


# --- The scan page's one read ---------------------------------------------------------------------
#
# The shelf-label page is the store's hottest page, and its HTML is cached; what stays per request
# is finding the label and reading what the page shows that can change at any moment (price,
# markdown, stock). Django's query compiler costs more CPU than everything else in such a request,
# so this one read is plain SQL, built once per process from the models' own table and column
# names, and returned as a `LabelSnapshot` instead of five model instances.

# (alias, model, field) per column, in the order of LabelSnapshot's fields after label_id.
_SNAPSHOT_COLUMNS = (
    ("l", ShelfLabel, "id"),
    ("l", ShelfLabel, "code"),
    ("o", StoreOffer, "id"),
    ("o", StoreOffer, "store"),
    ("o", StoreOffer, "product"),
    ("o", StoreOffer, "price"),
    ("o", StoreOffer, "markdown_price"),
    ("o", StoreOffer, "markdown_starts_at"),
    ("o", StoreOffer, "markdown_ends_at"),
    ("o", StoreOffer, "stock_on_hand"),
    ("o", StoreOffer, "stock_reserved"),
    ("o", StoreOffer, "aisle"),
    ("o", StoreOffer, "bay"),
    ("s", Store, "code"),
    ("s", Store, "name"),
    ("s", Store, "name_ja"),
    ("s", Store, "time_zone"),
    ("s", Store, "currency"),
    ("p", Product, "sku"),
    ("p", Product, "name_en"),
    ("p", Product, "name_ja"),
    ("p", Product, "description_en"),
    ("p", Product, "description_ja"),
    ("p", Product, "origin"),
    ("p", Product, "origin_ja"),
    ("p", Product, "producer"),
    ("p", Product, "producer_ja"),
    ("p", Product, "zone"),
    ("p", Product, "image"),
    ("p", Product, "sold_by"),
    ("p", Product, "net_content_grams"),
    ("p", Product, "net_content_unit"),
    ("p", Product, "category"),
)


@dataclass(frozen=True)
class LabelSnapshot:
    """An active label and everything its page shows of the offer, store and product, as plain
    values: what the cached page is keyed by, and what a scan is recorded with."""

    label_id: int
    code: str
    offer_id: int
    store_id: int
    product_id: int
    price: int
    markdown_price: int | None
    markdown_starts_at: datetime.datetime | None
    markdown_ends_at: datetime.datetime | None
    stock_on_hand: int
    stock_reserved: int
    aisle: str
    bay: int | None
    store_code: str
    store_name: str
    store_name_ja: str
    time_zone: str
    currency: str
    sku: str
    name_en: str
    name_ja: str
    description_en: str
    description_ja: str
    origin: str
    origin_ja: str
    producer: str
    producer_ja: str
    zone: str
    image: str
    sold_by: str
    net_content_grams: int | None
    net_content_unit: str
    category_id: int

    @classmethod
    def of(cls, label: ShelfLabel) -> LabelSnapshot:
        """The same values read from model instances (the label with its offer, store and
        product), so that a page rendered from them is stored under the key a later raw read
        of the same rows computes."""
        objects = {"l": label, "o": label.offer, "s": label.offer.store, "p": label.offer.product}
        return cls(
            *(
                _plain(getattr(objects[alias], model._meta.get_field(name).attname))
                for alias, model, name in _SNAPSHOT_COLUMNS
            )
        )

    @property
    def stock_state(self) -> str:
        return _stock_state(self.stock_on_hand - self.stock_reserved, sold_by=self.sold_by)

    # The offer's own rule, on the same three fields: one definition of "the markdown is on".
    markdown_active = StoreOffer.markdown_active

    def digest(self) -> str:
        """What a cached rendering of the label (the page, the scan API's body) depends on, as
        a short hash: every field, except that stock counts only as the state shown (a sale
        that keeps "low" keeps the rendering) and the markdown as on or off now."""
        shown = (
            dataclasses.astuple(dataclasses.replace(self, stock_on_hand=0, stock_reserved=0)),
            self.stock_state,
            self.markdown_active(),
        )
        return hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()


def _plain(value):
    """One representation for a value read raw or through a model: an aware datetime (SQLite
    hands back naive UTC), the name of a file."""
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=datetime.UTC)
    if hasattr(value, "name") and not isinstance(value, str):  # a FieldFile
        return value.name or ""
    return value


@functools.cache
def _snapshot_sql(vendor: str, by_store: bool) -> str:
    # vendor is only part of the cache key: quoting differs between database backends.
    quote = connection.ops.quote_name

    def column(alias, model, name):
        return f"{alias}.{quote(model._meta.get_field(name).column)}"

    def table(model):
        return quote(model._meta.db_table)

    select = ", ".join(column(*spec) for spec in _SNAPSHOT_COLUMNS)
    # Only names from the models' own metadata go into the text; every value is a parameter.
    sql = (
        f"SELECT {select} FROM {table(ShelfLabel)} l"  # noqa: S608
        f" JOIN {table(StoreOffer)} o ON o.{quote('id')} = {column('l', ShelfLabel, 'offer')}"
        f" JOIN {table(Store)} s ON s.{quote('id')} = {column('o', StoreOffer, 'store')}"
        f" JOIN {table(Product)} p ON p.{quote('id')} = {column('o', StoreOffer, 'product')}"
        f" WHERE {column('l', ShelfLabel, 'code')} = %s"
        f" AND {column('l', ShelfLabel, 'is_active')} = %s"
        f" AND {column('o', StoreOffer, 'is_active')} = %s"
        f" AND {column('s', Store, 'is_active')} = %s"
    )
    if by_store:
        sql += f" AND {column('s', Store, 'code')} = %s"
    return sql


def label_snapshot(*, code: str, store_code: str | None = None) -> LabelSnapshot | None:
    """What `label_by_code` finds, as a `LabelSnapshot`, in one query and without the ORM; None
    when the code is unknown, the label, its offer or its store is inactive, or (with
    `store_code`) the label is another store's."""
    if not _is_label_code(code):
        return None
    params = [code.upper(), True, True, True]
    if store_code is not None:
        params.append(store_code)
    with connection.cursor() as cursor:
        cursor.execute(_snapshot_sql(connection.vendor, store_code is not None), params)
        row = cursor.fetchone()
    if row is None:
        return None
    return LabelSnapshot(*(_plain(value) for value in row))


def _is_label_code(code: str) -> bool:
    return bool(code) and len(code) <= 16 and code.isalnum()


@dataclass(frozen=True)
class RatingSummary:
    count: int
    average: float | None
    distribution: dict[int, int]


def rating_summary(*, product: Product) -> RatingSummary:
    rows = (
        Review.objects.filter(product=product, status=Review.Status.PUBLISHED)
        .values("rating")
        .annotate(n=Count("pk"))
    )
    distribution = {stars: 0 for stars in range(5, 0, -1)}
    for row in rows:
        distribution[row["rating"]] = row["n"]
    count = sum(distribution.values())
    average = (
        round(sum(stars * n for stars, n in distribution.items()) / count, 1) if count else None
    )
    return RatingSummary(count=count, average=average, distribution=distribution)


def published_reviews(*, product: Product) -> QuerySet[Review]:
    return (
        Review.objects.filter(product=product, status=Review.Status.PUBLISHED)
        .select_related("member__user")
        .order_by("-created_at", "-pk")
    )


def review_page(*, product: Product, page: int, per_page: int = REVIEWS_PER_PAGE):
    """One page of the newest published reviews and whether there is a next one (one query)."""
    start = (page - 1) * per_page
    rows = list(published_reviews(product=product)[start : start + per_page + 1])
    return rows[:per_page], len(rows) > per_page


def member_review(*, product: Product, member_id: int | None) -> Review | None:
    if member_id is None:
        return None
    return Review.objects.filter(product=product, member_id=member_id).first()


def recipes_using(*, product: Product, store: Store) -> list[Recipe]:
    """Published recipes that use `product`, each with `ingredient_list` in order, and each
    ingredient with `offer_here`: the active offer of its product in `store`, or None.

    Always exactly three queries, with or without recipes (a prefetch would skip its queries
    for an empty list, and the page's query count would depend on the data)."""
    using = Recipe.objects.filter(is_published=True, ingredients__product=product).values("pk")
    recipes = list(Recipe.objects.filter(pk__in=using).order_by("title_en"))
    ingredients = list(
        RecipeIngredient.objects.filter(recipe__in=using)
        .select_related("product")
        .order_by("recipe", "position", "pk")
    )
    offers = {
        offer.product_id: offer
        for offer in StoreOffer.objects.filter(
            store=store, is_active=True, product__recipe_uses__recipe__in=using
        )
    }
    by_recipe: dict[int, list[RecipeIngredient]] = {recipe.pk: [] for recipe in recipes}
    for ingredient in ingredients:
        ingredient.offer_here = offers.get(ingredient.product_id)
        by_recipe[ingredient.recipe_id].append(ingredient)
    for recipe in recipes:
        recipe.ingredient_list = by_recipe[recipe.pk]
    return recipes


def search_offers(
    *,
    store: Store,
    query: str = "",
    category: str = "",
    zone: str = "",
    deals: bool = False,
) -> QuerySet[StoreOffer]:
    """A store's active offers matching a name (English or Japanese), SKU or barcode; `deals`:
    only those whose markdown is on now."""
    offers = StoreOffer.objects.filter(store=store, is_active=True).select_related(
        "product__category", "store"
    )
    query = query.strip()
    if query:
        if query.isdigit() and len(query) in (12, 13):  # UPC-A is EAN-13 with a leading 0
            offers = offers.filter(product__barcode=query.zfill(13))
        else:
            offers = offers.filter(
                Q(product__name_en__icontains=query)
                | Q(product__name_ja__icontains=query)
                | Q(product__sku__iexact=query)
                | Q(product__barcode=query)
            )
    if category:
        offers = offers.filter(product__category__slug=category)
    if zone:
        offers = offers.filter(product__zone=zone)
    if deals:
        now = timezone.now()
        offers = offers.filter(
            Q(markdown_price__isnull=False)
            & (Q(markdown_starts_at__isnull=True) | Q(markdown_starts_at__lte=now))
            & (Q(markdown_ends_at__isnull=True) | Q(markdown_ends_at__gt=now))
        )
    return offers.order_by("product__name_en", "pk")


def categories() -> QuerySet[Category]:
    return Category.objects.order_by("name_en")


def rating_averages(*, product_ids: list[int]) -> dict[int, tuple[float, int]]:
    rows = (
        Review.objects.filter(product_id__in=product_ids, status=Review.Status.PUBLISHED)
        .values("product_id")
        .annotate(average=Avg("rating"), n=Count("pk"))
    )
    return {row["product_id"]: (round(row["average"], 1), row["n"]) for row in rows}


# --- Cached product content -----------------------------------------------------------------------
# Reviews, the rating and the recipes change rarely and cost most of a product page; price and
# stock change all the time and are always read live from the offer. The content is cached per
# product version: writing or moderating a review bumps it (the author sees their review at
# once); anything else (a recipe, an ingredient's aisle) shows within CONTENT_TTL seconds.

CONTENT_TTL = 60


def content_version_key(*, product_id: int) -> str:
    """The cache key of the product's content version (to read it with other keys at once)."""
    return f"catalog:content-version:{product_id}"


def content_version(*, product_id: int) -> int:
    return cache.get_or_set(content_version_key(product_id=product_id), 1, timeout=None)


def bump_content_version(*, product_ids) -> None:
    for product_id in set(product_ids):
        try:
            cache.incr(content_version_key(product_id=product_id))
        except ValueError:  # never read yet: any new value differs from what is cached
            cache.set(content_version_key(product_id=product_id), 2, timeout=None)


def cached_label_rendering(*, snapshot: LabelSnapshot, kind: str, render: Callable):
    """What `render(label)` makes of a label (the scan page's HTML, the scan API's body), from
    the cache when it holds one for these values and the product's current content version,
    else rendered from the models and stored; None when the label is gone by the time a miss
    reads it again.

    The key is the snapshot's digest, so price, markdown and stock state are those just read;
    the content version (reviews, recipes) is stored with the rendering instead, so one round
    trip reads both. `kind` names the rendering (with the language where it depends on it)."""
    version_key = content_version_key(product_id=snapshot.product_id)
    key = f"{kind}:{snapshot.label_id}:{snapshot.digest()}"
    found = cache.get_many([version_key, key])
    version = found.get(version_key)
    if version is None:
        version = content_version(product_id=snapshot.product_id)
    cached = found.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    label = label_by_code(code=snapshot.code)
    if label is None:
        return None
    rendering = render(label)
    # Keyed by what was rendered: if the offer changed between the two reads, the next
    # request's snapshot finds this rendering or makes the newer one.
    key = f"{kind}:{label.pk}:{LabelSnapshot.of(label).digest()}"
    cache.set(key, (version, rendering), timeout=CONTENT_TTL)
    return rendering


class ProductContent:
    """What the page shows besides price and stock, read only when a template or serializer
    asks for it: a cache hit runs none of these queries."""

    def __init__(self, *, product: Product, store: Store) -> None:
        self.product, self.store = product, store

    @cached_property
    def _first_page(self):
        return review_page(product=self.product, page=1)

    @cached_property
    def reviews(self) -> list[Review]:
        return self._first_page[0]

    @cached_property
    def reviews_more(self) -> bool:
        return self._first_page[1]

    @cached_property
    def rating(self) -> RatingSummary:
        return rating_summary(product=self.product)

    @cached_property
    def recipes(self) -> list[Recipe]:
        return recipes_using(product=self.product, store=self.store)


# --- Reads for the apps above (orders) ------------------------------------------------------------


def active_offer(*, store: Store, sku: str) -> StoreOffer | None:
    """The store's active offer of the product `sku`, with its product and store, or None."""
    return (
        StoreOffer.objects.select_related("product__category", "store")
        .filter(store=store, product__sku=sku, is_active=True)
        .first()
    )


def active_offers_by_id(*, offer_ids) -> dict[int, StoreOffer]:
    """The active offers among `offer_ids`, with their products, by id (one query)."""
    return {
        offer.pk: offer
        for offer in StoreOffer.objects.select_related("product").filter(
            pk__in=list(offer_ids), is_active=True
        )
    }


def offers_of_products(*, store: Store, product_ids) -> dict[int, StoreOffer]:
    """The store's active offers of these products, with their products, by product id (one
    query). A product the store does not sell is missing from the answer (members' favourites)."""
    return {
        offer.product_id: offer
        for offer in StoreOffer.objects.select_related("product", "store").filter(
            store=store, product_id__in=list(product_ids), is_active=True
        )
    }


def product_by_sku(*, sku: str) -> Product | None:
    return Product.objects.filter(sku=sku).first()


def products_by_sku(*, skus) -> dict[str, Product]:
    return {p.sku: p for p in Product.objects.filter(sku__in=list(skus))}


def recipe_offers(
    *, recipe_slug: str, store: Store
) -> list[tuple[Product, StoreOffer | None]] | None:
    """Each catalogue product a published recipe uses, with the store's active offer of it (or
    None); None when there is no such recipe with catalogue products. Two queries."""
    products = [
        ingredient.product
        for ingredient in RecipeIngredient.objects.filter(
            recipe__slug=recipe_slug, recipe__is_published=True, product__isnull=False
        )
        .select_related("product")
        .order_by("position", "pk")
    ]
    if not products:
        return None
    offers = {
        offer.product_id: offer
        for offer in StoreOffer.objects.select_related("product", "store").filter(
            store=store, is_active=True, product__in=products
        )
    }
    return [(product, offers.get(product.pk)) for product in products]


@dataclass(frozen=True)
class BarcodeMatch:
    """What a scanned JAN/EAN-13 names: a product, how many pieces it counts (a multipack), and
    for an in-store weight label the grams printed in it."""

    product: Product
    pack_size: int = 1
    grams: int | None = None


def match_barcode(*, barcode: str) -> BarcodeMatch | None:
    """The product a 13-digit code names: its own JAN, a pack's JAN (`ProductBarcode`), or an
    in-store weight label (`2` + 6-digit prefix + 5-digit grams + check digit); None if none.
    At most three queries."""
    product = Product.objects.filter(barcode=barcode).first()
    if product is not None:
        return BarcodeMatch(product=product)
    pack = (
        ProductBarcode.objects.select_related("product")
        .filter(code=barcode, kind=ProductBarcode.Kind.PACK)
        .first()
    )
    if pack is not None:
        return BarcodeMatch(product=pack.product, pack_size=pack.pack_size)
    parts = weight_label_parts(barcode=barcode)
    if parts is not None:
        prefix, grams = parts
        label = (
            ProductBarcode.objects.select_related("product")
            .filter(code=prefix, kind=ProductBarcode.Kind.WEIGHT_LABEL)
            .first()
        )
        if label is not None:
            return BarcodeMatch(product=label.product, grams=grams)
    return None


def weight_label_parts(*, barcode: str) -> tuple[str, int] | None:
    """An in-store weight label's (7-digit prefix, grams), or None when `barcode` cannot be one
    (13 digits starting with 2: prefix, 5-digit grams, check digit)."""
    if len(barcode) == 13 and barcode.isdigit() and barcode.startswith("2"):
        return barcode[:7], int(barcode[7:12])
    return None


def substitute_offers(
    *, store_id: int, category_id: int, zone: str, exclude_offer_id: int, min_available: int
) -> list[StoreOffer]:
    """Active offers of the store in the same category and temperature zone with at least
    `min_available` units free, other than `exclude_offer_id`: the candidates a picker may
    propose for a short line (fulfillment ranks them)."""
    return [
        offer
        for offer in StoreOffer.objects.select_related("product", "store")
        .filter(
            store_id=store_id,
            is_active=True,
            product__category_id=category_id,
            product__zone=zone,
            product__sold_by=Product.SoldBy.PIECE,
        )
        .exclude(pk=exclude_offer_id)
        if offer.stock_available >= min_available
    ]


@dataclass(frozen=True)
class OfferMatch:
    """What a code scanned at a register names in a store: the store's active offer, how many
    pieces one scan counts (a multipack's `pack_size`), and a weight label's grams."""

    offer: StoreOffer
    pack_size: int = 1
    grams: int | None = None


def offer_matches(*, store: Store, codes: Iterable[str]) -> dict[str, OfferMatch]:
    """What each code of a basket names in `store`: code → OfferMatch, for the codes this store
    sells (a code it does not sell is missing from the answer). A code is a product's own
    JAN/EAN-13 (or UPC-A) or SKU, a multipack's JAN, or an in-store weight label.

    One query when every code is a product's own barcode or SKU (the usual basket); two more
    for the packs and weight labels among them, whatever their number."""
    wanted: dict[str, str] = {}  # code as given → the barcode or SKU it names
    for code in codes:
        clean = code.strip()
        if clean.isdigit() and len(clean) in (12, 13):
            wanted[code] = clean.zfill(13)
        elif clean and len(clean) <= 32:
            wanted[code] = clean
    if not wanted:
        return {}
    keys = set(wanted.values()) | {key.upper() for key in wanted.values()}
    by_key: dict[str, StoreOffer] = {}
    for offer in StoreOffer.objects.filter(
        Q(product__barcode__in=keys) | Q(product__sku__in=keys), store=store, is_active=True
    ).select_related("product", "store"):
        by_key.setdefault(offer.product.barcode, offer)
        by_key.setdefault(offer.product.sku, offer)
        by_key.setdefault(offer.product.sku.upper(), offer)
    answer: dict[str, OfferMatch] = {}
    rest: dict[str, str] = {}  # 13-digit codes not a product's own: a pack or a weight label?
    for code, key in wanted.items():
        offer = by_key.get(key) or by_key.get(key.upper())
        if offer is not None:
            answer[code] = OfferMatch(offer=offer)
        elif key.isdigit() and len(key) == 13:
            rest[code] = key
    if not rest:
        return answer
    labels = {code: weight_label_parts(barcode=key) for code, key in rest.items()}
    extra = {
        row.code: row
        for row in ProductBarcode.objects.filter(
            Q(code__in=set(rest.values()), kind=ProductBarcode.Kind.PACK)
            | Q(
                code__in={parts[0] for parts in labels.values() if parts},
                kind=ProductBarcode.Kind.WEIGHT_LABEL,
            )
        )
    }
    if not extra:
        return answer
    offers = offers_of_products(store=store, product_ids={row.product_id for row in extra.values()})
    for code, key in rest.items():
        pack = extra.get(key)
        if pack is not None and pack.kind == ProductBarcode.Kind.PACK:
            if pack.product_id in offers:
                answer[code] = OfferMatch(offer=offers[pack.product_id], pack_size=pack.pack_size)
            continue
        parts = labels[code]
        label = extra.get(parts[0]) if parts else None
        if (
            label is not None
            and label.kind == ProductBarcode.Kind.WEIGHT_LABEL
            and label.product_id in offers
        ):
            answer[code] = OfferMatch(offer=offers[label.product_id], grams=parts[1])
    return answer


# --- Stock ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SoldOutPeriod:
    """From the moment nothing was available until it came back; `ended_at` is None when it had
    not come back by the end of the window asked for."""

    started_at: datetime.datetime
    ended_at: datetime.datetime | None


def sold_out_periods(
    *, offer: StoreOffer, since: datetime.datetime, until: datetime.datetime
) -> list[SoldOutPeriod]:
    """When the offer had nothing available (on hand - reserved <= 0) between `since` and
    `until`, read from the stock ledger alone (each movement stores the values after it).
    A period that began before `since` starts at `since`. With no movement before `since`,
    the offer is taken as it stood before its first movement (or as it stands now, if it has
    none). Two queries."""
    before = (
        StockMovement.objects.filter(offer=offer, created_at__lt=since)
        .order_by("-created_at", "-pk")
        .first()
    )
    movements = list(
        StockMovement.objects.filter(offer=offer, created_at__gte=since, created_at__lt=until)
        .order_by("created_at", "pk")
        .only("created_at", "on_hand_change", "reserved_change", "on_hand_after", "reserved_after")
    )
    if before is not None:
        available = before.available_after
    elif movements:
        available = movements[0].available_before
    else:
        available = offer.stock_available
    periods = []
    started = since if available <= 0 else None
    for movement in movements:
        available = movement.available_after
        if started is None and available <= 0:
            started = movement.created_at
        elif started is not None and available > 0:
            periods.append(SoldOutPeriod(started_at=started, ended_at=movement.created_at))
            started = None
    if started is not None:
        periods.append(SoldOutPeriod(started_at=started, ended_at=None))
    return periods
