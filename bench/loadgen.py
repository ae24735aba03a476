"""A small closed-loop HTTP/1.1 load generator, run by `bench/scan.py` in a process of its own.

Why not httpx/aiohttp: on a 2-core box the load generator shares the CPU with the server under
test, so every microsecond it spends is taken from the server. A bare asyncio protocol on uvloop
feeding the `httptools` parser (both already installed for uvicorn) costs a few tens of
microseconds per request, several times less than a full-featured client. The caller measures
the CPU this process uses, so the report shows how much of the machine it took.

Model: `concurrency` virtual clients, each with one keep-alive connection, each sending its next
request as soon as the previous response is complete (closed loop, no pipelining). They share
one cycle over `paths`, so consecutive requests spread over many different label codes. A
connection the server closes (e.g. gunicorn's sync worker answers `Connection: close`) is
reopened for the next request and the connect time counts in that request's latency, as it would
for a real client. Each virtual client keeps the cookies it is given, like a phone's browser
(so `omo_device` and `csrftoken` are set once, not on every page).

Input: a JSON object as the only argument: host, port, paths, concurrency, warmup, seconds, timeout,
and optionally cookies (a list per client of "name=value" strings it starts with).
Output: a JSON object on stdout (see `main`). Only ever connects to 127.0.0.1/localhost.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from collections import Counter

import httptools

try:
    import uvloop
except ImportError:  # pragma: no cover - uvicorn[standard] installs it
    uvloop = None

ALLOWED_HOSTS = {"127.0.0.1", "localhost"}


class _Response:
    """httptools callbacks for one response; `waiter` resolves when it is complete."""

    __slots__ = ("body_head", "body_len", "cookies", "parser", "waiter")

    def __init__(self, waiter: asyncio.Future) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.waiter = waiter
        self.body_len = 0
        self.body_head = b""
        self.cookies: list[bytes] = []

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"set-cookie":
            self.cookies.append(value.split(b";", 1)[0])

    def on_body(self, body: bytes) -> None:
        if len(self.body_head) < 300:
            self.body_head += body[:300]
        self.body_len += len(body)

    def on_message_complete(self) -> None:
        if not self.waiter.done():
            self.waiter.set_result(None)


class _Connection(asyncio.Protocol):
    """A bare protocol (no StreamReader in between): bytes go straight into the parser."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.response: _Response | None = None
        self.closed = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.response is None:
            return
        try:
            self.response.parser.feed_data(data)
        except httptools.HttpParserError as error:
            if not self.response.waiter.done():
                self.response.waiter.set_exception(error)

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self.response is not None and not self.response.waiter.done():
            self.response.waiter.set_exception(
                exc or ConnectionResetError("server closed the connection mid-response")
            )


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()
        self.error_samples: dict[str, str] = {}
        self.bytes = 0
        self.reconnects = 0
        self.warmup_requests = 0


class VirtualClient:
    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: _Connection | None = None
        self.cookies: dict[bytes, bytes] = {}
        self.host_header = f"{host}:{port}".encode()

    def close(self) -> None:
        if self.conn is not None and self.conn.transport is not None:
            self.conn.transport.close()
        self.conn = None

    def _request_bytes(self, path: str) -> bytes:
        lines = [
            b"GET " + path.encode() + b" HTTP/1.1",
            b"Host: " + self.host_header,
            b"User-Agent: omostore-bench",
            b"Accept: text/html,application/json;q=0.9,*/*;q=0.8",
            b"Accept-Language: en",
        ]
        if self.cookies:
            lines.append(b"Cookie: " + b"; ".join(k + b"=" + v for k, v in self.cookies.items()))
        return b"\r\n".join(lines) + b"\r\n\r\n"

    async def get(self, path: str) -> tuple[int, _Response, bool]:
        """One request; returns (status, response, new_connection)."""
        loop = asyncio.get_running_loop()
        new = False
        if self.conn is None or self.conn.closed:
            _, self.conn = await loop.create_connection(_Connection, self.host, self.port)
            new = True
        response = _Response(loop.create_future())
        self.conn.response = response
        self.conn.transport.write(self._request_bytes(path))
        await response.waiter
        self.conn.response = None
        for cookie in response.cookies:
            name, _, value = cookie.partition(b"=")
            self.cookies[name.strip()] = value.strip()
        if not response.parser.should_keep_alive():
            self.close()
        return response.parser.get_status_code(), response, new


async def _client_loop(
    client: VirtualClient,
    paths,
    stats: Stats,
    measure_from: float,
    measure_to: float,
) -> None:
    """Requests started in [measure_from, measure_to) are recorded; earlier ones are warm-up."""
    clock = time.perf_counter
    while True:
        started = clock()
        if started >= measure_to:
            break
        path = next(paths)
        measured = started >= measure_from
        try:
            status, response, new = await asyncio.wait_for(client.get(path), client.timeout)
        except (TimeoutError, OSError, httptools.HttpParserError) as error:
            client.close()
            if measured:
                key = type(error).__name__
                stats.errors[key] += 1
                stats.error_samples.setdefault(key, f"{path}: {error}")
                stats.latencies.append(clock() - started)
            continue
        if not measured:
            stats.warmup_requests += 1
            continue
        stats.latencies.append(clock() - started)
        stats.bytes += response.body_len
        stats.reconnects += new
        if status != 200:
            key = f"HTTP {status}"
            stats.errors[key] += 1
            body = response.body_head.decode("utf-8", "replace").replace("\n", " ")[:200]
            stats.error_samples.setdefault(key, f"{path}: {body}")


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


async def run(config: dict) -> dict:
    host, port = config["host"], int(config["port"])
    if host not in ALLOWED_HOSTS:
        raise SystemExit(f"refusing to load anything but localhost, not {host!r}")
    paths = itertools.cycle(config["paths"])
    stats = Stats()
    clients = [
        VirtualClient(host, port, float(config.get("timeout", 10)))
        for _ in range(int(config["concurrency"]))
    ]
    # Logged-in clients: each starts with its own cookies ("name=value" strings), e.g. a session.
    for i, cookies in enumerate(config.get("cookies") or []):
        for cookie in cookies:
            name, _, value = cookie.partition("=")
            clients[i % len(clients)].cookies[name.encode()] = value.encode()
    start = time.perf_counter()
    measure_from = start + float(config["warmup"])
    measure_to = measure_from + float(config["seconds"])
    await asyncio.gather(
        *(_client_loop(c, paths, stats, measure_from, measure_to) for c in clients)
    )
    for client in clients:
        client.close()
    # Throughput over the measuring window: requests started in it divided by its length
    # (the stragglers that finish after it are few: at most `concurrency`).
    window = float(config["seconds"])
    latencies = sorted(stats.latencies)
    n = len(latencies)
    ok = n - sum(stats.errors.values())
    return {
        "requests": n,
        "ok": ok,
        "rps": n / window,
        "ok_rps": ok / window,
        "p50_ms": _percentile(latencies, 0.50) * 1000,
        "p90_ms": _percentile(latencies, 0.90) * 1000,
        "p99_ms": _percentile(latencies, 0.99) * 1000,
        "max_ms": (latencies[-1] * 1000) if latencies else float("nan"),
        "mean_ms": (sum(latencies) / n * 1000) if n else float("nan"),
        "errors": dict(stats.errors),
        "error_samples": stats.error_samples,
        "avg_bytes": stats.bytes / ok if ok else 0,
        "new_connections": stats.reconnects,
        "warmup_requests": stats.warmup_requests,
    }


def main() -> None:
    config = json.loads(sys.argv[1])
    loop_factory = uvloop.new_event_loop if uvloop is not None else None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        result = runner.run(run(config))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
