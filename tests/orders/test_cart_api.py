import pytest

from orders.models import Cart, CartLine
from tests import factories
from tests.orders.helpers import add, member_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(store):
    return factories.make_offer(store=store, price=298, stock_on_hand=10)


def test_the_server_prices_the_cart_and_ignores_a_client_price(offer):
    client = member_client(factories.make_member())

    response = client.post(
        "/api/v1/cart/lines/",
        {
            "store": offer.store.code,
            "sku": offer.product.sku,
            "quantity": 3,
            "price": 1,
            "total": 1,
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["lines"][0]["unit_price"] == {"amount": 298, "currency": "JPY", "formatted": "¥298"}
    assert body["total"]["amount"] == 894


def test_adding_twice_adds_up_on_one_line(offer):
    client = member_client(factories.make_member())
    add(client, offer, 2)
    body = add(client, offer, 3).json()
    assert [line["quantity"] for line in body["lines"]] == [5]


@pytest.mark.parametrize("quantity", [0, -1, 10**9, 1.5, "1e3", "two", None, True, 100])
def test_bad_quantities_are_refused_and_change_nothing(offer, quantity):
    client = member_client(factories.make_member())
    response = client.post(
        "/api/v1/cart/lines/",
        {"store": offer.store.code, "sku": offer.product.sku, "quantity": quantity},
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] in {"validation_error", "invalid_quantity"}
    assert not CartLine.objects.exists()


def test_products_sold_by_weight_take_grams(store):
    offer = factories.make_offer(
        store=store,
        product=factories.make_product(sold_by="weight"),
        price=398,
        stock_on_hand=5000,  # grams
    )
    client = member_client(factories.make_member())
    assert add(client, offer, 30).status_code == 400  # under 50 g
    body = add(client, offer, 250).json()
    assert body["lines"][0]["line_total"]["amount"] == 995  # 398 per 100 g x 250 g


def test_unknown_sku_and_unknown_store_are_404(offer):
    client = member_client(factories.make_member())
    unknown = client.post(
        "/api/v1/cart/lines/",
        {"store": offer.store.code, "sku": "NOPE-1", "quantity": 1},
        format="json",
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "unknown_product"
    assert client.get("/api/v1/cart/?store=nowhere").status_code == 404


def test_another_members_cart_line_is_404_and_untouched(offer):
    owner = member_client(factories.make_member())
    line_id = add(owner, offer, 2).json()["lines"][0]["id"]
    intruder = member_client(factories.make_member())

    assert (
        intruder.patch(f"/api/v1/cart/lines/{line_id}/", {"quantity": 9}, format="json").status_code
        == 404
    )
    assert intruder.delete(f"/api/v1/cart/lines/{line_id}/").status_code == 404
    assert CartLine.objects.get(pk=line_id).quantity == 2


def test_edit_and_remove_a_line(offer):
    client = member_client(factories.make_member())
    line_id = add(client, offer, 2).json()["lines"][0]["id"]
    assert (
        client.patch(f"/api/v1/cart/lines/{line_id}/", {"quantity": 4}, format="json").json()[
            "total"
        ]["amount"]
        == 298 * 4
    )
    assert client.delete(f"/api/v1/cart/lines/{line_id}/").json()["lines"] == []


def test_anonymous_cart_merges_into_the_members_cart_at_login(client, offer):
    # given an anonymous shopper with 2 in their cookie cart, and a member cart holding 1
    member = factories.make_member()
    factories.make_offer(store=offer.store)
    response = client.post(
        "/api/v1/cart/lines/",
        {"store": offer.store.code, "sku": offer.product.sku, "quantity": 2},
        content_type="application/json",
    )
    assert response.status_code == 201
    member_cart = Cart.objects.create(store=offer.store, member=member)
    CartLine.objects.create(cart=member_cart, offer=offer, quantity=1)

    # when they log in
    assert (
        client.post(
            "/login/", {"username": member.user.email, "password": factories.PASSWORD}
        ).status_code
        == 302
    )

    # then there is one cart, with 3
    body = client.get(f"/api/v1/cart/?store={offer.store.code}").json()
    assert [line["quantity"] for line in body["lines"]] == [3]
    assert Cart.objects.filter(member__isnull=True).count() == 0


def test_add_all_ingredients_of_a_recipe(store):
    rice, egg, gone = (factories.make_offer(store=store) for _ in range(3))
    gone.stock_on_hand = 0
    gone.save()
    elsewhere = factories.make_product()
    recipe = factories.make_recipe(ingredients=[rice.product, egg.product, gone.product, elsewhere])
    client = member_client(factories.make_member())

    response = client.post(
        f"/api/v1/cart/recipes/{recipe.slug}/", {"store": store.code}, format="json"
    )

    assert response.status_code == 201
    skus = {line["sku"] for line in response.json()["lines"]}
    assert skus == {rice.product.sku, egg.product.sku}


# --- Quantities are never changed behind the shopper's back --------------------------------------


@pytest.fixture
def grams(store):
    return factories.make_offer(
        store=store,
        product=factories.make_product(sold_by="weight"),
        price=398,
        stock_on_hand=2000,
    )


@pytest.mark.parametrize(
    ("which", "quantity", "limits"),
    [
        ("pieces", 0, {"min": 1, "max": 99, "unit": "pieces"}),
        ("pieces", 2.5, {"min": 1, "max": 99, "unit": "pieces"}),
        ("grams", 7, {"min": 50, "max": 5000, "unit": "grams"}),
        ("grams", 50.5, {"min": 50, "max": 5000, "unit": "grams"}),
    ],
)
def test_a_quantity_outside_the_limits_is_refused_with_the_limits_not_rounded(
    offer, grams, which, quantity, limits
):
    client = member_client(factories.make_member())
    target = offer if which == "pieces" else grams

    response = add(client, target, quantity)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_quantity"
    assert error["details"] == limits
    assert str(limits["min"]) in error["message"] and str(limits["max"]) in error["message"]
    assert not CartLine.objects.exists()


def test_a_whole_number_sent_as_3_0_is_3(offer):
    client = member_client(factories.make_member())
    assert [line["quantity"] for line in add(client, offer, 3.0).json()["lines"]] == [3]


def test_setting_a_line_to_0_removes_it_and_a_bad_quantity_changes_nothing(offer, grams):
    client = member_client(factories.make_member())
    add(client, offer, 2)
    body = add(client, grams, 300).json()
    piece_line, gram_line = (line["id"] for line in body["lines"])

    refused = client.patch(f"/api/v1/cart/lines/{gram_line}/", {"quantity": 7}, format="json")
    removed = client.patch(f"/api/v1/cart/lines/{piece_line}/", {"quantity": 0}, format="json")

    assert refused.status_code == 400
    assert refused.json()["error"]["details"]["min"] == 50
    assert CartLine.objects.get(pk=gram_line).quantity == 300
    assert removed.status_code == 200
    assert [line["id"] for line in removed.json()["lines"]] == [gram_line]
    assert not CartLine.objects.filter(pk=piece_line).exists()


def test_adding_more_than_is_available_says_how_many_are_left_at_once(store):
    offer = factories.make_offer(store=store, stock_on_hand=5, stock_reserved=2)
    client = member_client(factories.make_member())
    assert add(client, offer, 2).status_code == 201

    too_many = add(client, offer, 2)  # 4 in the cart, 3 available

    assert too_many.status_code == 409
    error = too_many.json()["error"]
    assert error["code"] == "insufficient_stock"
    assert error["details"] == {
        "sku": offer.product.sku,
        "available": 3,
        "requested": 4,
        "unit": "pieces",
    }
    assert "Only 3" in error["message"]
    line = CartLine.objects.get()
    assert line.quantity == 2
    # raising the line beyond it is refused the same way; lowering is always fine
    raised = client.patch(f"/api/v1/cart/lines/{line.pk}/", {"quantity": 4}, format="json")
    assert raised.status_code == 409
    lowered = client.patch(f"/api/v1/cart/lines/{line.pk}/", {"quantity": 1}, format="json")
    assert lowered.status_code == 200


def test_a_sold_out_product_is_refused_in_japanese_for_a_japanese_shopper(store):
    offer = factories.make_offer(store=store, stock_on_hand=0)
    client = member_client(factories.make_member())

    response = client.post(
        "/api/v1/cart/lines/",
        {"store": store.code, "sku": offer.product.sku, "quantity": 1},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ja",
    )

    assert response.status_code == 409
    assert response.json()["error"]["details"]["available"] == 0
    assert "売り切れ" in response.json()["error"]["message"]


def test_the_cart_says_the_limits_and_the_stock_rule(offer):
    client = member_client(factories.make_member())
    body = add(client, offer, 1).json()

    assert body["lines"][0]["limits"] == {"min": 1, "max": 99, "unit": "pieces"}
    assert body["lines"][0]["available"] == 10
    assert "Scan & go" in body["stock_rule"]
