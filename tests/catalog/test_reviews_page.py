"""Writing a review from the product page: a plain form post, with CSRF as a browser meets it."""

import pytest
from django.test import Client

from catalog.models import Review
from tests import factories
from tests.catalog.helpers import csrf_token_in, label_path

pytestmark = pytest.mark.django_db

INVALID_RATING = "The rating must be a whole number from 1 to 5."


@pytest.fixture
def label(store):
    product = factories.make_product(name_en="Shinshu Soba 360g")
    return factories.make_label(offer=factories.make_offer(store=store, product=product))


def browser(user=None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def form_url(label) -> str:
    offer = label.offer
    return f"/stores/{offer.store.code}/products/{offer.product.sku}/review/"


def post_form(client, label, **fields):
    """Open the label's page (as the shopper would), then post the review form with the CSRF
    token. The label page is the same for everyone and carries no token (its script takes the
    cookie's); any page rendered for the reader has it (the scanner's, here)."""
    assert client.get(label_path(label.code)).status_code == 200
    token = csrf_token_in(client.get("/scan/"))
    data = {"csrfmiddlewaretoken": token, **fields}
    return client.post(form_url(label), data)


def test_member_posts_a_review_and_sees_it_at_once(label):
    # given a member on the product page
    member = factories.make_member(display_name="Hanako")
    client = browser(member.user)

    # when they post the form
    response = post_form(client, label, rating="4", title="Nutty", text="Good <b>cold</b>.")

    # then they are sent back to the product page (not the label URL: coming back is no new
    # scan), where their review is listed and editable
    assert response.status_code == 302
    product_path = f"/stores/{label.offer.store.code}/products/{label.offer.product.sku}/"
    assert response["Location"] == f"{product_path}#my-review"
    html = client.get(response["Location"]).content.decode()
    assert '<strong class="review-title">Nutty</strong>' in html
    assert "Good &lt;b&gt;cold&lt;/b&gt;." in html
    assert "Thank you: your review is on the page." in html
    assert "Update review" in html
    review = Review.objects.get()
    assert (review.member, review.product, review.rating) == (member, label.offer.product, 4)


def test_posting_again_updates_the_review(label):
    member = factories.make_member()
    client = browser(member.user)

    post_form(client, label, rating="2", title="Meh")
    post_form(client, label, rating="5", title="Grew on me")

    review = Review.objects.get()
    assert (review.rating, review.title) == (5, "Grew on me")


@pytest.mark.parametrize(
    "rating",
    ["0", "6", "five", "", "4.5", "²"],
    ids=["zero", "six", "word", "empty", "decimal", "superscript-two"],
)
def test_an_invalid_rating_shows_the_page_again_with_the_error(label, rating):
    client = browser(factories.make_member().user)

    response = post_form(client, label, rating=rating, title="Kept")

    assert response.status_code == 400
    html = response.content.decode()
    assert INVALID_RATING in html
    assert '<h1 id="product-name">Shinshu Soba 360g</h1>' in html
    assert not Review.objects.exists()


def test_an_over_long_title_shows_the_error_and_saves_nothing(label):
    client = browser(factories.make_member().user)

    response = post_form(client, label, rating="4", title="x" * (Review.TITLE_MAX + 1))

    assert response.status_code == 400
    assert "The title is too long" in response.content.decode()
    assert not Review.objects.exists()


def test_anonymous_is_sent_to_log_in(label):
    client = browser()

    response = post_form(client, label, rating="5")

    assert response.status_code == 302
    product_path = f"/stores/{label.offer.store.code}/products/{label.offer.product.sku}/"
    assert response["Location"] == f"/login/?next={product_path}"
    assert not Review.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(label):
    client = browser(factories.make_member().user)

    response = client.post(form_url(label), {"rating": "5", "back": label_path(label.code)})

    assert response.status_code == 403
    assert not Review.objects.exists()


def test_a_back_field_to_another_site_is_ignored(label):
    client = browser(factories.make_member().user)

    response = post_form(client, label, rating="5", back="https://evil.example/s/x")

    offer = label.offer
    assert response.status_code == 302
    assert response["Location"] == (
        f"/stores/{offer.store.code}/products/{offer.product.sku}/#my-review"
    )
