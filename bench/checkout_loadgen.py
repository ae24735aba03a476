"""The checkout load generator, run by `bench/checkout.py` in a process of its own.

`bench/loadgen.py` sends only GETs of a list of paths; a checkout needs POSTs with a JSON body,
an `Authorization: Token ...` header, a fresh `Idempotency-Key` and (for the test provider) a
follow-up request built from the answer. This module reuses loadgen's bare asyncio protocol and
httptools parser (`_Connection`, `_Response`, `_percentile`) and adds only the request side.

Model: `concurrency` shoppers, each with one keep-alive connection (reopened when the server
closes it; the connect time then counts in that request), each looping as fast as its answers
come back: put 1-3 products in the cart (one `POST /api/v1/cart/lines/` each), then
`POST /api/v1/checkout/` (in_store) and, for the test provider, confirm the payment. Each loop
is one member; a shopper walks through its own members in turn (members are never shared
between shoppers), so the checkout rate limit of one member (20 a minute) is not what is
measured. A loop started in the measuring window runs to its end, so no cart is left half-full.

Input: the path of a JSON file as the only argument (see `checkout.py`'s `run_load`; a file, not
the command line, so that the members' tokens do not show in `ps`). Output: a JSON object
on stdout: per request kind (cart, checkout, confirm) the measured latencies and statuses, and
totals over the whole run (warm-up included), which the caller checks against the database.
Only ever connects to 127.0.0.1/localhost.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import sys
import time
import uuid
from collections import Counter

import httptools
from loadgen import ALLOWED_HOSTS, _Connection, _percentile, _Response

try:
    import uvloop
except ImportError:  # pragma: no cover - uvicorn[standard] installs it
    uvloop = None

KINDS = ("cart", "checkout", "confirm")


class _FullResponse(_Response):
    """loadgen's response with the whole body kept (a checkout answer is a few KB), and whether
    the connection stays open read while the parser still knows: once the message is complete,
    httptools' `should_keep_alive()` answers False whatever the server said (loadgen's
    `VirtualClient.get` asks it then, and so reconnects for every request)."""

    __slots__ = ("chunks", "keep_alive")

    def __init__(self, waiter: asyncio.Future) -> None:
        super().__init__(waiter)
        self.chunks: list[bytes] = []
        self.keep_alive = False

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.body_len += len(body)

    def on_headers_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()

    def body(self) -> bytes:
        return b"".join(self.chunks)


class Client:
    """One shopper's connection: POSTs JSON with a token, keep-alive, reconnects on close."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: _Connection | None = None
        self.host_header = f"{host}:{port}".encode()
        self.reconnects = 0

    def close(self) -> None:
        if self.conn is not None and self.conn.transport is not None:
            self.conn.transport.close()
        self.conn = None

    async def post(
        self, path: str, body: dict, *, token: str, extra: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        loop = asyncio.get_running_loop()
        if self.conn is None or self.conn.closed:
            _, self.conn = await loop.create_connection(_Connection, self.host, self.port)
            self.reconnects += 1
        payload = json.dumps(body, separators=(",", ":")).encode()
        lines = [
            b"POST " + path.encode() + b" HTTP/1.1",
            b"Host: " + self.host_header,
            b"User-Agent: omostore-bench",
            b"Accept: application/json",
            b"Accept-Language: en",
            b"Content-Type: application/json",
            b"Content-Length: " + str(len(payload)).encode(),
            b"Authorization: Token " + token.encode(),
        ]
        for name, value in (extra or {}).items():
            lines.append(name.encode() + b": " + value.encode())
        response = _FullResponse(loop.create_future())
        self.conn.response = response
        self.conn.transport.write(b"\r\n".join(lines) + b"\r\n\r\n" + payload)
        await response.waiter
        self.conn.response = None
        if not response.keep_alive:
            self.close()
        return response.parser.get_status_code(), response.body()


class Stats:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
        self.statuses: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
        self.samples: dict[str, str] = {}
        # Over the whole run, warm-up and the loops that end after the window included.
        self.total: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
        self.loops = 0


def _outcome(kind: str, status: int, body: bytes, scenario: str) -> str:
    """A status label: "201", "409 insufficient_stock", "500", or "201 not-paid" when a wallet
    checkout answered 201 without the order being paid."""
    if status >= 400:
        try:
            code = json.loads(body)["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return str(status)
        return f"{status} {code}"
    if kind == "checkout" and status == 201:
        try:
            order_status = json.loads(body)["status"]
        except (ValueError, KeyError, TypeError):
            return "201 unreadable-body"
        expected = "paid" if scenario == "wallet" else "placed"
        if order_status != expected:
            return f"201 order-{order_status}"
    return str(status)


async def _request(
    client: Client,
    stats: Stats,
    kind: str,
    path: str,
    body: dict,
    *,
    token: str,
    window: tuple[float, float],
    scenario: str,
    extra: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """One request, recorded as measured when it started inside `window`. Returns (status,
    body); status 0 for a failed request (timeout, reset)."""
    started = time.perf_counter()
    measured = window[0] <= started < window[1]
    try:
        status, answer = await asyncio.wait_for(
            client.post(path, body, token=token, extra=extra), client.timeout
        )
        label = _outcome(kind, status, answer, scenario)
    except (TimeoutError, OSError, httptools.HttpParserError) as error:
        client.close()
        status, answer, label = 0, b"", type(error).__name__
    elapsed = time.perf_counter() - started
    stats.total[kind][label] += 1
    if measured:
        stats.latencies[kind].append(elapsed)
        stats.statuses[kind][label] += 1
    if not label.startswith("20"):
        stats.samples.setdefault(
            f"{kind} {label}",
            f"{path}: " + answer[:300].decode("utf-8", "replace").replace("\n", " "),
        )
    return status, answer


async def _shopper(
    index: int, client: Client, tokens: list[str], stats: Stats, config: dict, window
) -> None:
    rng = random.Random(config["seed"] * 1000 + index)
    members = itertools.cycle(tokens)
    skus: list[str] = config["skus"]
    store, scenario = config["store"], config["scenario"]
    run = {"window": window, "scenario": scenario}
    while time.perf_counter() < window[1]:
        token = next(members)
        for sku in rng.sample(skus, rng.randint(1, 3)):
            await _request(
                client,
                stats,
                "cart",
                "/api/v1/cart/lines/",
                {"store": store, "sku": sku, "quantity": 1},
                token=token,
                **run,
            )
        status, answer = await _request(
            client,
            stats,
            "checkout",
            "/api/v1/checkout/",
            {"store": store, "channel": "in_store", "payment_method": scenario},
            token=token,
            extra={"Idempotency-Key": f"bench-{uuid.uuid4().hex}"},
            **run,
        )
        if scenario == "test" and status == 201:
            try:
                confirm_url = json.loads(answer)["payment"]["confirm_url"]
            except (ValueError, KeyError, TypeError):
                confirm_url = None
            if confirm_url:
                await _request(
                    client,
                    stats,
                    "confirm",
                    confirm_url,
                    {"outcome": "succeed"},
                    token=token,
                    **run,
                )
        stats.loops += 1


def _summary(latencies: list[float], statuses: Counter, seconds: float) -> dict:
    values = sorted(latencies)
    n = len(values)
    return {
        "requests": n,
        "rps": n / seconds,
        "statuses": dict(statuses),
        "p50_ms": _percentile(values, 0.50) * 1000,
        "p90_ms": _percentile(values, 0.90) * 1000,
        "p99_ms": _percentile(values, 0.99) * 1000,
        "max_ms": values[-1] * 1000 if values else float("nan"),
        "mean_ms": sum(values) / n * 1000 if n else float("nan"),
    }


async def run(config: dict) -> dict:
    host, port = config["host"], int(config["port"])
    if host not in ALLOWED_HOSTS:
        raise SystemExit(f"refusing to load anything but localhost, not {host!r}")
    concurrency = int(config["concurrency"])
    tokens: list[str] = config["tokens"]
    if len(tokens) < concurrency:
        raise SystemExit(
            f"{len(tokens)} members for {concurrency} shoppers: need at least one each"
        )
    stats = Stats()
    clients = [Client(host, port, float(config["timeout"])) for _ in range(concurrency)]
    start = time.perf_counter()
    window = (start + float(config["warmup"]), start + float(config["warmup"] + config["seconds"]))
    await asyncio.gather(
        *(
            _shopper(i, client, tokens[i::concurrency], stats, config, window)
            for i, client in enumerate(clients)
        )
    )
    ended = time.perf_counter()
    for client in clients:
        client.close()
    seconds = float(config["seconds"])
    return {
        "kinds": {
            kind: _summary(stats.latencies[kind], stats.statuses[kind], seconds)
            for kind in KINDS
            if stats.total[kind]
        },
        "total": {kind: dict(counter) for kind, counter in stats.total.items() if counter},
        "samples": stats.samples,
        "loops": stats.loops,
        "reconnects": sum(c.reconnects for c in clients),
        "overrun_s": max(0.0, ended - window[1]),
    }


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as config_file:
        config = json.load(config_file)
    loop_factory = uvloop.new_event_loop if uvloop is not None else None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        result = runner.run(run(config))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
