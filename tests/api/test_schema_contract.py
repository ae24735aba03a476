"""The API contract: every operation of the OpenAPI schema, fuzzed by schemathesis, answers as the
schema says.

Every operation the schema lists (walked from the schema, so a new endpoint is covered the day it
is added) runs in-process through the Django WSGI app against the test database, which holds the
demo store plus orders, a cart, payments and tokens:

- random inputs (schemathesis' examples and fuzzing phases), anonymously, with a member's API
  token and with a store manager's, part of the path parameters, query parameters and body fields
  steered towards those real rows so that operations reach their real answers, not only 404s;
- schemathesis' boundary cases (its coverage phase: each stated limit just inside and just
  outside, missing required fields and headers, wrong types, other methods), as the identity that
  reaches the limits (the manager for staff operations, the member for the others).

Fails on a 5xx, or a status code, a content type, a header or a body the schema does not
document, or an input the schema forbids that the API accepts. A fixed seed, Hypothesis'
derandomized mode and a bounded number of random examples per operation and identity
(SCHEMATHESIS_MAX_EXAMPLES, default below) keep it repeatable and short.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import TestCase, override_settings
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis import checks as sc
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi import checks as oc

from accounts import tokens
from accounts.models import User
from catalog.models import Recipe, ShelfLabel, StoreOffer
from omostore.demo import load_demo_store
from omostore.wsgi import application
from orders.models import Cart, Order
from payments.models import Payment
from stores.models import Store
from tests.orders import helpers as order_helpers

SEED = 20261130
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))
AUTHS = ["anonymous", "member", "manager"]


def _generated_schema() -> dict:
    """The schema `/api/schema/` serves (test_the_served_schema_is_the_one_tested checks it),
    made without a request so that loading it touches no database at collection time."""
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw, renderer_context={}))


def _config(*, fuzzing: bool, coverage: bool) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
                # Our credentials are the test's (three identities), not random ones.
                "with-security-parameters": False,
            },
            "phases": {
                "examples": {"enabled": fuzzing},
                "fuzzing": {"enabled": fuzzing},
                "coverage": {"enabled": coverage},
                "stateful": {"enabled": False},
            },
        }
    )


# Random inputs, part of them steered towards real rows (below).
schema = schemathesis.openapi.from_dict(
    _generated_schema(), config=_config(fuzzing=True, coverage=False)
)
schema.app = application
# Schemathesis' deterministic boundary cases: each limit the schema states, just inside and just
# outside (an 81-character Idempotency-Key, an amount under the minimum, a missing required
# field or header, a wrong type...).
boundaries = schemathesis.openapi.from_dict(
    _generated_schema(), config=_config(fuzzing=False, coverage=True)
)
boundaries.app = application

CHECKS = [
    sc.not_a_server_error,
    oc.status_code_conformance,
    oc.content_type_conformance,
    oc.response_schema_conformance,
    oc.response_headers_conformance,
    oc.negative_data_rejection,
]

# Real values the generated inputs are steered towards (filled by the `world` fixture): path
# parameters by name, query parameters and top-level body fields by "query:name", "body:name".
REAL: dict[str, list] = {}


def _steer_towards_real_rows(case, data) -> None:
    """Replace some generated values with real ones (an order number of the member, the demo
    store's code...), each three times in four, drawn through Hypothesis so the run stays
    repeatable. Assigned as new containers, so schemathesis validates the case again: a negative
    case that a real value made valid is then checked as a positive one."""
    for container, prefix in (("path_parameters", ""), ("query", "query:"), ("body", "body:")):
        values = getattr(case, container)
        if not isinstance(values, dict) or not values:
            continue
        steered = dict(values)
        for name in values:
            choices = REAL.get(prefix + name)
            if choices and data.draw(st.integers(0, 3), label=f"real {prefix}{name}?"):
                steered[name] = data.draw(st.sampled_from(choices))
        if steered != values:
            setattr(case, container, steered)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo store and a shopper's history, made once for the module inside a transaction
    that is rolled back at its end; each test runs in a savepoint of it (`db`)."""
    # A fast password hasher: the token operation checks a password at each example.
    fast_hashers = override_settings(
        PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.MD5PasswordHasher",
            *django_settings.PASSWORD_HASHERS,
        ]
    )
    with django_db_blocker.unblock(), fast_hashers:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _make_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            REAL.clear()


def _make_world() -> dict:
    with TestCase.captureOnCommitCallbacks(execute=True):
        store = load_demo_store()
        # Open around the clock, so checkouts answer alike whenever the suite runs.
        Store.objects.filter(pk=store.pk).update(opens_at="00:00", closes_at="00:00")
        store.refresh_from_db()
        shopper = User.objects.get(email="shopper@example.com")
        manager = User.objects.get(email="manager@example.com")
        client = APIClient()
        client.force_authenticate(shopper)
        offers = list(
            StoreOffer.objects.filter(store=store, product__sold_by="piece").order_by("pk")[:4]
        )
        # A paid scan & go order, a delivery order waiting for its payment, and a cart.
        for offer in offers[:2]:
            assert order_helpers.add(client, offer).status_code == 201
        paid = order_helpers.checkout(client, store, channel="in_store", method="wallet")
        assert paid.status_code == 201, paid.content
        for offer in offers[2:]:
            assert order_helpers.add(client, offer).status_code == 201
        pending = order_helpers.checkout(
            client, store, channel="delivery", method="test", delivery=order_helpers.TOKYO_NEAR
        )
        assert pending.status_code == 201, pending.content
        for offer in offers[:2]:
            assert order_helpers.add(client, offer).status_code == 201
        exit_pass = client.get(f"/api/v1/orders/{paid.json()['number']}/exit-pass/")
        assert exit_pass.status_code == 200, exit_pass.content
        _, member_key = tokens.issue_api_token(user=shopper, name="schemathesis")
        # Another token of the member's, for the revoke operation (never the test's own).
        phone, _ = tokens.issue_api_token(user=shopper, name="phone")
        _, manager_key = tokens.issue_api_token(user=manager, name="schemathesis")

    skus = [offer.product.sku for offer in offers]
    REAL.update(
        {
            "number": list(Order.objects.order_by("pk").values_list("number", flat=True)),
            "payment_id": list(Payment.objects.order_by("pk").values_list("pk", flat=True)),
            "line_id": list(
                Cart.objects.filter(member__user=shopper)
                .values_list("lines__pk", flat=True)
                .order_by("lines__pk")
            ),
            "token_id": [phone.pk],
            "code": list(
                ShelfLabel.objects.filter(offer__in=offers).values_list("code", flat=True)
            ),
            "store_code": [store.code],
            "sku": skus,
            "slug": list(Recipe.objects.order_by("pk").values_list("slug", flat=True)[:2]),
            "query:store": [store.code],
            "body:store": [store.code],
            "body:sku": skus,
            "body:quantity": [1, 2],
            "body:amount": [100, 1000],
            "body:code": [exit_pass.json()["code"]],
        }
    )
    return {
        "store": store,
        "headers": {
            "anonymous": {},
            "member": {"Authorization": f"Token {member_key}"},
            "manager": {"Authorization": f"Token {manager_key}"},
        },
    }


@pytest.fixture
def wsgi_requests_keep_the_test_transaction():
    """Django's WSGI handler closes the database connection after each request (the test
    client's handler does not); in a test that would end the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def headers(world, db, wsgi_requests_keep_the_test_transaction):
    """Each identity's headers, in a test of its own (a savepoint of the module's data)."""
    return world["headers"]


@pytest.fixture(params=AUTHS)
def auth(request, headers):
    return headers[request.param]


@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case, data, auth):
    _steer_towards_real_rows(case, data)
    case.call_and_validate(headers=auth, checks=CHECKS)


@boundaries.parametrize()
@settings(derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_its_documented_limits(case, headers):
    """As whoever reaches the limits: others are refused (403, 404) before they are checked."""
    identity = "manager" if case.path.startswith("/api/v1/staff/") else "member"
    case.call_and_validate(headers=headers[identity], checks=CHECKS)


@pytest.mark.django_db
def test_the_served_schema_is_the_one_tested(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert json.loads(response.content) == _generated_schema()


# --- What the schema itself must say (fast, no requests) -----------------------------------------

OPERATIONS = [
    (path, method, operation)
    for path, item in _generated_schema()["paths"].items()
    for method, operation in item.items()
    if method in {"get", "post", "put", "patch", "delete"}
]


def _resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].split("/")[-1]]
    return node


def test_every_error_answer_has_the_error_body():
    document = _generated_schema()
    for path, method, operation in OPERATIONS:
        for code, response in operation["responses"].items():
            if not code.startswith("4"):
                continue
            body = response["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, code)
            assert response["description"], (method, path, code)
    error = _resolve(document, {"$ref": "#/components/schemas/ErrorBody"})
    assert error["required"] == ["error"]
    assert set(_resolve(document, error["properties"]["error"])["required"]) == {"code", "message"}


def test_operations_document_the_errors_of_their_kind():
    """403 wherever credentials are read (a bad token is refused even where anyone may call),
    404 where the path names something, 400 where there is input; 409, 422 and 429 where the
    operation's rules give them."""
    for path, method, operation in OPERATIONS:
        codes = set(operation["responses"])
        where = (method, path)
        # Only the token exchange and the webhooks read no credentials (and refuse none).
        if path != "/api/v1/auth/token/" and "/webhooks/" not in path:
            assert "403" in codes, where
        if "{" in path:
            assert "404" in codes, where
        if operation.get("requestBody") or any(
            p["in"] != "path" for p in operation.get("parameters", [])
        ):
            assert "400" in codes, where
    responses = {(m, p): set(o["responses"]) for p, m, o in OPERATIONS}
    assert "429" in responses[("post", "/api/v1/auth/token/")]
    assert {"409", "422", "429"} <= responses[("post", "/api/v1/checkout/")]
    assert {"422", "429"} <= responses[("post", "/api/v1/wallet/top-ups/")]


def test_lists_are_documented_as_the_pages_they_answer():
    document = _generated_schema()
    pages = {
        "/api/v1/stores/{store_code}/products/",
        "/api/v1/products/{sku}/reviews/",
        "/api/v1/orders/",
    }
    for path in pages:
        body = _resolve(
            document,
            document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
                "schema"
            ],
        )
        assert body["type"] == "object", path
        assert {"count", "next", "previous", "results"} <= set(body["properties"]), path
        assert body["properties"]["results"]["type"] == "array", path


def test_input_limits_are_documented():
    document = _generated_schema()
    keyed = 0
    for path, method, operation in OPERATIONS:
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "Idempotency-Key":
                keyed += 1
                assert parameter["required"], (method, path)
                assert parameter["schema"]["minLength"] == 1, (method, path)
                assert parameter["schema"]["maxLength"] == 80, (method, path)
    assert keyed >= 4  # checkout, top-ups, staff cancel and refunds
    amount = _resolve(document, {"$ref": "#/components/schemas/WalletTopUpApiInput"})
    amount = amount["properties"]["amount"]
    assert (amount["minimum"], amount["maximum"]) == (100, 100_000_000)
    store = _resolve(document, {"$ref": "#/components/schemas/StoreListApiOutput"})
    assert "format" not in store["properties"]["opens_at"]  # a wall-clock time has no offset
