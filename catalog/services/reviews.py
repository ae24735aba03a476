"""Reviews: written by members, moderated by managers, marked verified when bought."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from catalog import signals
from catalog.errors import InvalidReview
from catalog.models import Product, Review
from catalog.selectors import bump_content_version
from omostore.domain_events import send_after_commit
from omostore.errors import Forbidden


def _clean_text(value: str, *, field: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise InvalidReview(f"The {field} is too long (at most {limit} characters).")
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value):
        raise InvalidReview(f"The {field} contains control characters.")
    return value


@transaction.atomic
def write_review(
    *, product: Product, member_id: int, rating: int, title: str = "", text: str = ""
) -> tuple[Review, bool]:
    """Create the member's review of the product, or update it: one review per member and
    product. Text is stored as written and escaped wherever it is shown. Returns (review,
    created)."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidReview("The rating must be a whole number from 1 to 5.")
    title = _clean_text(title, field="title", limit=Review.TITLE_MAX)
    text = _clean_text(text, field="text", limit=Review.TEXT_MAX)
    review = Review.objects.select_for_update().filter(product=product, member_id=member_id).first()
    if review is not None:
        if review.status == Review.Status.HIDDEN:
            raise Forbidden("This review was hidden by a moderator and can no longer be edited.")
        review.rating, review.title, review.text = rating, title, text
        review.save(update_fields=["rating", "title", "text", "updated_at"])
        transaction.on_commit(lambda: bump_content_version(product_ids=[product.pk]))
        return review, False
    try:
        with transaction.atomic():
            review = Review.objects.create(
                product=product, member_id=member_id, rating=rating, title=title, text=text
            )
        transaction.on_commit(lambda: bump_content_version(product_ids=[product.pk]))
        # Catalog cannot see purchases (orders sits above it): orders hears this and marks the
        # review a verified purchase if the member already bought the product.
        send_after_commit(
            signals.review_written,
            sender=Review,
            review_id=review.pk,
            product_id=product.pk,
            member_id=member_id,
        )
    except IntegrityError:  # the same member's other tab got there first
        return write_review(
            product=product, member_id=member_id, rating=rating, title=title, text=text
        )
    return review, True


def moderate_reviews(*, review_ids: Iterable[int], status: str, moderator_id: int) -> int:
    if status not in Review.Status.values:
        raise InvalidReview(f"unknown review status {status!r}")
    reviews = Review.objects.filter(pk__in=list(review_ids))
    product_ids = list(reviews.values_list("product_id", flat=True))
    changed = reviews.update(status=status, moderated_by_id=moderator_id, updated_at=timezone.now())
    bump_content_version(product_ids=product_ids)
    return changed


def mark_verified_purchases(*, product_ids: Iterable[int] | QuerySet, member_id: int) -> int:
    """Called by orders when a member has bought the products, in any channel: one UPDATE for
    the whole order. `product_ids` may be a queryset of one column (used as a subquery)."""
    if not isinstance(product_ids, QuerySet):
        product_ids = list(product_ids)
    reviews = Review.objects.filter(
        product_id__in=product_ids, member_id=member_id, verified_purchase=False
    )
    reviewed = list(reviews.values_list("product_id", "pk"))
    if not reviewed:
        return 0
    changed = reviews.update(verified_purchase=True)
    product_ids = [product_id for product_id, _ in reviewed]
    transaction.on_commit(lambda: bump_content_version(product_ids=product_ids))
    send_after_commit(
        signals.reviews_verified,
        sender=Review,
        member_id=member_id,
        product_ids=product_ids,
        review_ids=[pk for _, pk in reviewed],
    )
    return changed
