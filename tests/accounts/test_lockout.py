"""Log-in protection: lockout per account and address with a cool-off (django-axes) on the site,
admin and token log-ins; throttles and lockouts see the client only through trusted proxies."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db

WRONG = "not the password"
SITE, ADMIN, TOKEN = "/login/", "/admin/login/", "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _lockout_settings(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_IP_FAILURE_LIMIT = 30
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.TRUSTED_PROXY_COUNT = 0


def _log_in(client, path, email, password, **extra):
    if path == TOKEN:
        return client.post(
            path, {"email": email, "password": password}, content_type="application/json", **extra
        )
    return client.post(path, {"username": email, "password": password}, **extra)


def _logged_in(response, path) -> bool:
    if path == TOKEN:
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302  # the form redirects once it logs in


def _lockout_message(response, path) -> str:
    if path == TOKEN:
        error = response.json()["error"]
        assert error["code"] == "login_locked"
        assert error["details"]["retry_after_seconds"] > 0
        return error["message"]
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


@pytest.mark.parametrize("path", [SITE, ADMIN, TOKEN])
def test_wrong_passwords_lock_the_account_from_that_address_until_the_cool_off(client, path):
    user = factories.make_user(email="hanako@example.com", is_staff=True)
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        # given four wrong passwords, each simply refused
        for _ in range(4):
            refused = _log_in(client, path, user.email, WRONG)
            assert refused.status_code in (200, 400)
        # when the fifth is wrong too
        locked = _log_in(client, path, user.email, WRONG)
        # then the account is locked from here, with a message saying for how long
        assert locked.status_code == 429
        assert locked["Retry-After"] == str(15 * 60)
        assert "Too many failed log-in attempts" in _lockout_message(locked, path)
        assert "try again in 15 minutes" in _lockout_message(locked, path)

    # even the right password is refused during the cool-off, and trying does not extend it
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        still = _log_in(client, path, "HANAKO@example.com", factories.PASSWORD)
        assert still.status_code == 429
        assert "try again in 1 minute." in _lockout_message(still, path)
        assert not _logged_in(still, path)

    # once the cool-off has passed, the right password logs in
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        assert _logged_in(_log_in(client, path, user.email, factories.PASSWORD), path)


def test_the_real_owner_elsewhere_is_not_locked_out(client):
    user = factories.make_user()
    for _ in range(5):
        _log_in(client, SITE, user.email, WRONG, REMOTE_ADDR="198.51.100.66")
    assert _log_in(client, SITE, user.email, WRONG, REMOTE_ADDR="198.51.100.66").status_code == 429

    at_home = _log_in(client, SITE, user.email, factories.PASSWORD, REMOTE_ADDR="203.0.113.10")

    assert _logged_in(at_home, SITE)


def test_one_address_trying_many_accounts_is_locked_out(client, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 12
    users = [factories.make_user() for _ in range(7)]
    for user in users[:6]:
        for _ in range(2):  # under the per-account limit each time
            _log_in(client, SITE, user.email, WRONG, REMOTE_ADDR="198.51.100.7")

    # the address as a whole is locked, even for an account it never tried, right password or not
    locked = _log_in(client, SITE, users[6].email, factories.PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert locked.status_code == 429
    # while the same account logs in from elsewhere
    elsewhere = _log_in(client, SITE, users[6].email, factories.PASSWORD, REMOTE_ADDR="192.0.2.1")
    assert _logged_in(elsewhere, SITE)


@pytest.mark.parametrize("path", [SITE, TOKEN])
def test_a_forged_forwarded_for_neither_escapes_nor_resets_a_lockout(client, path):
    user = factories.make_user()
    for n in range(5):
        _log_in(client, path, user.email, WRONG, HTTP_X_FORWARDED_FOR=f"10.9.8.{n}")

    forged = _log_in(client, path, user.email, factories.PASSWORD, HTTP_X_FORWARDED_FOR="10.1.1.1")

    assert forged.status_code == 429
    assert not _logged_in(forged, path)


def test_behind_trusted_proxies_the_client_is_the_address_the_proxy_saw(client, settings):
    # given one trusted proxy (10.0.0.2) that appends the address it received the request from
    settings.TRUSTED_PROXY_COUNT = 1
    user = factories.make_user()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(5):
        _log_in(
            client, SITE, user.email, WRONG, HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.5", **proxy
        )

    # then 203.0.113.5 is locked out whatever it writes in front of the header itself
    again = _log_in(
        client,
        SITE,
        user.email,
        factories.PASSWORD,
        HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.5",
        **proxy,
    )
    assert again.status_code == 429
    # and another client behind the same proxy is not
    other = _log_in(
        client, SITE, user.email, factories.PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy
    )
    assert _logged_in(other, SITE)


def test_the_token_throttle_is_not_reset_by_a_forged_forwarded_for(api_client):
    user = factories.make_user()
    for n in range(10):  # the auth_token rate: 10 a minute
        response = api_client.post(
            TOKEN,
            {"email": user.email, "password": factories.PASSWORD},
            HTTP_X_FORWARDED_FOR=f"10.0.{n}.1",
        )
        assert response.status_code == 200

    throttled = api_client.post(
        TOKEN,
        {"email": user.email, "password": factories.PASSWORD},
        HTTP_X_FORWARDED_FOR="10.200.0.1",
    )

    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled"
    # another address is not throttled
    other = api_client.post(
        TOKEN, {"email": user.email, "password": factories.PASSWORD}, REMOTE_ADDR="192.0.2.9"
    )
    assert other.status_code == 200


def test_the_lockout_message_is_translated(client):
    user = factories.make_user()
    for _ in range(5):
        locked = _log_in(client, SITE, user.email, WRONG, HTTP_ACCEPT_LANGUAGE="ja")
    assert locked.status_code == 429
    assert "ログイン" in locked.content.decode()
    assert "15 分" in locked.content.decode()
