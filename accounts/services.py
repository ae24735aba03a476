"""Writes of accounts: sign-up, profile, language, saved addresses, closing an account."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import DeliveryAddress, Member, User, new_member_code
from omostore.errors import Conflict, NotFound

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

MAX_ADDRESSES = 10


class EmailTaken(Conflict):
    code = "email_taken"


@dataclass(frozen=True)
class SignUpOutcome:
    """`user` is the new (not yet active) user, or None when the email already had an account."""

    user: User | None


@transaction.atomic
def start_sign_up(*, email: str, password: str, display_name: str = "") -> SignUpOutcome:
    """A new user, inactive until the owner of the email confirms (`confirm_sign_up`).

    An email that already has an unconfirmed account (never logged in) gets the new password and
    name: whoever reads that inbox decides, so a stranger cannot squat an address. An email with a
    confirmed account changes nothing (the caller tells its owner by email, never on the page)."""
    email = email.strip().lower()
    existing = User.objects.select_for_update().filter(email__iexact=email).first()
    if existing is not None:
        if existing.is_active or existing.last_login is not None:
            return SignUpOutcome(user=None)
        existing.set_password(password)
        existing.display_name = display_name.strip()
        existing.save(update_fields=["password", "display_name"])
        Member.objects.get_or_create(user=existing)
        return SignUpOutcome(user=existing)
    try:
        member = register_member(email=email, password=password, display_name=display_name)
    except EmailTaken:
        return SignUpOutcome(user=None)
    User.objects.filter(pk=member.user_id).update(is_active=False)
    member.user.is_active = False
    return SignUpOutcome(user=member.user)


@transaction.atomic
def confirm_sign_up(*, user: User) -> User:
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def register_member(*, email: str, password: str, display_name: str = "") -> Member:
    """A new user with a member profile. Raises EmailTaken (the caller must not say so to the
    person signing up: that would tell anyone which emails have an account)."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken(_("An account with this email already exists."))
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, display_name=display_name.strip()
            )
    except IntegrityError as error:  # two sign-ups at once with the same email
        raise EmailTaken(_("An account with this email already exists.")) from error
    return Member.objects.create(user=user)


_UNCHANGED = object()


def _known_language(language: str | None) -> str | None:
    return language if language in dict(settings.LANGUAGES) else None


def update_profile(
    *,
    user: User,
    display_name: str,
    home_store_id: object = _UNCHANGED,
    language: str | None = None,
) -> User:
    """The user's name and (for a member) home store and language; `home_store_id=None` clears
    the store, `language=None` (or an unknown code) leaves the language as it is."""
    user.display_name = display_name.strip()
    user.save(update_fields=["display_name"])
    member = getattr(user, "member", None)
    if member is None:
        return user
    changed = []
    if home_store_id is not _UNCHANGED:
        member.home_store_id = home_store_id
        changed.append("home_store")
    language = _known_language(language)
    if language is not None and language != member.language:
        member.language = language
        changed.append("language")
    if changed:
        member.save(update_fields=changed)
    return user


def choose_language(*, user: User | AnonymousUser | None, language: str) -> bool:
    """The member chose `language` (the language link, the language form): keep it for what is
    written for them later. Anonymous users, staff without a member profile and unknown codes
    change nothing. One UPDATE that writes only when the language changes; True when it did."""
    language = _known_language(language)
    if language is None or user is None or not user.is_authenticated:
        return False
    return bool(
        Member.objects.filter(user_id=user.pk).exclude(language=language).update(language=language)
    )


def remember_first_language(*, user: User | None, language: str | None) -> bool:
    """At log-in: the language the request was served in becomes the member's, unless they have
    one already (a choice made on another device is not undone by this browser's default)."""
    language = _known_language(language)
    if language is None or user is None or not user.is_authenticated:
        return False
    return bool(Member.objects.filter(user_id=user.pk, language="").update(language=language))


class TooManyAddresses(Conflict):
    code = "too_many_addresses"


@transaction.atomic
def save_address(
    *, member: Member, label: str, address: str, latitude: Decimal, longitude: Decimal
) -> DeliveryAddress:
    # Lock the member so two tabs cannot both save the eleventh address.
    Member.objects.select_for_update().get(pk=member.pk)
    if DeliveryAddress.objects.filter(member=member).count() >= MAX_ADDRESSES:
        raise TooManyAddresses(
            _("You can keep up to %(n)d addresses: delete one first.") % {"n": MAX_ADDRESSES}
        )
    return DeliveryAddress.objects.create(
        member=member,
        label=label.strip(),
        address=address.strip(),
        latitude=latitude,
        longitude=longitude,
    )


def delete_address(*, member: Member, address_id: int) -> None:
    deleted, _rows = DeliveryAddress.objects.filter(member=member, pk=address_id).delete()
    if not deleted:
        raise NotFound(_("No such address."))


@transaction.atomic
def anonymise_user(*, user: User) -> None:
    """Close the account for good: the person can no longer log in and nothing left in accounts
    says who they were. The User and Member rows stay (orders point at them for the books), with a
    placeholder email, no password, no name, a new member code and no addresses or API keys.
    Other apps delete or anonymise their own data (members' `close_account` calls them)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.email = f"deleted-{user.pk}@invalid.omostore"
    user.display_name = ""
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    member = getattr(user, "member", None)
    if member is not None:
        member.addresses.all().delete()
        member.member_code = new_member_code()
        member.home_store = None
        member.language = ""
        member.save(update_fields=["member_code", "home_store", "language"])
    user.api_tokens.all().delete()
