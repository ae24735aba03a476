"""The demo store has enough in it to try every part of a scan: reviews, recipes, labels."""

import pytest
from django.core.management import call_command

from accounts.models import Member, User
from catalog.models import (
    Product,
    Recipe,
    RecipeIngredient,
    Review,
    ShelfLabel,
    Store,
    StoreOffer,
)

pytestmark = pytest.mark.django_db

DEMO_STORE = "tokyo-nihonbashi"
COUNTED = [Store, Product, StoreOffer, ShelfLabel, Review, Recipe, RecipeIngredient, User, Member]


def load_demo():
    call_command("load_demo_store", stdout=None)
    return Store.objects.get(code=DEMO_STORE)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_demo_store_has_recipes_of_its_own_products():
    store = load_demo()
    offered = set(StoreOffer.objects.filter(store=store).values_list("product_id", flat=True))

    cookable = [
        recipe
        for recipe in Recipe.objects.filter(is_published=True).prefetch_related("ingredients")
        if (products := {i.product_id for i in recipe.ingredients.all() if i.product_id})
        and products <= offered
    ]

    assert len(cookable) >= 12


def test_most_demo_products_have_reviews():
    store = load_demo()
    offered = Product.objects.filter(offers__store=store)

    reviewed = offered.filter(reviews__status=Review.Status.PUBLISHED).distinct().count()

    assert offered.count() > 0
    assert reviewed >= 0.7 * offered.count()


def test_every_demo_offer_has_exactly_one_active_label():
    store = load_demo()

    offers = StoreOffer.objects.filter(store=store)
    labelled = ShelfLabel.objects.filter(offer__store=store, is_active=True)

    assert offers.count() > 0
    assert labelled.count() == offers.count()
    assert set(labelled.values_list("offer_id", flat=True)) == set(
        offers.values_list("pk", flat=True)
    )


def test_reloading_the_demo_changes_no_counts_and_keeps_label_codes():
    load_demo()
    before, codes = counts(), set(ShelfLabel.objects.values_list("code", flat=True))

    load_demo()

    assert counts() == before
    assert set(ShelfLabel.objects.values_list("code", flat=True)) == codes


def test_a_demo_label_opens_its_product_page_with_reviews(client):
    store = load_demo()
    product = (
        Product.objects.filter(
            offers__store=store, reviews__isnull=False, recipe_uses__isnull=False
        )
        .distinct()
        .first()
    )
    label = ShelfLabel.objects.get(offer__product=product, offer__store=store, is_active=True)

    html = client.get(f"/s/{label.code}").content.decode()

    assert product.name_en in html
    assert 'id="review-list"' in html and 'class="review-title"' in html
    assert 'id="recipes"' in html


def test_demo_net_contents_are_what_the_names_state():
    from catalog.demo_data import net_content_grams

    assert net_content_grams("Niigata Koshihikari Rice 5kg") == 5000
    assert net_content_grams("Sanuki Udon Dried Noodles 400g") == 400
    assert net_content_grams("Koikuchi Soy Sauce 1L") == 1000
    assert net_content_grams("Craft Lager 350ml 6-Pack") == 2100
    assert net_content_grams("Free-Range Eggs 10 Pack") is None
    assert net_content_grams("Melon Pan") is None


def test_demo_volumes_are_counted_in_millilitres():
    from catalog.demo_data import net_content_unit

    assert net_content_unit("Koikuchi Soy Sauce 1L") == "ml"
    assert net_content_unit("Craft Lager 350ml 6-Pack") == "ml"
    assert net_content_unit("Shizuoka Sencha Loose Leaf 100g") == "g"
    assert net_content_unit("Melon Pan") == "g"


def test_demo_packs_carry_the_net_content_their_names_state():
    load_demo()
    contents = dict(Product.objects.values_list("sku", "net_content_grams"))
    assert contents["AMB-001"] == 5000  # Niigata Koshihikari Rice 5kg
    assert contents["AMB-004"] == 400  # Sanuki Udon Dried Noodles 400g
    assert Product.objects.filter(sold_by="weight", net_content_grams__isnull=False).count() == 0


def test_every_demo_origin_and_producer_has_its_japanese():
    from catalog.demo_data import ORIGINS_JA, PRODUCERS_JA, PRODUCTS

    origins = {item["origin"] for item in PRODUCTS}
    producers = {item["producer"] for item in PRODUCTS}

    assert origins - ORIGINS_JA.keys() == set()
    assert producers - PRODUCERS_JA.keys() == set()
    assert (len(origins), len(producers)) == (54, 151)  # and no entry for nothing
    assert origins == ORIGINS_JA.keys() and producers == PRODUCERS_JA.keys()
    japanese = [*ORIGINS_JA.values(), *PRODUCERS_JA.values()]
    assert all(not name.isascii() for name in japanese)  # none left in English by mistake
    assert len(set(PRODUCERS_JA.values())) == len(PRODUCERS_JA)  # no two producers one name


def test_loading_the_demo_again_fills_the_japanese_origin_and_producer():
    from catalog.demo_data import ORIGINS_JA, PRODUCERS_JA

    load_demo()
    Product.objects.update(origin_ja="", producer_ja="")  # a demo database from before 0009

    load_demo()

    for origin, origin_ja, producer, producer_ja in Product.objects.values_list(
        "origin", "origin_ja", "producer", "producer_ja"
    ):
        assert (origin_ja, producer_ja) == (ORIGINS_JA[origin], PRODUCERS_JA[producer])
