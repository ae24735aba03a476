"""The member QR: what a member shows at a staffed register to link the sale to their history
and, when they choose the wallet, to authorise the charge.

A QR is a signed, timestamped token (`django.core.signing.TimestampSigner`, its own salt) holding
the member's id and a random token id. The app asks for a new one every
`MEMBER_QR_ROTATE_SECONDS`; the register accepts one for `MEMBER_QR_MAX_AGE_SECONDS`, and only
once: `use_member_qr` writes the token id into `MemberQrUse`, whose unique constraint makes a
second use (a replay, or the same QR scanned at two registers at once) fail, inside the sale's
own transaction, so a sale that fails leaves the QR unused.

Tokens start with `MQR1.` so a register tells them apart from a product's barcode at a glance.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from accounts.models import Member, MemberQrUse
from omostore.errors import DomainError

MEMBER_QR_SALT = "accounts.member-qr"
MEMBER_QR_PREFIX = "MQR1."


class MemberQrInvalid(DomainError):
    code = "member_qr_invalid"
    http_status = status.HTTP_400_BAD_REQUEST


class MemberQrExpired(DomainError):
    code = "member_qr_expired"
    http_status = status.HTTP_410_GONE


class MemberQrUsed(DomainError):
    code = "member_qr_used"
    http_status = status.HTTP_409_CONFLICT


@dataclass(frozen=True)
class MemberQr:
    token: str
    issued_at: datetime.datetime
    refresh_at: datetime.datetime
    expires_at: datetime.datetime


@dataclass(frozen=True)
class ScannedMemberQr:
    member: Member
    token_id: str


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=MEMBER_QR_SALT)


def looks_like_member_qr(text: str) -> bool:
    return text.strip().startswith(MEMBER_QR_PREFIX)


def issue_member_qr(*, member: Member) -> MemberQr:
    """A fresh member QR token; every call makes a new one (a new token id)."""
    now = timezone.now()
    body = _signer().sign_object({"m": member.pk, "j": secrets.token_urlsafe(12)}, compress=True)
    return MemberQr(
        token=MEMBER_QR_PREFIX + body,
        issued_at=now,
        refresh_at=now + datetime.timedelta(seconds=settings.MEMBER_QR_ROTATE_SECONDS),
        expires_at=now + datetime.timedelta(seconds=settings.MEMBER_QR_MAX_AGE_SECONDS),
    )


def read_member_qr(*, token: str) -> ScannedMemberQr:
    """Check a token's signature and age, and that it was not used yet (without using it).
    Raises MemberQrInvalid, MemberQrExpired or MemberQrUsed."""
    text = (token or "").strip()
    if not text.startswith(MEMBER_QR_PREFIX) or len(text) > 300:
        raise MemberQrInvalid(_("This is not a member QR."))
    try:
        data = _signer().unsign_object(
            text[len(MEMBER_QR_PREFIX) :], max_age=settings.MEMBER_QR_MAX_AGE_SECONDS
        )
    except signing.SignatureExpired:
        raise MemberQrExpired(
            _("This member QR has expired: ask the member to show the new one in the app.")
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise MemberQrInvalid(_("This is not a member QR.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("j"), str):
        raise MemberQrInvalid(_("This is not a member QR."))
    member = (
        Member.objects.select_related("user").filter(pk=data.get("m"), user__is_active=True).first()
    )
    if member is None:
        raise MemberQrInvalid(_("This member QR belongs to no active member."))
    if MemberQrUse.objects.filter(token_id=data["j"]).exists():
        raise MemberQrUsed(
            _("This member QR was already used: ask the member to show the new one in the app.")
        )
    return ScannedMemberQr(member=member, token_id=data["j"])


def use_member_qr(*, token: str, store_id: int | None) -> Member:
    """Use a member QR once: check it as `read_member_qr` does and record its token id. Needs
    the caller's transaction, so that what the QR authorised and its use commit together; a
    second use, even at the same moment from another register, raises MemberQrUsed."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("use_member_qr needs a transaction")
    scanned = read_member_qr(token=token)
    try:
        with transaction.atomic():
            MemberQrUse.objects.create(
                token_id=scanned.token_id, member=scanned.member, store_id=store_id
            )
    except IntegrityError:
        raise MemberQrUsed(
            _("This member QR was already used: ask the member to show the new one in the app.")
        ) from None
    return scanned.member


def prune_member_qr_uses() -> int:
    """Forget uses of QRs that expired anyway (a replay of them fails on its age)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=2 * settings.MEMBER_QR_MAX_AGE_SECONDS)
    deleted, _rows = MemberQrUse.objects.filter(used_at__lt=cutoff).delete()
    return deleted
