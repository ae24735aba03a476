import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

from payments import signals
from tests import factories
from tests.payments.helpers import STRIPE_WEBHOOK_SECRET, TEST_WEBHOOK_SECRET


@pytest.fixture(autouse=True)
def _payments_settings(settings):
    """Known webhook secrets, the test provider on, and no Stripe account unless a test
    starts the stub (`stripe_stub`)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET
    settings.TEST_PAYMENTS_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET
    settings.TEST_PAYMENTS_ENABLED = True
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_API_BASE = ""


class SignalLog:
    """What payments announced, from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.events: list[tuple[str, int]] = []

    def receiver(self, name: str):
        def receive(sender, **kwargs) -> None:
            obj = kwargs.get("payment") or kwargs.get("refund")
            with self._lock:
                self.events.append((name, obj.pk))

        return receive

    def of(self, name: str) -> list[int]:
        with self._lock:
            return [pk for event, pk in self.events if event == name]


@pytest.fixture
def signal_log():
    log = SignalLog()
    receivers = {
        signals.payment_succeeded: log.receiver("payment_succeeded"),
        signals.payment_failed: log.receiver("payment_failed"),
        signals.refund_succeeded: log.receiver("refund_succeeded"),
    }
    for signal, receiver in receivers.items():
        signal.connect(receiver, weak=False)
    yield log
    for signal, receiver in receivers.items():
        signal.disconnect(receiver)


@pytest.fixture
def member(db):
    return factories.make_member()


# --- A local stand-in for Stripe's API ------------------------------------------------------------


class StripeStub:
    """A threaded HTTP server on 127.0.0.1 answering the three calls payments makes with the
    JSON shapes of Stripe's API reference, recording every request the library sent. Like
    Stripe, a repeated Idempotency-Key gets the first answer again."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.refund_status = "succeeded"
        self.fail_paths: set[str] = set()  # path patterns answered with a Stripe error
        self._answers: dict[str, tuple[int, dict]] = {}
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                status, answer = stub.answer(self.path, dict(self.headers), body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                """Silent: http.server would print every stub request into the test output."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str, headers: dict, body: str) -> tuple[int, dict]:
        params = dict(parse_qsl(body))
        key = headers.get("Idempotency-Key")
        with self._lock:
            self.requests.append({"path": path, "headers": headers, "params": params})
            if key and key in self._answers:
                return self._answers[key]
            answer = self._make(path, params)
            if key:
                self._answers[key] = answer
            return answer

    def _make(self, path: str, params: dict) -> tuple[int, dict]:
        if any(re.fullmatch(pattern, path) for pattern in self.fail_paths):
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "message": "The stub was told to refuse this request.",
                }
            }
        now = int(time.time())
        metadata = {
            name[len("metadata[") : -1]: value
            for name, value in params.items()
            if name.startswith("metadata[")
        }
        if path == "/v1/payment_intents":
            intent_id = f"pi_{secrets.token_hex(12)}"
            return 200, {
                "id": intent_id,
                "object": "payment_intent",
                "amount": int(params["amount"]),
                "amount_received": 0,
                "currency": params["currency"],
                "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
                "created": now,
                "livemode": False,
                "metadata": metadata,
                "status": "requires_payment_method",
            }
        if match := re.fullmatch(r"/v1/payment_intents/([^/]+)/cancel", path):
            return 200, {
                "id": match[1],
                "object": "payment_intent",
                "status": "canceled",
                "cancellation_reason": params.get("cancellation_reason"),
                "livemode": False,
            }
        if path == "/v1/refunds":
            return 200, {
                "id": f"re_{secrets.token_hex(12)}",
                "object": "refund",
                "amount": int(params["amount"]),
                "currency": "jpy",
                "payment_intent": params["payment_intent"],
                "created": now,
                "metadata": metadata,
                "status": self.refund_status,
            }
        return 404, {"error": {"type": "invalid_request_error", "message": f"no route {path}"}}

    def calls(self, path_pattern: str) -> list[dict]:
        with self._lock:
            return [r for r in self.requests if re.fullmatch(path_pattern, r["path"])]


@pytest.fixture
def stripe_stub(settings):
    stub = StripeStub()
    thread = threading.Thread(
        target=stub.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    settings.STRIPE_SECRET_KEY = "sk_test_stub_key"
    settings.STRIPE_API_BASE = stub.url
    yield stub
    stub.server.shutdown()
    stub.server.server_close()
    thread.join()
