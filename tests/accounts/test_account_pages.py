"""Sign-up, confirmation, password reset (with its limits), profile and saved addresses."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import DeliveryAddress, Member, User
from tests.factories import PASSWORD, make_member, make_store

pytestmark = pytest.mark.django_db

STRONG = "plum-tofu-harbour-93"


def _confirm_link() -> str:
    body = mail.outbox[-1].body
    return re.search(r"https?://\S+/signup/confirm/\S+/", body).group(0)


def test_sign_up_confirm_and_log_in(client):
    # given a new email
    response = client.post(reverse("signup"), {"email": "Hanako@Example.com", "password": STRONG})
    # then the page says "check your email" and the account waits for its confirmation
    assert response.status_code == 200
    assert b"Check your email" in response.content
    user = User.objects.get(email="hanako@example.com")
    assert not user.is_active
    assert Member.objects.filter(user=user).exists()
    response = client.post(reverse("login"), {"username": "hanako@example.com", "password": STRONG})
    assert response.status_code == 200  # the form again: an inactive account cannot log in
    assert "_auth_user_id" not in client.session
    # when the owner follows the emailed link and confirms
    link = _confirm_link()
    assert client.get(link).status_code == 200
    response = client.post(link)
    # then they are logged in, and the link does not work again
    assert response.status_code == 302
    assert response["Location"] == reverse("account")
    user.refresh_from_db()
    assert user.is_active
    assert client.get(reverse("account")).status_code == 200
    client.logout()
    assert client.post(link).status_code == 400


def test_taken_email_gets_the_same_answer_and_changes_nothing(client):
    member = make_member(email="taken@example.com")
    before = member.user.password
    response = client.post(reverse("signup"), {"email": "TAKEN@example.com", "password": STRONG})
    assert response.status_code == 200
    assert b"Check your email" in response.content
    member.user.refresh_from_db()
    assert member.user.password == before
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
    assert "already have an" in mail.outbox[-1].subject


@pytest.mark.parametrize("password", ["short", "password123", "12345678901", "hanako2024x"])
def test_weak_passwords_are_refused(client, password):
    response = client.post(
        reverse("signup"), {"email": "hanako2024x@example.com", "password": password}
    )
    assert response.status_code == 200
    assert b'data-role="password-error"' in response.content
    assert not User.objects.filter(email="hanako2024x@example.com").exists()
    assert mail.outbox == []


def test_bad_confirm_link_is_a_clear_400(client):
    assert client.get("/signup/confirm/not-a-token/").status_code == 400


def test_password_reset_sends_one_link_and_is_limited_per_account(client):
    make_member(email="reset@example.com")
    for _ in range(3):
        response = client.post(reverse("password_reset"), {"email": "reset@example.com"})
        assert response.status_code == 302
    assert len(mail.outbox) == 3
    # the fourth within the hour is refused, clearly, and sends nothing
    response = client.post(reverse("password_reset"), {"email": "reset@example.com"})
    assert response.status_code == 429
    assert len(mail.outbox) == 3
    # an unknown email gets the same answer as a known one, and no email
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 3


def test_password_reset_is_limited_per_address(client, settings):
    for n in range(20):
        client.post(reverse("password_reset"), {"email": f"someone{n}@example.com"})
    response = client.post(reverse("password_reset"), {"email": "another@example.com"})
    assert response.status_code == 429


def test_password_reset_link_sets_a_new_password(client):
    member = make_member(email="forgot@example.com")
    client.post(reverse("password_reset"), {"email": "forgot@example.com"})
    link = re.search(r"https?://\S+/password-reset/\S+/\S+/", mail.outbox[-1].body).group(0)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": STRONG, "new_password2": STRONG})
    assert response.status_code == 302
    member.user.refresh_from_db()
    assert member.user.check_password(STRONG)
    assert not member.user.check_password(PASSWORD)


def test_profile_and_home_store(client):
    store = make_store()
    member = make_member()
    client.force_login(member.user)
    response = client.post(reverse("account"), {"display_name": " Hanako ", "home_store": store.pk})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.home_store == store
    assert member.user.display_name == "Hanako"
    # an unknown store is refused, nothing changes
    response = client.post(reverse("account"), {"display_name": "X", "home_store": 999999})
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.user.display_name == "Hanako"


def test_addresses_with_a_map_point(client):
    make_store()
    member = make_member()
    other = make_member()
    client.force_login(member.user)
    response = client.post(
        reverse("account-addresses"),
        {
            "label": "Home",
            "address": "1-2-3 Nihonbashi",
            "latitude": "35.68",
            "longitude": "139.77",
        },
    )
    assert response.status_code == 302
    address = DeliveryAddress.objects.get(member=member)
    assert str(address.latitude) == "35.680000"
    # no point → 400, nothing saved
    response = client.post(reverse("account-addresses"), {"address": "nowhere"})
    assert response.status_code == 400
    assert DeliveryAddress.objects.count() == 1
    # another member cannot delete it
    client.force_login(other.user)
    response = client.post(reverse("account-address-delete", args=[address.pk]))
    assert response.status_code == 404
    assert DeliveryAddress.objects.filter(pk=address.pk).exists()
    client.force_login(member.user)
    page = client.get(reverse("account-addresses"))
    assert b"1-2-3 Nihonbashi" in page.content
    client.post(reverse("account-address-delete", args=[address.pk]))
    assert not DeliveryAddress.objects.exists()


def test_fifty_wrong_passwords_pause_that_address_only_and_never_fail(client):
    member = make_member(email="target@example.com")
    codes = [
        client.post(
            reverse("login"),
            {"username": "target@example.com", "password": f"wrong-{n}"},
            REMOTE_ADDR="198.51.100.50",
        ).status_code
        for n in range(50)
    ]
    assert set(codes) <= {200, 429}
    assert codes[:4] == [200] * 4 and set(codes[4:]) == {429}  # the 5th failure locks
    # the owner, elsewhere, logs in
    response = client.post(
        reverse("login"),
        {"username": "target@example.com", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.5",
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.user_id)
