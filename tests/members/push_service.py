"""A stand-in for a browser's push service (FCM, Mozilla, Apple), for tests.

It listens on 127.0.0.1, and for every POST it does what a real push service and the browser
behind it do: checks the VAPID `Authorization` header with py_vapid's own verifier (and that its
key is the server's, its audience this origin, its expiry in the future), and decrypts the
aes128gcm body with the real `http_ece` using the browser's private key and auth secret. It
answers 201, or what the test asked for (404, 410, 500) for an endpoint.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """A browser's subscription keys: the P-256 key pair and the 16-byte auth secret."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)


@dataclass
class Received:
    path: str
    headers: dict
    payload: dict | None
    vapid_key: str
    claims: dict
    error: str = ""


class PushService:
    def __init__(self) -> None:
        self.browsers: dict[str, Browser] = {}
        self.answers: dict[str, int] = {}
        self.received: list[Received] = []
        self._lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = service.receive(self.path, dict(self.headers), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def subscribe(self, name: str, *, answer: int = 201) -> tuple[str, Browser]:
        """A new browser subscription at this service: (endpoint, its keys)."""
        browser = Browser()
        path = f"/push/{name}"
        self.browsers[path] = browser
        self.answers[path] = answer
        return self.origin + path, browser

    def receive(self, path: str, headers: dict, body: bytes) -> int:
        browser = self.browsers.get(path)
        if browser is None:
            return 404
        headers = {name.lower(): value for name, value in headers.items()}
        auth = headers.get("authorization", "")
        error, claims, key = "", {}, ""
        try:
            assert Vapid02.verify(auth), "VAPID signature does not verify"
            parts = dict(p.split("=", 1) for p in auth.split(" ", 1)[1].split(","))
            key = parts["k"]
            claims = json.loads(unb64url(parts["t"].split(".")[1]))
            assert claims["aud"] == self.origin, f"audience {claims['aud']}"
            assert claims["exp"] > time.time(), "expired"
            assert headers.get("content-encoding") == "aes128gcm"
            plain = http_ece.decrypt(
                body,
                private_key=browser.private_key,
                auth_secret=browser.auth_secret,
                version="aes128gcm",
            )
            payload = json.loads(plain)
        except Exception as exc:  # recorded: the test asserts there was none
            payload, error = None, f"{type(exc).__name__}: {exc}"
        with self._lock:
            self.received.append(Received(path, headers, payload, key, claims, error))
        return self.answers[path]

    def __enter__(self) -> PushService:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
