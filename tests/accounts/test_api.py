import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import factories

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def test_token_for_email_and_password_authenticates_api_calls(api_client):
    user = factories.make_user(email="hanako@example.com")

    response = api_client.post(
        "/api/v1/auth/token/", {"email": "Hanako@Example.com", "password": factories.PASSWORD}
    )
    assert response.status_code == 200
    token = response.json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["email"] == user.email


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"email": "hanako@example.com", "password": "wrong"}, "invalid_credentials"),
        ({"email": "nobody@example.com", "password": factories.PASSWORD}, "invalid_credentials"),
        ({"email": "not-an-email", "password": "x"}, "validation_error"),
        ({}, "validation_error"),
    ],
)
def test_bad_credentials_get_one_error_format(api_client, body, code):
    factories.make_user(email="hanako@example.com")
    response = api_client.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]


def test_unauthenticated_and_unknown_paths_use_the_error_format(api_client):
    response = api_client.get("/api/v1/me/")
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "not_authenticated"

    missing = api_client.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_session_writes_need_the_csrf_token(csrf_api_client):
    user = factories.make_user(display_name="Before")
    csrf_api_client.force_login(user)

    refused = csrf_api_client.patch("/api/v1/me/", {"display_name": "After"}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]["message"]
    user.refresh_from_db()
    assert user.display_name == "Before"

    csrf_api_client.get("/api/v1/me/")  # sets the csrftoken cookie, as the PWA's first call does
    token = csrf_api_client.cookies["csrftoken"].value
    accepted = csrf_api_client.patch(
        "/api/v1/me/", {"display_name": "After"}, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 200
    user.refresh_from_db()
    assert user.display_name == "After"


def test_token_clients_do_not_need_csrf(csrf_api_client):
    user = factories.make_user()
    token = csrf_api_client.post(
        "/api/v1/auth/token/", {"email": user.email, "password": factories.PASSWORD}
    ).json()["token"]
    csrf_api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = csrf_api_client.patch("/api/v1/me/", {"display_name": "Token"}, format="json")
    assert response.status_code == 200


def test_me_lists_member_code_and_store_roles(api_client, store):
    member = factories.make_member()
    api_client.force_authenticate(member.user)
    assert api_client.get("/api/v1/me/").json()["member_code"] == member.member_code

    picker = factories.make_staff(store=store, role="picker")
    api_client.force_authenticate(picker)
    body = api_client.get("/api/v1/me/").json()
    assert body["roles"] == [{"store": store.code, "role": "picker"}]
    assert body["member_code"] is None


def test_openapi_schema_and_docs_are_served(client, settings):
    settings.API_DOCS_PUBLIC = True
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/auth/token/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
    # The start-up script comes from a second request, so that no inline <script> is needed.
    assert b"<script>" not in docs.content
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def test_api_docs_and_schema_are_for_staff_when_not_public(client, settings):
    # given production's default
    settings.API_DOCS_PUBLIC = False

    # then anonymous callers get no schema, and the docs page sends them to the admin log-in
    assert client.get("/api/schema/").status_code in (401, 403)
    docs = client.get("/api/docs/")
    assert docs.status_code == 302
    assert docs["Location"].startswith("/admin/login/?next=/api/docs/")

    # a shopper is refused, a staff member reads both
    client.force_login(factories.make_member().user)
    assert client.get("/api/schema/").status_code == 403
    assert client.get("/api/docs/").status_code == 403
    client.force_login(factories.make_user(is_staff=True))
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/docs/?script=").status_code == 200


@pytest.mark.parametrize(
    ("django_env", "public"), [("development", "True"), ("production", "False")]
)
def test_api_docs_are_public_in_development_and_staff_only_in_production(django_env, public):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"API_DOCS_PUBLIC", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(DJANGO_ENV=django_env, SECRET_KEY="s" * 60, ALLOWED_HOSTS="shop.example.jp")
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.API_DOCS_PUBLIC)",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == public
