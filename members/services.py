"""Writes of members: closing an account (every app's part), favourites, points, notifications."""

from __future__ import annotations

from django.db import transaction

from accounts import services as account_services
from accounts.models import Member
from orders.services.privacy import anonymise_member_orders


@transaction.atomic
def close_account(*, member: Member) -> None:
    """Delete the member's account (APPI / GDPR style): the person can no longer log in; their
    favourites, points, messages and push subscriptions are deleted; their orders, wallet ledger
    and reviews stay (the books; what others read), with no name, email or delivery address left
    on them or on the account."""
    anonymise_member_orders(member=member)
    account_services.anonymise_user(user=member.user)
