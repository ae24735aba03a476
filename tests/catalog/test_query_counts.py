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
    # a first visit elsewhere: both measured requests carry the device cookie, and neither finds
    # its product's content in the cache
    client.get(path(quiet_label(store).code))

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


@pytest.mark.parametrize("kind", ["page", "api"])
def test_a_second_visit_reads_the_content_from_the_cache(client, store, kind):
    # given a busy product seen once
    busy = busy_label(store)
    path = PATHS[kind]
    first = queries_of(client, path(busy.code))

    # when it is seen again
    again = queries_of(client, path(busy.code))

    # then only the label (with its live price and stock) is read from the database
    assert again == 1 < first


def test_a_new_review_shows_at_once_despite_the_cache(
    client, store, django_capture_on_commit_callbacks
):
    from catalog import services

    label = busy_label(store)
    client.get(label_path(label.code))  # the content is cached now
    member = factories.make_member()

    with django_capture_on_commit_callbacks(execute=True):
        services.write_review(
            product=label.offer.product, member_id=member.pk, rating=5, title="Brand new"
        )

    assert "Brand new" in client.get(label_path(label.code)).content.decode()
