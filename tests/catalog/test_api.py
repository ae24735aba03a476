import datetime

import pytest
from django.utils import timezone

from catalog.models import Review
from tests import factories
from tests.catalog.helpers import error_code, flushed_scans, scan_api_path

pytestmark = pytest.mark.django_db


def labelled(store, **offer_fields):
    return factories.make_label(offer=factories.make_offer(store=store, **offer_fields))


def reviews_url(product) -> str:
    return f"/api/v1/products/{product.sku}/reviews/"


def search(api_client, store, **params):
    return api_client.get(f"/api/v1/stores/{store.code}/products/", params)


def skus(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["sku"] for row in response.json()["results"]]


# --- Stores ---------------------------------------------------------------------------------------


def test_store_list_shows_active_stores_with_location_and_currency(api_client):
    factories.make_store(
        code="tokyo-ginza",
        name="OMO Ginza",
        latitude="35.671700",
        longitude="139.765000",
        currency="JPY",
        delivery_radius_m=2500,
    )
    factories.make_store(code="closed-store", is_active=False)

    response = api_client.get("/api/v1/stores/")

    assert response.status_code == 200
    [ginza] = response.json()
    assert ginza["code"] == "tokyo-ginza"
    assert ginza["name"] == "OMO Ginza"
    assert (ginza["latitude"], ginza["longitude"]) == (35.6717, 139.765)
    assert ginza["address"]
    assert ginza["currency"] == "JPY"
    assert ginza["delivery_radius_m"] == 2500


# --- Scan -----------------------------------------------------------------------------------------


def test_scan_returns_the_product_page_as_json(api_client, store):
    # given a marked-down product with a review and a recipe
    product = factories.make_product(
        name_en="Shinshu Soba 360g", name_ja="信州そば 360g", origin="Nagano, Japan"
    )
    ends = timezone.now() + datetime.timedelta(hours=5)
    label = labelled(
        store,
        product=product,
        price=1280,
        markdown_price=980,
        markdown_ends_at=ends,
        stock_on_hand=3,
        aisle="B3",
        bay=2,
    )
    factories.make_review(product=product, rating=4, title="Nutty", text="<b>good</b>")
    tofu = factories.make_offer(store=store, aisle="C4").product
    factories.make_recipe(slug="soba-bowl", ingredients=[product, tofu, "salt"])

    # when the app scans the label
    response = api_client.get(scan_api_path(label.code))

    # then it gets what the page shows
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == label.code
    assert body["store"] == {"code": store.code, "name": store.name, "currency": "JPY"}
    assert body["product"]["sku"] == product.sku
    assert body["product"]["name"] == {"en": "Shinshu Soba 360g", "ja": "信州そば 360g"}
    assert body["product"]["origin"] == "Nagano, Japan"
    offer = body["offer"]
    assert offer["price"] == {"amount": 980, "currency": "JPY", "formatted": "¥980"}
    assert offer["regular_price"] == {"amount": 1280, "currency": "JPY", "formatted": "¥1,280"}
    assert (offer["stock_state"], offer["aisle"], offer["bay"]) == ("low", "B3", 2)
    assert body["markdown"]["price"]["formatted"] == "¥980"
    assert body["markdown"]["regular_price"]["amount"] == 1280
    assert datetime.datetime.fromisoformat(body["markdown"]["ends_at"]) == ends
    assert body["rating"]["average"] == 4.0 and body["rating"]["count"] == 1
    assert body["rating"]["distribution"]["4"] == 1
    [review] = body["reviews"]
    assert (review["rating"], review["title"], review["text"]) == (4, "Nutty", "<b>good</b>")
    assert body["reviews_more"] is False
    [recipe] = body["recipes"]
    assert recipe["slug"] == "soba-bowl"
    assert [i["sku"] for i in recipe["ingredients"]] == [product.sku, tofu.sku, None]
    assert recipe["ingredients"][1]["aisle"] == "C4"
    assert recipe["ingredients"][1]["in_this_store"] is True
    assert recipe["ingredients"][2]["name"]["en"] == "salt"


def test_scan_gives_origin_and_producer_in_english_and_japanese(api_client, store):
    product = factories.make_product(
        origin="Saitama, Japan",
        origin_ja="埼玉県",
        producer="Chichibu Tofu Works",
        producer_ja="秩父豆腐工房",
    )
    untranslated = factories.make_product(origin="Norway", producer="Bergen Pelagic Co.")

    bodies = [
        api_client.get(scan_api_path(labelled(store, product=p).code)).json()["product"]
        for p in (product, untranslated)
    ]

    fields = ("origin", "origin_ja", "producer", "producer_ja")
    assert [tuple(body[f] for f in fields) for body in bodies] == [
        ("Saitama, Japan", "埼玉県", "Chichibu Tofu Works", "秩父豆腐工房"),
        ("Norway", "", "Bergen Pelagic Co.", ""),  # blank: the app shows the English
    ]


def test_scan_without_markdown_has_no_markdown(api_client, store):
    label = labelled(store, price=298)

    body = api_client.get(scan_api_path(label.code)).json()

    assert body["markdown"] is None
    assert body["offer"]["regular_price"] is None
    assert body["offer"]["price"]["formatted"] == "¥298"
    assert body["rating"] == {
        "average": None,
        "count": 0,
        "distribution": {"5": 0, "4": 0, "3": 0, "2": 0, "1": 0},
    }


def test_scan_of_unknown_inactive_or_other_store_labels_is_a_404(api_client, store):
    inactive_label = labelled(store)
    inactive_label.is_active = False
    inactive_label.save()
    inactive_offer = labelled(store, is_active=False)
    good = labelled(store)
    other = factories.make_store()

    for path in [
        scan_api_path("ZZZZZZZZZZ"),
        scan_api_path("<script>"),
        scan_api_path("A" * 200),
        scan_api_path(inactive_label.code),
        scan_api_path(inactive_offer.code),
        scan_api_path(good.code) + f"?store={other.code}",
        scan_api_path(good.code) + "?store=no-such-store",
    ]:
        response = api_client.get(path)
        assert response.status_code == 404, path
        assert error_code(response) == "not_found", path

    assert api_client.get(scan_api_path(good.code) + f"?store={store.code}").status_code == 200


def test_scan_with_an_unknown_source_is_a_400_and_records_nothing(api_client, store):
    label = labelled(store)

    response = api_client.get(scan_api_path(label.code), {"source": "telepathy"})

    assert response.status_code == 400
    assert error_code(response) == "invalid_request"
    assert flushed_scans() == []


# --- Search ---------------------------------------------------------------------------------------


@pytest.fixture
def shelf(store):
    """A small store: soba (ambient, noodles), tofu (chilled), and salmon (seafood)."""
    noodles = factories.make_category(slug="noodles")
    return {
        "soba": factories.make_offer(
            store=store,
            product=factories.make_product(
                name_en="Shinshu Soba 360g", name_ja="信州そば 360g", category=noodles
            ),
        ).product,
        "udon": factories.make_offer(
            store=store,
            product=factories.make_product(
                name_en="Sanuki Udon", name_ja="讃岐うどん", category=noodles, zone="chilled"
            ),
        ).product,
        "salmon": factories.make_offer(
            store=store,
            product=factories.make_product(
                name_en="Salmon Fillet", name_ja="鮭の切り身", zone="seafood"
            ),
        ).product,
    }


def test_search_by_english_name_is_case_insensitive(api_client, store, shelf):
    assert skus(search(api_client, store, q="SOBA")) == [shelf["soba"].sku]


def test_search_by_japanese_name(api_client, store, shelf):
    assert skus(search(api_client, store, q="うどん")) == [shelf["udon"].sku]


def test_search_by_barcode(api_client, store, shelf):
    assert len(shelf["salmon"].barcode) == 13
    assert skus(search(api_client, store, q=shelf["salmon"].barcode)) == [shelf["salmon"].sku]


def test_search_by_sku(api_client, store, shelf):
    assert skus(search(api_client, store, q=shelf["udon"].sku.lower())) == [shelf["udon"].sku]


def test_search_by_zone_and_category(api_client, store, shelf):
    assert skus(search(api_client, store, zone="seafood")) == [shelf["salmon"].sku]
    # by English name: "Sanuki Udon" before "Shinshu Soba"
    assert skus(search(api_client, store, category="noodles")) == [
        shelf["udon"].sku,
        shelf["soba"].sku,
    ]
    assert skus(search(api_client, store, category="noodles", zone="chilled")) == [
        shelf["udon"].sku
    ]


def test_search_shows_only_this_stores_active_offers(api_client, store, shelf):
    other = factories.make_store()
    factories.make_offer(store=other, product=factories.make_product(name_en="Soba Tsuyu"))
    factories.make_offer(
        store=store, product=factories.make_product(name_en="Soba Chaya"), is_active=False
    )

    assert skus(search(api_client, store, q="soba")) == [shelf["soba"].sku]


def test_search_result_shape(api_client, store, shelf):
    [row] = search(api_client, store, q="soba").json()["results"]

    assert row["name"] == {"en": "Shinshu Soba 360g", "ja": "信州そば 360g"}
    assert row["barcode"] == shelf["soba"].barcode
    assert row["category"] == "noodles"
    assert row["price"] == {"amount": 298, "currency": "JPY", "formatted": "¥298"}
    assert row["stock_state"] == "in_stock"


def test_search_pages_by_twenty(api_client, store):
    for n in range(25):
        factories.make_offer(store=store, product=factories.make_product(name_en=f"Paged {n:02d}"))

    first = search(api_client, store, q="paged").json()
    second = api_client.get(first["next"]).json()

    assert first["count"] == 25 and len(first["results"]) == 20
    assert "page=2" in first["next"]
    assert len(second["results"]) == 5 and second["next"] is None
    names = [r["name"]["en"] for r in first["results"] + second["results"]]
    assert names == [f"Paged {n:02d}" for n in range(25)]


def test_search_in_an_unknown_store_is_a_404(api_client):
    response = api_client.get("/api/v1/stores/no-such-store/products/", {"q": "soba"})

    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_search_with_a_bad_zone_is_a_400(api_client, store):
    response = search(api_client, store, zone="lukewarm")

    assert response.status_code == 400
    assert error_code(response) == "validation_error"


# --- Reviews: reading -----------------------------------------------------------------------------


def test_reviews_are_listed_newest_first_without_hidden_ones(api_client):
    product = factories.make_product()
    now = timezone.now()
    for age, title in enumerate(["Newest", "Hidden", "Oldest"]):
        review = factories.make_review(
            product=product, title=title, status="hidden" if title == "Hidden" else "published"
        )
        Review.objects.filter(pk=review.pk).update(created_at=now - datetime.timedelta(days=age))

    response = api_client.get(reviews_url(product))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [r["title"] for r in body["results"]] == ["Newest", "Oldest"]


def test_reviews_of_an_unknown_product_are_a_404(api_client):
    response = api_client.get("/api/v1/products/NO-SUCH-SKU/reviews/")

    assert response.status_code == 404
    assert error_code(response) == "not_found"


# --- Reviews: writing -----------------------------------------------------------------------------


def as_member(api_client, **user_fields):
    member = factories.make_member(**user_fields)
    api_client.force_login(member.user)
    return member


def post_review(api_client, product, **data):
    return api_client.post(reviews_url(product), data, format="json")


def test_member_posts_a_review(api_client):
    product = factories.make_product()
    member = as_member(api_client, display_name="Hanako")

    response = post_review(api_client, product, rating=5, title=" Great ", text="Fresh.")

    assert response.status_code == 201
    body = response.json()
    assert (body["rating"], body["title"], body["text"]) == (5, "Great", "Fresh.")
    assert body["author"] == "Hanako"
    review = Review.objects.get()
    assert (review.product, review.member, review.rating) == (product, member, 5)


def test_anonymous_cannot_post_a_review(api_client):
    product = factories.make_product()

    response = post_review(api_client, product, rating=5)

    assert response.status_code in (401, 403)
    assert error_code(response) == "not_authenticated"
    assert not Review.objects.exists()


def test_staff_without_a_member_profile_cannot_post_a_review(api_client, store):
    api_client.force_login(factories.make_staff(store=store, role="manager"))
    product = factories.make_product()

    response = post_review(api_client, product, rating=5)

    assert response.status_code == 403
    assert error_code(response) == "forbidden"
    assert not Review.objects.exists()


@pytest.mark.parametrize("rating", [0, 6, "five", 1.5, "", None, True])
def test_a_rating_outside_1_to_5_is_a_400(api_client, rating):
    product = factories.make_product()
    as_member(api_client)

    response = post_review(api_client, product, rating=rating)

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert not Review.objects.exists()


def test_a_missing_rating_is_a_400(api_client):
    product = factories.make_product()
    as_member(api_client)

    response = post_review(api_client, product, title="No stars")

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("field", "limit"), [("title", Review.TITLE_MAX), ("text", Review.TEXT_MAX)]
)
def test_over_long_title_or_text_is_a_400(api_client, field, limit):
    product = factories.make_product()
    as_member(api_client)

    too_long = post_review(api_client, product, rating=4, **{field: "x" * (limit + 1)})

    assert too_long.status_code == 400
    assert error_code(too_long) == "validation_error"
    assert not Review.objects.exists()
    assert post_review(api_client, product, rating=4, **{field: "x" * limit}).status_code == 201


def test_control_characters_are_a_400(api_client):
    product = factories.make_product()
    as_member(api_client)

    response = post_review(api_client, product, rating=4, title="bell\x07")

    assert response.status_code == 400
    assert error_code(response) == "invalid_review"
    assert not Review.objects.exists()


def test_a_second_post_updates_the_members_review(api_client):
    product = factories.make_product()
    as_member(api_client)

    first = post_review(api_client, product, rating=2, title="Meh")
    second = post_review(api_client, product, rating=5, title="Grew on me")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    review = Review.objects.get()
    assert (review.rating, review.title) == (5, "Grew on me")


def test_a_hidden_review_cannot_be_edited_by_its_author(api_client):
    product = factories.make_product()
    member = as_member(api_client)
    factories.make_review(product=product, member=member, title="Rude", status="hidden")

    response = post_review(api_client, product, rating=5, title="Nice now")

    assert response.status_code == 403
    assert error_code(response) == "forbidden"
    assert Review.objects.get().title == "Rude"


def test_html_is_kept_as_text_in_json(api_client):
    product = factories.make_product()
    as_member(api_client)
    html = '<script>alert("x")</script><img src=x onerror=alert(1)>'

    posted = post_review(api_client, product, rating=3, title="<b>bold</b>", text=html)
    listed = api_client.get(reviews_url(product)).json()["results"][0]

    assert posted.status_code == 201
    assert posted["Content-Type"].startswith("application/json")
    assert (posted.json()["title"], posted.json()["text"]) == ("<b>bold</b>", html)
    assert (listed["title"], listed["text"]) == ("<b>bold</b>", html)


def test_the_sixth_review_post_within_a_minute_is_rate_limited(api_client):
    # given a member who has posted (or updated) five times
    product = factories.make_product()
    as_member(api_client)
    statuses = [post_review(api_client, product, rating=n).status_code for n in range(1, 6)]
    assert statuses == [201, 200, 200, 200, 200]

    # when they post a sixth time
    response = post_review(api_client, product, rating=1, title="Once more")

    # then it is refused and the review keeps the fifth version
    assert response.status_code == 429
    assert error_code(response) == "rate_limited"
    review = Review.objects.get()
    assert (review.rating, review.title) == (5, "")


def test_the_rate_limit_is_per_member(api_client):
    from rest_framework.test import APIClient

    product = factories.make_product()
    as_member(api_client)
    for _ in range(6):
        post_review(api_client, product, rating=3)

    other = APIClient()
    as_member(other)

    assert post_review(other, product, rating=4).status_code == 201


def test_search_gives_the_unit_price_of_a_pack_and_of_goods_by_weight(api_client, store):
    factories.make_offer(
        store=store,
        product=factories.make_product(name_en="Koshihikari Rice 5kg", net_content_grams=5000),
        price=4280,
    )
    factories.make_offer(
        store=store, product=factories.make_product(name_en="Rice by weight", sold_by="weight")
    )
    factories.make_offer(store=store, product=factories.make_product(name_en="Rice paddle"))
    rows = {row["name"]["en"]: row for row in search(api_client, store, q="rice").json()["results"]}
    assert rows["Koshihikari Rice 5kg"]["unit_price"] == {
        "price": {"amount": 86, "currency": "JPY", "formatted": "¥86"},
        "per": "100 g",
    }
    assert rows["Rice by weight"]["unit_price"]["price"]["amount"] == 298
    assert rows["Rice paddle"]["unit_price"] is None
