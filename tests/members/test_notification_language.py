"""A member's notifications are written in the language they use the app in: kept when they
choose one (the language link, the language form) or log in, read when a Celery task or a
receiver writes their inbox message, exported, and cleared when the account is closed.

Each service call runs under a worker's own language (`translation.override`), the opposite of
what the member should get, so a message in the right language cannot come from whatever
language the test's last request left active."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts.models import Member
from accounts.selectors import member_language
from members import selectors, services
from members.models import InboxMessage
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db

JA_OUT_FOR_DELIVERY = "ご注文の商品をお届けに向かっています"


def _language_of(member) -> str:
    return Member.objects.values_list("language", flat=True).get(pk=member.pk)


def _out_for_delivery(member, *, event_id: int, worker_language: str) -> InboxMessage:
    """What members.receivers does when an order is out for delivery, from a worker."""
    with translation.override(worker_language):
        services.notify_order_status(
            member_id=member.pk,
            order_number="ABC123",
            to_status="out_for_delivery",
            event_id=event_id,
        )
    return InboxMessage.objects.filter(member=member).latest("pk")


def test_a_member_who_switched_to_japanese_gets_the_message_in_japanese(client):
    # given a logged-in member who chose Japanese with the language link
    member = make_member()
    client.force_login(member.user)
    response = client.get("/lang/ja/?next=/account/")
    assert response.status_code == 302
    assert _language_of(member) == "ja"
    # when their order goes out for delivery (written by a worker running in English)
    message = _out_for_delivery(member, event_id=1, worker_language="en")
    # then the inbox message (and so its Web Push) is in Japanese
    assert message.title == JA_OUT_FOR_DELIVERY
    assert message.body == "ご注文 ABC123"


def test_a_member_without_a_language_gets_the_sites_default(client, settings):
    member = make_member()
    assert _language_of(member) == ""
    message = _out_for_delivery(member, event_id=1, worker_language="ja")
    assert settings.LANGUAGE_CODE == "en"
    assert message.title == "Your order is on its way"
    assert message.body == "Order ABC123"


def test_switching_back_to_english_takes_effect(client):
    member = make_member()
    client.force_login(member.user)
    client.get("/lang/ja/")
    assert _out_for_delivery(member, event_id=1, worker_language="en").title == JA_OUT_FOR_DELIVERY
    client.get("/lang/en/")
    assert _language_of(member) == "en"
    message = _out_for_delivery(member, event_id=2, worker_language="ja")
    assert message.title == "Your order is on its way"


def test_every_kind_of_notice_follows_the_members_language():
    # given a Japanese-reading member who hearted nothing (markdowns are covered by the inbox
    # tests; here what each notify_* writes itself)
    member = make_member()
    Member.objects.filter(pk=member.pk).update(language="ja")
    with translation.override("en"):
        services.notify_substitution_needed(member_id=member.pk, order_number="ABC123", line_id=1)
    message = InboxMessage.objects.get(member=member, kind="substitution_needed")
    assert message.title == "代替品へのご回答をお願いします"
    assert message.body == "ご注文 ABC123：承認するか断ってください。"  # noqa: RUF001 (the .po has it)


def test_the_language_form_is_kept_too(client):
    member = make_member()
    client.force_login(member.user)
    response = client.post(reverse("set_language"), {"language": "ja", "next": "/account/"})
    assert response.status_code == 302
    assert _language_of(member) == "ja"
    client.post(reverse("set_language"), {"language": "xx", "next": "/account/"})
    assert _language_of(member) == "ja"


def test_the_language_link_as_an_anonymous_user_writes_nothing(client, django_assert_num_queries):
    member = make_member()
    with django_assert_num_queries(0):
        response = client.get("/lang/ja/?next=/search/")
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "ja"
    assert _language_of(member) == ""


def test_choosing_the_same_language_again_writes_nothing(client, django_assert_num_queries):
    member = make_member()
    client.force_login(member.user)
    client.get("/lang/ja/")
    with django_assert_num_queries(3):  # session, user, and an UPDATE that matches no row
        client.get("/lang/ja/")
    assert _language_of(member) == "ja"


def test_reading_the_language_is_one_query(django_assert_num_queries):
    member = make_member()
    Member.objects.filter(pk=member.pk).update(language="ja")
    with django_assert_num_queries(1):
        assert member_language(member_id=member.pk) == "ja"


def _log_in(client, member, **headers):
    return client.post(
        reverse("login"), {"username": member.user.email, "password": PASSWORD}, **headers
    )


def test_a_log_in_in_japanese_stores_ja(client):
    member = make_member()
    response = _log_in(client, member, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 302
    assert _language_of(member) == "ja"


def test_a_browsers_language_at_log_in_does_not_undo_a_choice(client):
    # given a member who chose English (on another device)
    member = make_member()
    Member.objects.filter(pk=member.pk).update(language="en")
    # when they log in with a browser that asks for Japanese
    assert _log_in(client, member, HTTP_ACCEPT_LANGUAGE="ja").status_code == 302
    # then their choice stands
    assert _language_of(member) == "en"


def test_a_language_chosen_before_logging_in_is_kept_at_log_in(client):
    # given a member who read in English, then chose Japanese with the link while logged out
    member = make_member()
    Member.objects.filter(pk=member.pk).update(language="en")
    client.get("/lang/ja/")
    assert _language_of(member) == "en"
    # when they log in in that browser
    assert _log_in(client, member).status_code == 302
    # then the site they see and their notifications are in Japanese
    assert _language_of(member) == "ja"


def test_sign_up_confirmation_stores_the_language(client):
    client.post(
        reverse("signup"),
        {"email": "hanako@example.com", "password": "plum-tofu-harbour-93"},
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    link = re.search(r"https?://\S+/signup/confirm/\S+/", mail.outbox[-1].body).group(0)
    assert client.post(link, HTTP_ACCEPT_LANGUAGE="ja").status_code == 302
    assert Member.objects.get(user__email="hanako@example.com").language == "ja"


def test_the_export_has_the_language_and_closing_clears_it():
    member = make_member()
    assert selectors.member_data_export(member=member)["account"]["language"] is None
    Member.objects.filter(pk=member.pk).update(language="ja")
    member.refresh_from_db()
    assert selectors.member_data_export(member=member)["account"]["language"] == "ja"
    services.close_account(member=member)
    assert _language_of(member) == ""


def test_the_profile_offers_the_language_and_the_pages_follow(client):
    # given a member reading the site in English
    member = make_member()
    client.force_login(member.user)
    page = client.get(reverse("account")).content.decode()
    assert '<option value="en" lang="en" selected>English</option>' in page
    # when they choose Japanese on their profile
    response = client.post(reverse("account"), {"display_name": "Hanako", "language": "ja"})
    # then it is kept, and the pages switch too (through the language link)
    assert _language_of(member) == "ja"
    assert response.status_code == 302
    assert response["Location"] == "/lang/ja/?next=/account/"
    response = client.get(response["Location"])
    assert response.cookies["django_language"].value == "ja"
    page = client.get(reverse("account")).content.decode()
    assert '<option value="ja" lang="ja" selected>日本語</option>' in page
    assert "言語（ページと通知）" in page  # noqa: RUF001 (as in the .po)
    assert "保存しました" in page  # the notice in the new language too
    # and saving the profile again in the same language leaves it and stays on the page
    response = client.post(reverse("account"), {"display_name": "Hanako", "language": "ja"})
    assert response["Location"] == reverse("account")
    assert _language_of(member) == "ja"
