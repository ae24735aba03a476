"""The demo store: a Tokyo store selling in JPY, its catalogue and one account per role.

Idempotent: running it again updates the catalogue in place and creates nothing twice; live stock
of existing offers is left as it is. Refused in production.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from accounts.models import Member, User
from catalog import demo_content, demo_data
from catalog.barcodes import make_jan
from catalog.models import Category, Product, Recipe, RecipeIngredient, Review, StoreOffer
from catalog.services import labels_for_offers, receive_stock
from fulfillment.models import Rider
from payments import services as payment_services
from stores.models import StaffRole, Store
from stores.services import grant_store_role

DEMO_PASSWORD = "omostore-demo"  # noqa: S105 (published demo log-in, refused in production)
DEMO_STORE_CODE = "tokyo-nihonbashi"
DEMO_ACCOUNTS: list[tuple[str, str]] = [
    ("shopper@example.com", "member (shopper)"),
    ("picker@example.com", "picker and packer at the Nihonbashi store (/staff/: the pick queue)"),
    ("packer@example.com", "packer at the Nihonbashi store (/staff/: the packing station)"),
    ("counter@example.com", "pickup counter and exit staff at the Nihonbashi store (/staff/)"),
    ("rider@example.com", "rider for the Nihonbashi store"),
    ("manager@example.com", "store manager (Django admin)"),
]
_ZONE_DIGIT = {"ambient": 1, "chilled": 2, "frozen": 3, "produce": 4, "seafood": 5}
# A GS1 Japan company prefix of our own for the demo's JAN codes.
_DEMO_JAN_PREFIX = "4591234"


class DemoRefusedInProduction(Exception):
    """The demo store's published log-ins must never exist in production."""


def demo_barcode(sku: str, zone: str) -> str:
    """Stable per SKU, so reloading keeps every printed barcode valid."""
    return make_jan(
        company_prefix=_DEMO_JAN_PREFIX, item_number=_ZONE_DIGIT[zone] * 1000 + int(sku[-3:])
    )


def load_demo_store() -> Store:
    if settings.PRODUCTION:
        raise DemoRefusedInProduction("the demo store is never loaded in production")
    return _load_everything()


@transaction.atomic
def _load_everything() -> Store:
    store = _load_store()
    _load_catalogue(store)
    _load_accounts(store)
    _load_reviews()
    _load_recipes()
    labels_for_offers(offers=StoreOffer.objects.filter(store=store).order_by("pk"))
    return store


def _load_store() -> Store:
    store, _ = Store.objects.update_or_create(
        code=DEMO_STORE_CODE,
        defaults={
            "name": "OMO Fresh Nihonbashi",
            "name_ja": "OMOフレッシュ 日本橋店",
            "address": "1-4-1 Nihonbashi, Chuo-ku, Tokyo 103-0027",
            "latitude": Decimal("35.682200"),
            "longitude": Decimal("139.773300"),
            "time_zone": "Asia/Tokyo",
            "currency": "JPY",
            "delivery_radius_m": 3000,
            "opens_at": datetime.time(7, 0),
            "closes_at": datetime.time(23, 0),
        },
    )
    return store


def _load_catalogue(store: Store) -> None:
    categories = {}
    for slug, name_en, name_ja in demo_data.CATEGORIES:
        categories[slug], _ = Category.objects.update_or_create(
            slug=slug, defaults={"name_en": name_en, "name_ja": name_ja}
        )
    for item in demo_data.PRODUCTS:
        product, _ = Product.objects.update_or_create(
            sku=item["sku"],
            defaults={
                "barcode": demo_barcode(item["sku"], item["zone"]),
                "name_en": item["name_en"],
                "name_ja": item["name_ja"],
                "description_en": item["description_en"],
                "description_ja": item["description_ja"],
                "category": categories[item["category"]],
                "zone": item["zone"],
                "origin": item["origin"],
                "origin_ja": demo_data.ORIGINS_JA[item["origin"]],
                "producer": item["producer"],
                "producer_ja": demo_data.PRODUCERS_JA[item["producer"]],
                "sold_by": item["sold_by"],
                "net_content_grams": (
                    demo_data.net_content_grams(item["name_en"])
                    if item["sold_by"] == "piece"
                    else None
                ),
                "net_content_unit": demo_data.net_content_unit(item["name_en"]),
            },
        )
        offer, created = StoreOffer.objects.get_or_create(
            store=store,
            product=product,
            defaults={"price": item["price"], "aisle": item["aisle"], "bay": item["bay"]},
        )
        # Products sold by weight count their stock in grams (the data gives 100 g units). The
        # opening stock comes in as a delivery, so the ledger explains every unit from the start.
        units = item["stock"] * 100 if item["sold_by"] == "weight" else item["stock"]
        if created and units:
            receive_stock(offer=offer, units=units, actor=None, reason="opening stock")


def _demo_user(email: str, **fields) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, **fields)
    return user


def _load_accounts(store: Store) -> None:
    shopper = _demo_user("shopper@example.com", display_name="Hanako Sato")
    member, _ = Member.objects.get_or_create(user=shopper, defaults={"home_store": store})
    _top_up_wallet(member)
    picker = _demo_user("picker@example.com", display_name="Kenta Ito")
    grant_store_role(user=picker, store=store, role=StaffRole.Role.PICKER)
    grant_store_role(user=picker, store=store, role=StaffRole.Role.PACKER)
    packer = _demo_user("packer@example.com", display_name="Sota Kobayashi")
    grant_store_role(user=packer, store=store, role=StaffRole.Role.PACKER)
    counter = _demo_user("counter@example.com", display_name="Mei Yamamoto")
    grant_store_role(user=counter, store=store, role=StaffRole.Role.EXIT)
    rider = _demo_user("rider@example.com", display_name="Yuki Tanaka")
    grant_store_role(user=rider, store=store, role=StaffRole.Role.RIDER)
    Rider.objects.get_or_create(
        user=rider,
        store=store,
        defaults={
            "display_name": "Yuki Tanaka",
            "vehicle": Rider.Vehicle.BICYCLE,
            "duty": Rider.Duty.ON_DUTY,
            "phone": "+81 90 1234 5678",
        },
    )
    manager = _demo_user("manager@example.com", display_name="Aiko Watanabe")
    grant_store_role(user=manager, store=store, role=StaffRole.Role.MANAGER)
    grant_store_role(user=manager, store=store, role=StaffRole.Role.EXIT)


def _load_reviews() -> None:
    """Reviews on most products from a dozen demo shoppers, the same on every reload."""
    members = []
    for email, display_name in demo_content.REVIEWERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=None, display_name=display_name)
        members.append(Member.objects.get_or_create(user=user)[0])
    if Review.objects.filter(member__in=members).exists():
        return  # already loaded; managers may have moderated them since
    rng = random.Random(20261124)  # noqa: S311 (demo data, not security)
    reviews = []
    for product in Product.objects.order_by("sku"):
        if rng.random() < 0.15:
            continue  # a few products have no review yet
        for member in rng.sample(members, rng.randint(1, 6)):
            rating, title, text = rng.choice(demo_content.REVIEW_TEMPLATES)
            reviews.append(
                Review(
                    product=product,
                    member=member,
                    rating=rating,
                    title=title,
                    text=text,
                    verified_purchase=rng.random() < 0.6,
                )
            )
    Review.objects.bulk_create(reviews)


def _load_recipes() -> None:
    products = {p.sku: p for p in Product.objects.all()}
    for item in demo_content.RECIPES:
        recipe, _ = Recipe.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "title_en": item["title_en"],
                "title_ja": item["title_ja"],
                "summary_en": item["summary_en"],
                "summary_ja": item["summary_ja"],
                "steps_en": item["steps_en"],
                "steps_ja": item["steps_ja"],
                "servings": item["servings"],
                "minutes": item["minutes"],
            },
        )
        recipe.ingredients.all().delete()
        RecipeIngredient.objects.bulk_create(
            RecipeIngredient(
                recipe=recipe,
                product=products.get(ingredient.get("sku", "")),
                text=ingredient.get("text", ""),
                quantity=ingredient.get("quantity", ""),
                position=position,
            )
            for position, ingredient in enumerate(item["ingredients"])
        )


DEMO_WALLET_TOP_UP = 20_000


def _top_up_wallet(member: Member) -> None:
    """The demo shopper starts with ¥20,000 of stored value, topped up through the test
    provider like any member's (the same payment and webhook code path)."""
    if payment_services.wallet_balance(member=member).amount > 0:
        return
    payment = payment_services.start_top_up(
        member=member,
        amount=DEMO_WALLET_TOP_UP,
        method="test",
        idempotency_key=f"demo-top-up:{member.member_code}",
    )
    if payment.status == payment.Status.PENDING:
        payment_services.confirm_test_payment(payment=payment, outcome="succeed")
