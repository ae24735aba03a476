"""API tokens: several per person, stored hashed, expiring, listed and revoked by their owner."""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import ApiToken
from tests import factories

pytestmark = pytest.mark.django_db


def _new_token(api_client, user, name="") -> dict:
    response = api_client.post(
        "/api/v1/auth/token/",
        {"email": user.email, "password": factories.PASSWORD, "name": name},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def _me(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    try:
        return api_client.get("/api/v1/me/")
    finally:
        api_client.credentials()


def test_each_log_in_makes_a_new_token_and_both_work(api_client):
    user = factories.make_user()

    phone = _new_token(api_client, user, name="Phone")
    laptop = _new_token(api_client, user, name="Laptop")

    assert phone["token"] != laptop["token"]
    assert (phone["name"], laptop["name"]) == ("Phone", "Laptop")
    assert _me(api_client, phone["token"]).json()["email"] == user.email
    assert _me(api_client, laptop["token"]).json()["email"] == user.email
    assert ApiToken.objects.filter(user=user).count() == 2


def test_only_a_digest_of_the_key_is_stored(api_client):
    user = factories.make_user()
    key = _new_token(api_client, user)["token"]

    token = ApiToken.objects.get(user=user)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    stored = [
        str(value) for value in ApiToken.objects.filter(pk=token.pk).values().first().values()
    ]
    assert key not in stored
    assert key.startswith(token.key_prefix) and len(token.key_prefix) < len(key) // 3


def test_a_token_expires_after_the_configured_time(api_client, settings):
    settings.API_TOKEN_TTL = timedelta(days=30)
    user = factories.make_user()
    made_at = timezone.now()
    with time_machine.travel(made_at, tick=False):
        body = _new_token(api_client, user)
    # The API answers in the site's time zone: compare instants, not calendar dates (after
    # 15:00 UTC it is already tomorrow in Tokyo).
    assert parse_datetime(body["expires_at"]) == made_at + timedelta(days=30)

    with time_machine.travel(made_at + timedelta(days=29, hours=23), tick=False):
        assert _me(api_client, body["token"]).status_code == 200
    with time_machine.travel(made_at + timedelta(days=30, seconds=1), tick=False):
        expired = _me(api_client, body["token"])
        # 403 rather than 401: session authentication comes first and sends no challenge
        assert expired.status_code in (401, 403)
        assert expired.json()["error"]["code"] == "authentication_failed"
        # and it is no longer listed
        api_client.force_authenticate(user)
        assert api_client.get("/api/v1/auth/tokens/").json() == []


def test_a_member_lists_their_own_tokens_without_the_keys(api_client):
    user = factories.make_user()
    phone = _new_token(api_client, user, name="Phone")
    _new_token(api_client, user, name="Laptop")
    _new_token(api_client, factories.make_user(), name="Someone else's")

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {phone['token']}")
    response = api_client.get("/api/v1/auth/tokens/")

    assert response.status_code == 200
    listed = response.json()
    assert [row["name"] for row in listed] == ["Laptop", "Phone"]  # newest first
    assert [row["current"] for row in listed] == [False, True]
    assert {"id", "name", "key_prefix", "created_at", "last_used_at", "expires_at"} <= set(
        listed[0]
    )
    assert phone["token"] not in response.content.decode()
    assert "token" not in listed[0] and "key_hash" not in listed[0]


def test_revoking_a_token_stops_it_at_once_and_leaves_the_others(api_client):
    user = factories.make_user()
    phone = _new_token(api_client, user, name="Phone")
    laptop = _new_token(api_client, user, name="Laptop")

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {laptop['token']}")
    response = api_client.delete(f"/api/v1/auth/tokens/{phone['id']}/")
    api_client.credentials()

    assert response.status_code == 204
    assert _me(api_client, phone["token"]).json()["error"]["code"] == "authentication_failed"
    assert _me(api_client, laptop["token"]).status_code == 200


def test_another_members_token_cannot_be_revoked_or_seen(api_client):
    owner = factories.make_user()
    theirs = _new_token(api_client, owner)
    intruder = factories.make_user()
    api_client.force_authenticate(intruder)

    response = api_client.delete(f"/api/v1/auth/tokens/{theirs['id']}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert api_client.get("/api/v1/auth/tokens/").json() == []
    api_client.force_authenticate(None)
    assert _me(api_client, theirs["token"]).status_code == 200


def test_listing_and_revoking_need_a_log_in(api_client):
    assert api_client.get("/api/v1/auth/tokens/").status_code in (401, 403)
    assert api_client.delete("/api/v1/auth/tokens/1/").status_code in (401, 403)


def test_a_deactivated_users_token_stops_working(api_client):
    user = factories.make_user()
    key = _new_token(api_client, user)["token"]
    user.is_active = False
    user.save()
    assert _me(api_client, key).json()["error"]["code"] == "authentication_failed"


def test_last_use_is_noted_at_most_once_a_minute(api_client):
    user = factories.make_user()
    key = _new_token(api_client, user)["token"]
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        assert _me(api_client, key).status_code == 200
    assert ApiToken.objects.get(user=user).last_used_at == start

    with (
        time_machine.travel(start + timedelta(seconds=30), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        assert _me(api_client, key).status_code == 200
    assert not [q for q in queries if q["sql"].startswith("UPDATE") and "apitoken" in q["sql"]]
    assert ApiToken.objects.get(user=user).last_used_at == start

    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        assert _me(api_client, key).status_code == 200
    assert ApiToken.objects.get(user=user).last_used_at == start + timedelta(minutes=2)


def test_tokens_per_person_are_capped_dropping_the_least_recently_used(api_client, settings):
    settings.API_TOKENS_PER_USER = 3
    user = factories.make_user()
    first = _new_token(api_client, user, name="first")
    second = _new_token(api_client, user, name="second")
    third = _new_token(api_client, user, name="third")
    assert _me(api_client, first["token"]).status_code == 200  # used: now the most recent

    fourth = _new_token(api_client, user, name="fourth")

    names = set(ApiToken.objects.filter(user=user).values_list("name", flat=True))
    assert names == {"first", "third", "fourth"}
    assert _me(api_client, second["token"]).json()["error"]["code"] == "authentication_failed"
    assert _me(api_client, fourth["token"]).status_code == 200
    assert _me(api_client, third["token"]).status_code == 200


def test_the_schema_documents_the_token_endpoints(client, settings):
    settings.API_DOCS_PUBLIC = True
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/auth/tokens/" in schema["paths"]
    assert "delete" in schema["paths"]["/api/v1/auth/tokens/{token_id}/"]
    assert (
        schema["paths"]["/api/v1/auth/tokens/"]["get"]["responses"]["200"]["content"][
            "application/json"
        ]["schema"]["type"]
        == "array"
    )
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    assert "429" in schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]


@pytest.mark.django_db(transaction=True)
def test_tokens_made_with_drf_before_are_carried_over_hashed_and_expiring(api_client, settings):
    from django.db.migrations.executor import MigrationExecutor

    # given a database from before: DRF's token table with one clear-text key
    settings.API_TOKEN_TTL = timedelta(days=30)
    user = factories.make_user()
    old_key = "0123456789abcdef0123456789abcdef01234567"
    MigrationExecutor(connection).migrate([("accounts", "0002_staffrole_moves_to_stores")])
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE TABLE "authtoken_token" ("key" varchar(40) PRIMARY KEY, '
            '"created" timestamp NOT NULL, "user_id" bigint NOT NULL UNIQUE)'
        )
        cursor.execute(
            'INSERT INTO "authtoken_token" ("key", "created", "user_id") VALUES (%s, %s, %s)',
            [old_key, timezone.now(), user.pk],
        )

    # when the migration runs (then every app back at its latest migration)
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0003_api_tokens")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    # then the old key still works, is kept only as a digest, and expires; DRF's table is gone
    assert "authtoken_token" not in connection.introspection.table_names()
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == hashlib.sha256(old_key.encode()).hexdigest()
    assert token.expires_at - timezone.now() > timedelta(days=29)
    assert _me(api_client, old_key).json()["email"] == user.email
