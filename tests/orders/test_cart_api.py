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
