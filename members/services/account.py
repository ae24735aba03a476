"""Closing an account (every app's part) and favourites."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import Member
from catalog import selectors as catalog_selectors
from members.models import (
    Favourite,
    InboxMessage,
    NotificationPreference,
    PointsAccount,
    PointsEntry,
    PointsGrant,
    PushSubscription,
)
from omostore.errors import NotFound
from orders.services.privacy import anonymise_member_orders


@transaction.atomic
def close_account(*, member: Member) -> None:
    """Delete the member's account (APPI / GDPR style): the person can no longer log in; their
    favourites, points, messages and push subscriptions are deleted; their orders, wallet ledger
    and reviews stay (the books; what others read), with no name, email or delivery address left
    on them or on the account."""
    Favourite.objects.filter(member=member).delete()
    InboxMessage.objects.filter(member=member).delete()
    PushSubscription.objects.filter(member=member).delete()
    NotificationPreference.objects.filter(member=member).delete()
    PointsGrant.objects.filter(member=member).delete()
    PointsEntry.objects.filter(member=member).delete()
    PointsAccount.objects.filter(member=member).delete()
    anonymise_member_orders(member=member)
    account_services.anonymise_user(user=member.user)


class ProductNotFound(NotFound):
    code = "product_not_found"


def add_favourite(*, member: Member, sku: str) -> Favourite:
    """Heart a product; hearting it again is a no-op (the same row)."""
    product = catalog_selectors.product_by_sku(sku=sku)
    if product is None:
        raise ProductNotFound(_("No such product."))
    favourite, _created = Favourite.objects.get_or_create(member=member, product=product)
    return favourite


def remove_favourite(*, member: Member, sku: str) -> None:
    """Un-heart a product; a product that was not a favourite is a no-op."""
    Favourite.objects.filter(member=member, product__sku=sku).delete()
