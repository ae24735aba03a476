"""The Content Security Policy is on every response, and the templates carry no inline code.

The browser side (no violation while the pages run) is tests/e2e/test_csp.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from omostore.settings import tile_source
from orders.models import Order
from stores.models import StaffRole
from tests import factories
from tests.orders.helpers import checkout, confirm, member_with_cart

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INLINE_CODE = {
    "an inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "an inline event handler": re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "an inline <style>": re.compile(r"<style[\s>]", re.IGNORECASE),
    "a style attribute": re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE),
}


def test_no_template_holds_inline_scripts_handlers_or_styles():
    found = [
        f"{path.relative_to(TEMPLATES)}: {what}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for what, pattern in INLINE_CODE.items()
        if pattern.search(path.read_text())
    ]
    assert not found, found


def assert_strict_policy(response, where: str) -> None:
    header = response.get("Content-Security-Policy")
    assert header, f"{where} ({response.status_code}) sent no Content-Security-Policy"
    directives = {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"], where
    assert directives["script-src"] == ["'self'"], where  # no Stripe configured here
    assert directives["style-src"] == ["'self'"], where
    assert directives["object-src"] == ["'none'"], where
    assert directives["frame-ancestors"] == ["'none'"], where
    assert "https://tile.openstreetmap.org" in directives["img-src"], where


def _routes(patterns, prefix=""):
    """(route, pattern) of every URL of the site outside the admin, with its converters."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if getattr(pattern, "app_name", None) == "admin":
                continue
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


@pytest.fixture
def world(db):
    store = factories.make_store()
    offer = factories.make_offer(store=store)
    label = factories.make_label(offer=offer)
    member, api = member_with_cart(offer)
    response = checkout(api, store, channel="pickup")
    confirm(api, response)
    order = Order.objects.get(number=response.json()["number"])
    return {
        "store_code": store.code,
        "sku": offer.product.sku,
        "code": label.code,
        "number": order.number,
        "member": member.user,
        "manager": factories.make_staff(store=store, role=StaffRole.Role.MANAGER),
        "picker": factories.make_staff(store=store, role=StaffRole.Role.PICKER),
        "superuser": factories.make_user(is_staff=True, is_superuser=True),
    }


def _path(route: str, world: dict) -> str:
    def value(match: re.Match) -> str:
        return str(world.get(match["name"], "1"))

    return "/" + re.sub(r"<(?:\w+:)?(?P<name>\w+)>", value, route)


def test_every_page_of_the_site_sends_the_policy(client, world, settings):
    settings.API_DOCS_PUBLIC = True
    routes = list(_routes(get_resolver().url_patterns))
    assert len(routes) > 40
    for who in (None, "member", "picker"):
        if who:
            client.force_login(world[who])
        for route, _pattern in routes:
            if route.startswith("healthz"):
                continue  # asks a Celery worker; its own tests cover it
            path = _path(route, world)
            assert_strict_policy(client.get(path), f"GET {path} as {who or 'anonymous'}")


def test_every_admin_screen_sends_the_policy(client, world):
    client.force_login(world["superuser"])
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        paths = [reverse(f"{name}_changelist"), reverse(f"{name}_add")]
        first = model.objects.first()
        if first is not None:
            paths.append(reverse(f"{name}_change", args=[first.pk]))
        for path in paths:
            assert_strict_policy(client.get(path), f"GET {path}")
    assert_strict_policy(client.get("/admin/"), "GET /admin/")
    client.logout()
    assert_strict_policy(client.get("/admin/login/"), "GET /admin/login/")


def test_error_pages_and_refusals_send_the_policy(client, world):
    assert_strict_policy(client.get("/no-such-page/"), "404 page")
    assert_strict_policy(client.get("/api/v1/no-such-thing/"), "404 JSON")
    client.force_login(world["member"])
    assert_strict_policy(client.get("/staff/exit/"), "403 page")


def test_the_tile_host_in_the_policy_follows_the_tile_url():
    assert tile_source("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == (
        "https://tile.openstreetmap.org"
    )
    assert tile_source("https://{s}.tiles.example.jp/{z}/{x}/{y}.png") == (
        "https://*.tiles.example.jp"
    )
    with pytest.raises(Exception, match="MAP_TILE_URL"):
        tile_source("/tiles/{z}/{x}/{y}.png")


def test_the_refusal_notice_is_translated(client, world):
    client.force_login(world["picker"])
    page = client.get(f"/staff/stores/{world['store_code']}/", HTTP_ACCEPT_LANGUAGE="ja")
    html = page.content.decode()
    assert 'id="live-refused"' in html
    assert "このライブ更新を見る権限がなくなりました" in html
    assert "ログアウトしたため" in html


def _policy_in(**env: str) -> dict:
    """CONTENT_SECURITY_POLICY's directives as a fresh process reads them from `env`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("STRIPE_")}
    environment.update(env)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'omostore.settings');"
            "import django; django.setup(); from django.conf import settings;"
            "print(json.dumps(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']))",
        ],
        cwd=TEMPLATES.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_stripe_hosts_are_allowed_only_when_stripe_is_configured():
    without = _policy_in()
    assert without["script-src"] == ["'self'"] and without["frame-src"] == ["'none'"]

    policy = _policy_in(STRIPE_PUBLISHABLE_KEY="pk_test_123", STRIPE_SECRET_KEY="sk_test_123")

    assert "https://js.stripe.com" in policy["script-src"]
    assert "https://api.stripe.com" in policy["connect-src"]
    assert "https://hooks.stripe.com" in policy["frame-src"]
    assert "'unsafe-inline'" not in policy["script-src"]


def test_production_upgrades_insecure_requests_and_the_tile_host_follows_the_setting():
    policy = _policy_in(
        DJANGO_ENV="production",
        SECRET_KEY="p" * 60,
        ALLOWED_HOSTS="shop.example.jp",
        MAP_TILE_URL="https://{s}.tiles.example.jp/{z}/{x}/{y}.png",
    )
    assert policy["upgrade-insecure-requests"] is True
    assert policy["img-src"] == ["'self'", "data:", "https://*.tiles.example.jp"]
