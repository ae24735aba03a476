"""Who is logged in, read back on every request: the session (omostore/sessions.py) and the user
with their member profile (accounts/backends.py) each in one plain query instead of the ORM's.
They must say exactly what Django's own engine and ModelBackend say."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.backends import MemberModelBackend, user_with_member
from accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db


def _field_values(user):
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


def test_the_user_read_back_is_the_one_the_orm_reads():
    member = factories.make_member(display_name="Hanako")
    User.objects.filter(pk=member.user_id).update(last_login=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        user = MemberModelBackend().get_user(str(member.user_id))  # the session holds a string
        assert user.member.member_code == member.member_code  # no second query
        assert user.member.user is user
    assert len(queries) == 1
    assert _field_values(user) == _field_values(ModelBackend().get_user(member.user_id))
    assert user.last_login.tzinfo is not None  # aware on SQLite as through the ORM
    assert user.has_usable_password()


def test_staff_without_a_member_profile_cost_no_second_query():
    staff = factories.make_staff(store=factories.make_store())
    with CaptureQueriesContext(connection) as queries:
        user = MemberModelBackend().get_user(staff.pk)
        assert getattr(user, "member", None) is None
    assert len(queries) == 1
    assert user.get_all_permissions() == ModelBackend().get_user(staff.pk).get_all_permissions()


def test_nobody_for_an_unknown_id_a_bad_id_or_an_inactive_user():
    member = factories.make_member()
    backend = MemberModelBackend()
    assert backend.get_user(999_999) is None
    assert backend.get_user("not-an-id") is None
    User.objects.filter(pk=member.user_id).update(is_active=False)
    assert backend.get_user(member.user_id) is None
    assert user_with_member(member.user_id) is not None  # found, but refused to log in


def _logged_in(client) -> bool:
    status = client.get("/api/v1/me/").status_code
    assert status in (200, 403)
    return status == 200


def test_an_expired_or_unknown_session_is_nobody():
    member = factories.make_member()
    client = Client()
    client.force_login(member.user)
    assert _logged_in(client)
    expires = Session.objects.get().expire_date
    with time_machine.travel(expires + datetime.timedelta(seconds=1)):
        assert not _logged_in(client)
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    assert not _logged_in(client)


def test_a_password_change_elsewhere_logs_this_session_out():
    member = factories.make_member()
    client = Client()
    client.force_login(member.user)
    assert _logged_in(client)
    member.user.set_password("a-new-long-password-42")
    member.user.save()
    assert not _logged_in(client)


def test_log_out_ends_the_session():
    member = factories.make_member()
    client = Client()
    client.force_login(member.user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.logout()
    assert not Session.objects.filter(session_key=key).exists()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    assert not _logged_in(client)
