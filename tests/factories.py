"""Test data in one place: small functions that make valid objects with overridable fields."""

import datetime
import functools
import itertools
import secrets
from decimal import Decimal

from django.contrib.auth.hashers import make_password

from accounts.models import Member, User
from catalog.barcodes import make_jan
from catalog.models import (
    Category,
    Product,
    Recipe,
    RecipeIngredient,
    Review,
    ShelfLabel,
    StoreOffer,
)
from payments.models import Payment, PaymentMethod, WalletAccount, WalletEntry
from stores.models import StaffRole, Store
from stores.services import grant_store_role

_sequence = itertools.count(1)
PASSWORD = "correct horse battery staple"


def make_store(**fields) -> Store:
    n = next(_sequence)
    defaults = {
        "code": f"store-{n}",
        "name": f"Test Store {n}",
        "address": "1-1 Test-cho, Chuo-ku, Tokyo",
        "latitude": Decimal("35.682200"),
        "longitude": Decimal("139.773300"),
        "currency": "JPY",
        "opens_at": datetime.time(0, 0),
        "closes_at": datetime.time(0, 0),  # around the clock
    }
    return Store.objects.create(**{**defaults, **fields})


@functools.cache
def _password_hash() -> str:
    """PASSWORD hashed once: the real hasher takes a quarter of a second per user."""
    return make_password(PASSWORD)


def make_user(**fields) -> User:
    n = next(_sequence)
    fields.setdefault("email", f"user{n}@example.com")
    user = User.objects.create_user(password=None, **fields)
    user.password = _password_hash()
    User.objects.filter(pk=user.pk).update(password=user.password)
    return user


def make_member(**fields) -> Member:
    return Member.objects.create(user=make_user(**fields))


def make_staff(*, store: Store, role: str = StaffRole.Role.PICKER, **fields) -> User:
    user = make_user(**fields)
    grant_store_role(user=user, store=store, role=role)
    return user


def make_category(**fields) -> Category:
    n = next(_sequence)
    defaults = {"slug": f"category-{n}", "name_en": f"Category {n}", "name_ja": f"カテゴリ{n}"}
    return Category.objects.create(**{**defaults, **fields})


def make_product(**fields) -> Product:
    n = next(_sequence)
    defaults = {
        "sku": f"TST-{n:05d}",
        "barcode": make_jan(company_prefix="4999999", item_number=n),
        "name_en": f"Test product {n}",
        "name_ja": f"テスト商品{n}",
        "zone": "ambient",
    }
    if "category" not in fields:
        fields["category"] = make_category()
    return Product.objects.create(**{**defaults, **fields})


def make_offer(*, store: Store, product: Product | None = None, **fields) -> StoreOffer:
    defaults = {"price": 298, "stock_on_hand": 10, "aisle": "A1", "bay": 1}
    return StoreOffer.objects.create(
        store=store, product=product or make_product(), **{**defaults, **fields}
    )


# --- Catalogue: shelf labels, reviews, recipes ----------------------------------------------------


def make_label(*, offer: StoreOffer | None = None, **fields) -> ShelfLabel:
    """A shelf label (its code generated) for `offer`, or for a new offer in a new store."""
    return ShelfLabel.objects.create(offer=offer or make_offer(store=make_store()), **fields)


def make_review(*, product: Product, member: Member | None = None, **fields) -> Review:
    defaults = {"rating": 4, "title": "Tasty", "text": "Would buy again."}
    return Review.objects.create(
        product=product, member=member or make_member(), **{**defaults, **fields}
    )


def make_recipe(*, ingredients: tuple | list = (), **fields) -> Recipe:
    """A published recipe; each ingredient is a catalogue product or free text."""
    n = next(_sequence)
    defaults = {
        "slug": f"recipe-{n}",
        "title_en": f"Test recipe {n}",
        "title_ja": f"テストレシピ{n}",
        "summary_en": "Quick and simple.",
        "summary_ja": "手早く簡単。",
        "steps_en": ["Prepare.", "Cook."],
        "steps_ja": ["準備する。", "調理する。"],
    }
    recipe = Recipe.objects.create(**{**defaults, **fields})
    for position, item in enumerate(ingredients):
        if isinstance(item, Product):
            RecipeIngredient.objects.create(
                recipe=recipe, product=item, quantity="1", position=position
            )
        else:
            RecipeIngredient.objects.create(recipe=recipe, text=item, position=position)
    return recipe


# --- Payments -------------------------------------------------------------------------------------


def make_wallet(
    *, member: Member | None = None, balance: int = 0, currency: str = "JPY"
) -> WalletAccount:
    """A member's wallet holding `balance`, its ledger opened by one top-up entry so that the
    entries always sum to the balance."""
    account = WalletAccount.objects.create(
        member=member or make_member(), currency=currency, balance=balance
    )
    if balance:
        WalletEntry.objects.create(
            account=account,
            kind=WalletEntry.Kind.TOP_UP,
            amount=balance,
            balance_after=balance,
            idempotency_key=f"factory-top-up:{next(_sequence)}",
        )
    return account


def make_payment(
    *, member: Member | None = None, method: str = PaymentMethod.TEST, **fields
) -> Payment:
    """A payment as `start_payment` leaves it (pending, with a provider reference for the test
    and card providers); pass `status` and friends to make any other state."""
    n = next(_sequence)
    prefix = {PaymentMethod.TEST: "testpi_", PaymentMethod.CARD: "pi_"}.get(method)
    defaults = {
        "reference": f"ORD-{n:06d}",
        "amount": 1000,
        "currency": "JPY",
        "idempotency_key": f"factory-payment:{n}",
        "provider_ref": f"{prefix}{secrets.token_hex(8)}" if prefix else "",
    }
    return Payment.objects.create(
        member=member or make_member(), method=method, **{**defaults, **fields}
    )
