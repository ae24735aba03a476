"""A substitution offered while picking reaches the member's inbox (and push, when wanted)."""

import pytest

from members.models import InboxMessage
from tests.fulfillment.test_substitutions import propose, short_line  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_a_proposed_substitute_asks_the_member_once(short_line, django_capture_on_commit_callbacks):  # noqa: F811
    s = short_line
    with django_capture_on_commit_callbacks(execute=True):
        assert propose(s, "D").status_code == 200
    (message,) = InboxMessage.objects.filter(member=s["member"])
    assert message.kind == "substitution_needed"
    assert message.url == f"/orders/{s['order'].number}/"
    # the same line proposed again is still one message (dedupe per order line)
    with django_capture_on_commit_callbacks(execute=True):
        propose(s, "B")
    assert InboxMessage.objects.filter(member=s["member"]).count() == 1
