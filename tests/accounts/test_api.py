import pytest

from tests import factories

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
    csrf_api_client.login(email=user.email, password=factories.PASSWORD)

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


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/auth/token/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
