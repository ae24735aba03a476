"""Steps a new member takes in the browser journeys: sign up and confirm by email, scan a label."""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import expect


def sign_up_and_confirm(page, *, email: str, password: str) -> None:
    """Sign up; the page says "check your email"; the emailed link confirms and logs in."""
    page.goto("/signup/")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("#signup-submit").click()
    expect(page.locator("#signup-sent")).to_be_visible()
    link = re.search(r"https?://\S+/signup/confirm/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.locator("#signup-confirm-submit").click()
    page.wait_for_url(re.compile(r"/account/$"))


def scan_by_typing(page, code: str) -> None:
    """Scan a shelf label as the in-app scanner's keyboard does: type its code."""
    page.goto("/scan/")
    page.locator("#typed-code").fill(code)
    page.locator("#typed-code").press("Enter")
    page.wait_for_url(re.compile(rf"/s/{code}"))
