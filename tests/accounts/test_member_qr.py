"""The member QR: signed, short-lived, rotating, used once."""

import datetime

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts.member_qr import (
    MemberQrExpired,
    MemberQrInvalid,
    MemberQrUsed,
    issue_member_qr,
    prune_member_qr_uses,
    read_member_qr,
    use_member_qr,
)
from accounts.models import MemberQrUse
from tests import factories

pytestmark = pytest.mark.django_db


def test_every_qr_is_new_and_reads_back_as_its_member():
    member = factories.make_member()
    first, second = issue_member_qr(member=member), issue_member_qr(member=member)
    assert first.token != second.token
    assert first.token.startswith("MQR1.")
    assert read_member_qr(token=first.token).member == member
    assert first.refresh_at - first.issued_at == datetime.timedelta(seconds=60)


def test_a_qr_is_used_once():
    member = factories.make_member()
    token = issue_member_qr(member=member).token
    with transaction.atomic():
        assert use_member_qr(token=token, store_id=None) == member
    with pytest.raises(MemberQrUsed), transaction.atomic():
        use_member_qr(token=token, store_id=None)
    with pytest.raises(MemberQrUsed):
        read_member_qr(token=token)
    assert MemberQrUse.objects.count() == 1


def test_a_use_that_rolls_back_leaves_the_qr_usable():
    member = factories.make_member()
    token = issue_member_qr(member=member).token
    with pytest.raises(RuntimeError), transaction.atomic():
        use_member_qr(token=token, store_id=None)
        raise RuntimeError("the sale failed")
    assert read_member_qr(token=token).member == member


def test_an_expired_qr_is_refused(settings):
    member = factories.make_member()
    token = issue_member_qr(member=member).token
    settings.MEMBER_QR_MAX_AGE_SECONDS = -1  # every QR is already too old
    with pytest.raises(MemberQrExpired) as error:
        read_member_qr(token=token)
    assert error.value.http_status == 410


@pytest.mark.parametrize(
    "token",
    ["", "4901234567894", "MQR1.", "MQR1.eyJtIjoxfQ:1abc:forged", "MQR1." + "x" * 400],
)
def test_forged_or_foreign_codes_are_refused(token):
    with pytest.raises(MemberQrInvalid):
        read_member_qr(token=token)


def test_a_qr_signed_for_something_else_is_refused():
    from django.core import signing

    member = factories.make_member()
    other_salt = signing.TimestampSigner(salt="orders.exit-pass").sign_object(
        {"m": member.pk, "j": "x"}, compress=True
    )
    with pytest.raises(MemberQrInvalid):
        read_member_qr(token="MQR1." + other_salt)


def test_a_deactivated_members_qr_is_refused():
    member = factories.make_member()
    token = issue_member_qr(member=member).token
    member.user.is_active = False
    member.user.save()
    with pytest.raises(MemberQrInvalid):
        read_member_qr(token=token)


def test_old_uses_are_pruned():
    member = factories.make_member()
    with transaction.atomic():
        use_member_qr(token=issue_member_qr(member=member).token, store_id=None)
    MemberQrUse.objects.update(used_at=timezone.now() - datetime.timedelta(hours=1))
    with transaction.atomic():
        use_member_qr(token=issue_member_qr(member=member).token, store_id=None)
    assert prune_member_qr_uses() == 1
    assert MemberQrUse.objects.count() == 1
    # beat runs it hourly
    from django.conf import settings

    from orders.tasks import prune_member_qr_uses as task

    assert settings.CELERY_BEAT_SCHEDULE["prune-member-qr-uses"]["task"] == task.name
    assert task() == 0


def test_the_member_page_and_its_image():
    member = factories.make_member()
    client = Client()
    client.force_login(member.user)
    page = client.get("/me/qr/")
    assert page.status_code == 200
    assert b"member-qr.js" in page.content or b"js/member_qr.js" in page.content
    first, second = client.get("/me/qr.svg"), client.get("/me/qr.svg")
    assert first["Content-Type"] == "image/svg+xml"
    assert first["Cache-Control"] == "no-store"
    assert first.content.startswith(b"<?xml") or b"<svg" in first.content
    assert first.content != second.content  # a new token every time
    expires = datetime.datetime.fromisoformat(first["X-Member-Qr-Expires"])
    assert timezone.now() < expires <= timezone.now() + datetime.timedelta(seconds=121)


def test_the_page_needs_a_member(store):
    client = Client()
    assert client.get("/me/qr.svg").status_code == 302  # to the log-in
    staff = factories.make_staff(store=store)
    client.force_login(staff)
    assert client.get("/me/qr/").status_code == 404
    assert client.get("/me/qr.svg").status_code == 404
