"""The real store, as `make run` starts it (supervisord, web, worker, beat, embedded Redis), on a
var/ directory and a port of its own, for the fault-injection tests; and a load of shoppers.

Nothing here is a stand-in: the tests kill and freeze the real processes.
"""

from __future__ import annotations

import configparser
import contextlib
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
import xmlrpc.client
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SEED = """
import json
from django.core.management import call_command
from accounts.tokens import issue_api_token
from tests import factories

call_command("migrate", interactive=False, verbosity=0)
store = factories.make_store(code="fault-store")
offer = factories.make_offer(store=store, price=100, stock_on_hand=100000)
label = factories.make_label(offer=offer)
tokens = []
for _ in range(10):  # checkouts are limited to 20 a minute per member
    member = factories.make_member()
    factories.make_wallet(member=member, balance=10_000_000)
    tokens.append(issue_api_token(user=member.user)[1])
print(json.dumps({"store": store.code, "sku": offer.product.sku, "code": label.code,
                  "tokens": tokens}))
"""


def wait_for(condition, *, timeout: float, interval: float = 0.05, what: str):
    """Poll `condition` until it returns something truthy; return it, or fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting {timeout} s for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pid_alive(pid: int) -> bool:
    """True for a running (or stopped) process, False for a dead or zombie one."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in {"Z", "X"}


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (children, their children...)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


@dataclass
class Database:
    """A database of the store's own, on the engine the suite runs on."""

    url: str
    drop: object = None

    @classmethod
    def create(cls, var_dir: Path) -> Database:
        suite_url = os.environ.get("DATABASE_URL", "")
        if not suite_url.startswith("postgres"):
            return cls(url=f"sqlite:///{var_dir / 'omostore.sqlite3'}")
        import psycopg

        base, _, name = suite_url.rpartition("/")
        store_db = f"{name.split('?')[0]}_faults_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{store_db}"')

        def drop() -> None:
            with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{store_db}" WITH (FORCE)')

        return cls(url=f"{base}/{store_db}", drop=drop)


class RunningStore:
    """`python manage.py run_store` (what `make run` runs) on its own var/ and port."""

    def __init__(self, *, var_dir: Path, database: Database) -> None:
        self.var_dir, self.database = var_dir, database
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = var_dir / "store.log"
        self.env = {
            key: value
            for key, value in os.environ.items()
            # The store runs its own (embedded) Redis: that is the one the tests kill.
            if key not in {"REDIS_URL", "PORT", "HOST"}
        } | {
            "OMOSTORE_VAR_DIR": str(var_dir),
            "DATABASE_URL": database.url,
            "DJANGO_ENV": "development",
            "PYTHONUNBUFFERED": "1",
            "HEALTH_CELERY_TIMEOUT": "2",
        }

    # --- life ---

    def seed(self) -> dict:
        """Migrate, then a store, an offer with a shelf label, and a member with a full wallet."""
        out = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", SEED],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=180,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    def start(self) -> subprocess.Popen:
        return self.run_store()

    def run_store(self) -> subprocess.Popen:
        """Start `run_store`; the first one becomes the supervisor (it execs supervisord)."""
        handle = self.log.open("ab")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_store", "--no-demo", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        handle.close()
        if self.process is None:
            self.process = process
        return process

    def wait_healthy(self, timeout: float = 90) -> float:
        started = time.monotonic()
        wait_for(lambda: self.get("/healthz").status == 200, timeout=timeout, what="/healthz 200")
        return time.monotonic() - started

    def stop(self) -> None:
        """Ctrl-C, as a person would; SIGKILL if it does not stop (the children follow)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    # --- processes ---

    @property
    def supervisor_pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def _rpc(self):
        from supervisor.xmlrpc import SupervisorTransport

        config = configparser.RawConfigParser()
        config.read(self.var_dir / "run" / "supervisord.conf")
        section = config["supervisorctl"]
        transport = SupervisorTransport(
            section["username"], section["password"], section["serverurl"]
        )
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def program(self, name: str) -> dict:
        return self._rpc().supervisor.getProcessInfo(name)

    def pid(self, name: str) -> int:
        """The pid of a running program, once supervisord says it is RUNNING."""
        return wait_for(
            lambda: (info := self.program(name))["statename"] == "RUNNING" and info["pid"],
            timeout=30,
            what=f"{name} RUNNING",
        )

    @property
    def redis_socket(self) -> Path:
        return self.var_dir / "redis" / "redis.sock"

    def redis_answers(self) -> bool:
        import redis

        try:
            return bool(
                redis.Redis(unix_socket_path=str(self.redis_socket), socket_timeout=0.2).ping()
            )
        except redis.RedisError:
            return False

    # --- HTTP ---

    def get(self, path: str, *, headers: dict | None = None, timeout: float = 10) -> Response:
        return self.request("GET", path, headers=headers, timeout=timeout)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: dict | None = None,
        headers: dict | None = None,
        timeout: float = 10,
    ) -> Response:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 (our own http://127.0.0.1 server)
            self.base + path, data=data, method=method, headers=headers or {}
        )
        if data is not None:
            request.add_header("Content-Type", "application/json")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
                status, payload = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        except (urllib.error.URLError, OSError) as error:
            status, payload = 0, str(error).encode()
        return Response(started, time.monotonic(), status, payload)


@dataclass
class Response:
    started: float
    ended: float
    status: int
    body: bytes

    @property
    def seconds(self) -> float:
        return self.ended - self.started


@dataclass
class Shoppers:
    """Threads that scan the shelf label and check out until stopped, and a /healthz poller.

    Every scan carries a device id of its own, so the scans the store acknowledged (200) can be
    looked for in the database afterwards.
    """

    store: RunningStore
    seed: dict
    scans: list = field(default_factory=list)  # (Response, device id)
    checkouts: list = field(default_factory=list)  # Response of each API call
    health: list = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list = field(default_factory=list)

    def start(self, *, scanners: int = 2) -> None:
        loops = [self._scan] * scanners + [self._checkout, self._poll_health]
        self._threads = [threading.Thread(target=loop, daemon=True) for loop in loops]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=15)

    def _scan(self) -> None:
        while not self._stop.is_set():
            device = str(uuid.uuid4())
            answer = self.store.get(
                f"/s/{self.seed['code']}?src=scanner", headers={"Cookie": f"omo_device={device}"}
            )
            self.scans.append((answer, device))

    def _checkout(self) -> None:
        for turn in itertools.count():
            if self._stop.is_set():
                return
            tokens = self.seed["tokens"]
            auth = {"Authorization": f"Token {tokens[turn % len(tokens)]}"}
            line = {"store": self.seed["store"], "sku": self.seed["sku"], "quantity": 1}
            self.checkouts.append(
                self.store.request("POST", "/api/v1/cart/lines/", body=line, headers=auth)
            )
            order = {"store": self.seed["store"], "channel": "in_store", "payment_method": "wallet"}
            self.checkouts.append(
                self.store.request(
                    "POST",
                    "/api/v1/checkout/",
                    body=order,
                    headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
                )
            )

    def _poll_health(self) -> None:
        while not self._stop.is_set():
            self.health.append(self.store.get("/healthz"))
            self._stop.wait(0.2)


def scanned_devices(database: Database) -> set[str]:
    """The device ids of every scan event in the store's database."""
    sql = "SELECT device_id FROM catalog_scanevent"
    if database.url.startswith("sqlite"):
        import sqlite3

        with contextlib.closing(sqlite3.connect(database.url.removeprefix("sqlite:///"))) as db:
            return {row[0] for row in db.execute(sql)}
    import psycopg

    with psycopg.connect(database.url) as db:
        return {row[0] for row in db.execute(sql)}
