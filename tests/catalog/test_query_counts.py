"""The product page and the scan API run a fixed number of queries, however many reviews and
recipes (and recipe ingredients) the product has."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.catalog.helpers import label_path, scan_api_path

pytestmark = pytest.mark.django_db

MAX_QUERIES = 12
REVIEWS, RECIPES, INGREDIENTS_PER_RECIPE = 50, 10, 4


def busy_label(store):
    """A label whose product has 50 reviews and 10 recipes of 4 other products sold here."""
    label = factories.make_label(offer=factories.make_offer(store=store))
    product = label.offer.product
    for n in range(REVIEWS):
        factories.make_review(product=product, rating=n % 5 + 1, title=f"Review {n}")
    for _ in range(RECIPES):
        others = [
            factories.make_offer(store=store, aisle=f"B{n}", bay=n + 1).product
            for n in range(INGREDIENTS_PER_RECIPE)
        ]
        factories.make_recipe(ingredients=[product, *others, "salt"])
    return label


def quiet_label(store):
    """A label whose product has no review and no recipe."""
    return factories.make_label(offer=factories.make_offer(store=store))


def queries_of(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content[:500]
    return len(queries)


def as_who(client, who: str):
    if who == "member":
        client.force_login(factories.make_member().user)
    return client


PATHS = {"page": label_path, "api": scan_api_path}


@pytest.mark.parametrize("who", ["anonymous", "member"])
@pytest.mark.parametrize("kind", ["page", "api"])
def test_queries_do_not_grow_with_reviews_and_recipes(client, store, kind, who):
    # given a product with nothing and one with 50 reviews and 10 recipes
    client = as_who(client, who)
    quiet, busy = quiet_label(store), busy_label(store)
    path = PATHS[kind]
    client.get(path(quiet.code))  # a first visit: both measured requests carry the device cookie

    # when each is opened
    quiet_count = queries_of(client, path(quiet.code))
    busy_count = queries_of(client, path(busy.code))

    # then both run the same, small number of queries
    assert busy_count == quiet_count
    assert busy_count <= MAX_QUERIES


@pytest.mark.parametrize("who", ["anonymous", "member"])
@pytest.mark.parametrize("kind", ["page", "api"])
def test_queries_do_not_grow_from_one_review_and_recipe_to_many(client, store, kind, who):
    # given a product with one review and one recipe, and one with 50 reviews and 10 recipes
    client = as_who(client, who)
    one = quiet_label(store)
    factories.make_review(product=one.offer.product)
    factories.make_recipe(
        ingredients=[one.offer.product, factories.make_offer(store=store).product, "salt"]
    )
    busy = busy_label(store)
    path = PATHS[kind]

    # then opening either runs the same number of queries
    assert queries_of(client, path(busy.code)) == queries_of(client, path(one.code))
