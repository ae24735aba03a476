import datetime
import re

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Review, ShelfLabel, StoreOffer
from omostore.money import Money
from tests import factories

pytestmark = pytest.mark.django_db

LABEL_CODE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}$")


def refused_by_the_database(create):
    """True when the database itself refuses the row (the transaction stays usable)."""
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


# --- Store offers ---------------------------------------------------------------------------------


def test_stock_on_hand_cannot_be_negative(store):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_offer(store=store, stock_on_hand=-1)

    offer = factories.make_offer(store=store, stock_on_hand=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        StoreOffer.objects.filter(pk=offer.pk).update(stock_on_hand=-1)


def test_stock_reserved_cannot_exceed_stock_on_hand(store):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_offer(store=store, stock_on_hand=3, stock_reserved=4)

    offer = factories.make_offer(store=store, stock_on_hand=3, stock_reserved=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        StoreOffer.objects.filter(pk=offer.pk).update(stock_on_hand=2)
    offer.refresh_from_db()
    assert (offer.stock_on_hand, offer.stock_reserved, offer.stock_available) == (3, 3, 0)


def test_markdown_price_must_be_below_the_price(store):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_offer(store=store, price=298, markdown_price=298)
    assert factories.make_offer(store=store, price=298, markdown_price=297).markdown_price == 297


# --- Reviews --------------------------------------------------------------------------------------


@pytest.mark.parametrize("rating", [0, 6])
def test_review_rating_outside_1_to_5_is_refused_by_the_database(rating):
    product, member = factories.make_product(), factories.make_member()

    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(product=product, member=member, rating=rating)

    assert not Review.objects.exists()


@pytest.mark.parametrize("rating", [1, 5])
def test_review_ratings_1_and_5_are_accepted(rating):
    review = Review.objects.create(
        product=factories.make_product(), member=factories.make_member(), rating=rating
    )
    assert Review.objects.get(pk=review.pk).rating == rating


def test_one_review_per_member_and_product():
    product, member = factories.make_product(), factories.make_member()
    factories.make_review(product=product, member=member)

    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(product=product, member=member, rating=2)

    # The same member may review another product, and another member this one.
    factories.make_review(product=factories.make_product(), member=member)
    factories.make_review(product=product)
    assert Review.objects.filter(product=product).count() == 2


# --- Shelf labels ---------------------------------------------------------------------------------


def test_label_codes_are_ten_characters_of_the_unambiguous_alphabet_and_unique(store):
    labels = [factories.make_label(offer=factories.make_offer(store=store)) for _ in range(40)]

    codes = [label.code for label in labels]
    assert all(LABEL_CODE.match(code) for code in codes), codes
    assert len(set(codes)) == len(codes)
    assert labels[0].get_absolute_url() == f"/s/{labels[0].code}"


def test_label_code_is_unique_in_the_database(store):
    first = factories.make_label(offer=factories.make_offer(store=store))

    assert refused_by_the_database(
        lambda: ShelfLabel.objects.create(offer=factories.make_offer(store=store), code=first.code)
    )
    assert ShelfLabel.objects.filter(code=first.code).count() == 1


# --- Markdowns ------------------------------------------------------------------------------------


def test_markdown_is_active_only_within_its_window_and_current_price_follows(store):
    # given a ¥298 offer marked down to ¥198 from 10:00 to 20:00
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
    ends = starts + datetime.timedelta(hours=10)
    offer = factories.make_offer(
        store=store,
        price=298,
        markdown_price=198,
        markdown_starts_at=starts,
        markdown_ends_at=ends,
    )
    second = datetime.timedelta(seconds=1)

    # then the markdown applies from its start up to (not including) its end
    assert not offer.markdown_active(starts - second)
    assert offer.markdown_active(starts)
    assert offer.markdown_active(ends - second)
    assert not offer.markdown_active(ends)
    assert offer.current_price(starts - second) == Money(298, "JPY")
    assert offer.current_price(starts + second) == Money(198, "JPY")
    assert offer.current_price(ends) == Money(298, "JPY")
    # and now, a day before it starts, the shopper pays the regular price
    assert not offer.markdown_active()
    assert offer.current_price().format() == "¥298"


def test_open_ended_markdown_is_active_now_and_no_markdown_never_is(store):
    open_ended = factories.make_offer(store=store, price=1280, markdown_price=980)
    plain = factories.make_offer(store=store, price=1280)

    assert open_ended.markdown_active()
    assert open_ended.current_price() == Money(980, "JPY")
    assert not plain.markdown_active()
    assert plain.current_price().format() == "¥1,280"


def test_current_price_is_in_the_store_currency():
    store = factories.make_store(currency="USD")
    offer = factories.make_offer(store=store, price=1999)

    assert offer.current_price().format() == "$19.99"
