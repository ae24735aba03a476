"""A review is a verified purchase when its member bought the product, whether the review was
written before the purchase (marked when the order is paid) or after it (catalog announces the
new review; orders, which knows the purchases, marks it)."""

import pytest
from django.test import Client

from catalog.models import Review
from orders.models import Order
from tests import factories
from tests.orders.helpers import checkout, confirm, member_with_cart

pytestmark = pytest.mark.django_db(transaction=True)


def write_review_on_the_page(member, offer, rating=5):
    page = Client()
    page.force_login(member.user)
    response = page.post(
        f"/stores/{offer.store.code}/products/{offer.product.sku}/review/",
        {"rating": str(rating), "title": "Lovely", "text": "Bought it twice."},
    )
    assert response.status_code == 302
    return page


def test_a_review_written_after_the_purchase_is_verified_on_the_page():
    # given a member who bought the product
    store = factories.make_store()
    offer = factories.make_offer(store=store)
    member, client = member_with_cart(offer)
    assert confirm(client, checkout(client, store)).status_code == 200

    # when they review it afterwards
    page = write_review_on_the_page(member, offer)

    # then the review is a verified purchase, and the page says so
    assert Review.objects.get(member=member, product=offer.product).verified_purchase is True
    html = page.get(f"/stores/{store.code}/products/{offer.product.sku}/").content.decode()
    assert "Verified purchase" in html


def test_a_review_after_an_unpaid_or_cancelled_order_is_not_verified():
    store = factories.make_store()
    offer = factories.make_offer(store=store)
    unpaid_member, unpaid_client = member_with_cart(offer)
    checkout(unpaid_client, store, channel="pickup")
    cancelled_member, cancelled_client = member_with_cart(offer)
    response = checkout(cancelled_client, store, channel="pickup")
    confirm(cancelled_client, response)
    cancelled_client.post(f"/api/v1/orders/{response.json()['number']}/cancel/")
    assert Order.objects.get(number=response.json()["number"]).status == "cancelled"
    stranger = factories.make_member()

    for member in (unpaid_member, cancelled_member, stranger):
        write_review_on_the_page(member, offer)

    assert list(Review.objects.filter(verified_purchase=True)) == []


def test_a_review_written_before_the_purchase_is_verified_when_it_is_paid():
    store = factories.make_store()
    offer = factories.make_offer(store=store)
    member, client = member_with_cart(offer)
    write_review_on_the_page(member, offer)
    assert Review.objects.get(member=member).verified_purchase is False

    confirm(client, checkout(client, store))

    assert Review.objects.get(member=member).verified_purchase is True
