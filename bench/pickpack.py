"""Benchmark of pick and pack: paid orders reaching the pickers' tablets, and the tablets' work.

    .venv/bin/python bench/pickpack.py                     # SQLite, 50 tablets, 5/s and 20/s
    .venv/bin/python bench/pickpack.py --rates 5 --seconds 20
    .venv/bin/python bench/pickpack.py --database-url postgres://postgres@127.0.0.1:5432/omostore_bench_pickpack

What it does, all inside a temporary directory it removes at the end (bench/scan.py's helpers):

1. a fresh database (`migrate`, `load_demo_store`, `collectstatic`), a Redis of its own on a
   unix socket, the demo store open around the clock with plenty of stock, --members shoppers
   with wallet money and --tablets pickers, each logged in (a session cookie);
2. serves the app as production does (DJANGO_ENV=production, uvicorn with --workers 2 and the
   websockets-sansio protocol, as the Procfile) and a Celery worker (production settings);
3. a child process opens one websocket per tablet (`/ws/staff/stores/<code>/zones/<zone>/`,
   the tablets spread evenly over the five zones) and notes when each `pick.task` event of a new
   task arrives (a sequence gap is counted and resynced, as the tablet does);
4. for each rate: shoppers check out 1-3 random demo products (pickup or delivery, paid from
   the wallet: the real checkout path, in this process) at that many orders a second for
   --seconds; `order_paid` → the receiver → the Celery task → the tasks' events → every tablet of
   their zone. Latency = arrival on the tablet minus the order's `paid_at` (set inside the payment's
   transaction, so slightly before its commit: the figure errs on the slow side);
5. claim and confirm round trips: --pickers pickers at once each claim an open task over HTTP
   and confirm one item of it by its barcode (the tablet's API calls), p50/p99;
6. queries per claim and per confirm, in-process (django.test.Client + CaptureQueriesContext).

Target (issue 9): p99 < 250 ms from the payment's commit to the tablets at 5 orders a second.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import shutil
import signal
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scan import (
    PYTHON,
    Processes,
    Setup,
    _raise_on_sigterm,
    check_local_url,
    free_port,
    log_tail,
    prepare_database,
    prepare_postgres,
    setup_django,
    start_redis,
)

ZONES = ["ambient", "chilled", "frozen", "produce", "seafood"]
TARGET_P99_MS = 250.0


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


# --- The tablets (a child process) --------------------------------------------------------------


async def _tablet(index, url, cookie, origin, out, ready: asyncio.Event, counts: dict) -> None:
    from websockets.asyncio.client import connect

    zone = ZONES[index % len(ZONES)]
    seen: set[int] = set()
    async with connect(
        f"{url}/ws/staff/stores/{counts['store']}/zones/{zone}/",
        additional_headers={"Cookie": f"sessionid={cookie}"},
        origin=origin,
        open_timeout=30,
        max_queue=None,
    ) as socket:
        last = None
        async for raw in socket:
            now = time.time()
            frame = json.loads(raw)
            if frame["type"] == "snapshot":
                last = frame["seq"]
                seen.update(task["id"] for task in frame["data"]["tasks"])
                if not counts.setdefault("ready_once", set()).__contains__(index):
                    counts["ready_once"].add(index)
                    out.write(f"ready {index}\n")
                    out.flush()
                    if len(counts["ready_once"]) == counts["tablets"]:
                        ready.set()
                continue
            if frame["type"] != "event":
                continue
            if last is not None and frame["seq"] != last + 1 and frame["seq"] > last:
                out.write(f"gap {index}\n")
                await socket.send(json.dumps({"type": "resync"}))
                last = None
                continue
            last = frame["seq"]
            task = frame["payload"].get("task") or {}
            if task.get("id") not in seen and task.get("status") == "open":
                seen.add(task["id"])
                out.write(f"event {index} {zone} {task['order_number']} {task['id']} {now:.6f}\n")


async def _tablets_main(args) -> None:
    cookies = json.loads(Path(args.cookies).read_text())
    counts = {"store": args.store, "tablets": len(cookies)}
    ready = asyncio.Event()
    with open(args.out, "w", buffering=1) as out:
        jobs = [
            asyncio.create_task(_tablet(i, args.url, cookie, args.origin, out, ready, counts))
            for i, cookie in enumerate(cookies)
        ]
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        for job in jobs:
            job.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)


# --- Setup in this process (production settings) -------------------------------------------------


def prepare_people(*, members: int, tablets: int, pickers: int) -> dict:
    import datetime

    from django.contrib.auth import get_user_model
    from django.db.models import F
    from django.test import Client

    from accounts.models import Member
    from catalog.models import StoreOffer
    from payments.models import WalletAccount, WalletEntry
    from stores.models import StaffRole, Store
    from stores.services import grant_store_role

    store = Store.objects.get(code="tokyo-nihonbashi")
    Store.objects.filter(pk=store.pk).update(
        opens_at=datetime.time(0, 0), closes_at=datetime.time(0, 0)
    )
    StoreOffer.objects.filter(store=store).update(
        stock_on_hand=F("stock_reserved") + 10_000_000, is_active=True
    )
    User = get_user_model()
    shoppers = []
    for n in range(members):
        user = User.objects.create_user(email=f"bench-shopper-{n}@example.com", password=None)
        member = Member.objects.create(user=user, home_store=store)
        account = WalletAccount.objects.create(member=member, currency="JPY", balance=10**9)
        WalletEntry.objects.create(
            account=account,
            kind=WalletEntry.Kind.TOP_UP,
            amount=10**9,
            balance_after=10**9,
            idempotency_key=f"bench-top-up:{n}",
        )
        shoppers.append(member.pk)
    cookies = []
    staff = []
    for n in range(max(tablets, pickers)):
        user = User.objects.create_user(email=f"bench-picker-{n}@example.com", password=None)
        grant_store_role(user=user, store=store, role=StaffRole.Role.PICKER)
        client = Client()
        client.force_login(user)
        cookies.append(client.cookies["sessionid"].value)
        staff.append(user.pk)
    offers = list(
        StoreOffer.objects.filter(store=store, is_active=True, product__sold_by="piece")
        .select_related("product")
        .values_list("product__sku", "product__zone")
    )
    return {
        "store": store.code,
        "store_lat": float(store.latitude),
        "store_lng": float(store.longitude),
        "members": shoppers,
        "cookies": cookies,
        "staff": staff,
        "skus": [sku for sku, _zone in offers],
    }


def pay_orders(data: dict, *, rate: float, seconds: float, seed: int) -> tuple[dict, float]:
    """Check out and pay (wallet) `rate` orders a second for `seconds`: {number: paid_at}."""
    from decimal import Decimal

    from accounts.models import Member
    from orders import services
    from orders.models import Order
    from stores.models import Store

    rng = random.Random(seed)
    store = Store.objects.get(code=data["store"])
    paid: dict[str, float] = {}
    total = int(rate * seconds)
    start = time.monotonic()
    late = 0.0
    for i in range(total):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            late = max(late, -delay)
        member = Member.objects.get(pk=rng.choice(data["members"]))
        cart = services.cart_for_member(member=member, store=store)
        for sku in rng.sample(data["skus"], rng.randint(1, 3)):
            services.add_to_cart(cart=cart, sku=sku, quantity=1)
        channel = rng.choice(["pickup", "delivery"])
        delivery = (
            services.DeliveryRequest(
                address="bench",
                latitude=Decimal(str(round(data["store_lat"] + 0.002, 6))),
                longitude=Decimal(str(round(data["store_lng"] + 0.002, 6))),
                phone="03-0000-0000",
            )
            if channel == "delivery"
            else None
        )
        order, _payment, _created = services.place_order(
            member=member,
            store=store,
            channel=channel,
            payment_method="wallet",
            delivery=delivery,
            idempotency_key=secrets.token_hex(8),
            fingerprint=secrets.token_hex(8),
        )
        order = Order.objects.get(pk=order.pk)
        if order.paid_at is None:
            raise SystemExit(f"order {order.number} was not paid: {order.status}")
        paid[order.number] = order.paid_at.timestamp()
    return paid, late


def written_after_payment(numbers: list[str], paid: dict[str, float]) -> list[float]:
    """Milliseconds from each order's payment to its tasks' rows (the Celery hop and the
    service), to tell that part from the websocket delivery."""
    from fulfillment.models import PickTask

    return [
        (created.timestamp() - paid[number]) * 1000
        for number, created in PickTask.objects.filter(order__number__in=numbers).values_list(
            "order__number", "created_at"
        )
    ]


def expected_zones(numbers: list[str]) -> dict[str, set[str]]:
    from fulfillment.models import PickTask

    zones: dict[str, set[str]] = {}
    for number, zone in PickTask.objects.filter(order__number__in=numbers).values_list(
        "order__number", "zone"
    ):
        zones.setdefault(number, set()).add(zone)
    return zones


def read_events(path: Path) -> tuple[dict[tuple[str, str, int], float], int]:
    arrivals: dict[tuple[str, str, int], float] = {}
    gaps = 0
    for line in path.read_text().splitlines():
        parts = line.split()
        if parts[0] == "event":
            _kind, tablet, zone, number, _task, at = parts
            arrivals[(number, zone, int(tablet))] = float(at)
        elif parts[0] == "gap":
            gaps += 1
    return arrivals, gaps


# --- Claim and confirm over HTTP ---------------------------------------------------------------


def claim_and_confirm(port: int, cookie: str, task_id: int, line_id: int, barcode: str):
    csrf = secrets.token_hex(16)
    headers = {
        "Cookie": f"sessionid={cookie}; csrftoken={csrf}",
        "X-CSRFToken": csrf,
        "Content-Type": "application/json",
        "Origin": f"http://127.0.0.1:{port}",
    }
    times = []
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for path, body in [
            (f"/api/v1/staff/pick-tasks/{task_id}/claim/", {}),
            (
                f"/api/v1/staff/pick-tasks/{task_id}/lines/{line_id}/scan/",
                {"barcode": barcode, "source": "wedge", "client_id": secrets.token_hex(8)},
            ),
        ]:
            began = time.perf_counter()
            conn.request("POST", path, body=json.dumps(body), headers=headers)
            response = conn.getresponse()
            response.read()
            times.append(((time.perf_counter() - began) * 1000, response.status))
    finally:
        conn.close()
    return times


def round_trips(port: int, data: dict, *, pickers: int, rounds: int) -> dict:
    from fulfillment.models import PickLine, PickTask

    tasks = list(PickTask.objects.filter(status="open").order_by("due_at")[: pickers * rounds])
    jobs = []
    for n, task in enumerate(tasks):
        line = PickLine.objects.filter(task=task).select_related("offer__product").first()
        jobs.append((data["cookies"][n % pickers], task.pk, line.pk, line.offer.product.barcode))
    claims, confirms, errors = [], [], 0
    with ThreadPoolExecutor(max_workers=pickers) as pool:
        for result in pool.map(lambda job: claim_and_confirm(port, *job), jobs):
            (claim_ms, claim_status), (scan_ms, scan_status) = result
            if claim_status != 200 or scan_status != 200:
                errors += 1
            claims.append(claim_ms)
            confirms.append(scan_ms)
    return {"claims": claims, "confirms": confirms, "errors": errors}


def queries_per_action(data: dict) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from fulfillment.models import PickLine, PickTask

    task = PickTask.objects.filter(status="open").first()
    line = PickLine.objects.filter(task=task).select_related("offer__product").first()
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(pk=data["staff"][-1]))
    with CaptureQueriesContext(connection) as claim:
        assert client.post(f"/api/v1/staff/pick-tasks/{task.pk}/claim/").status_code == 200
    with CaptureQueriesContext(connection) as confirm:
        response = client.post(
            f"/api/v1/staff/pick-tasks/{task.pk}/lines/{line.pk}/scan/",
            {"barcode": line.offer.product.barcode, "source": "typed", "client_id": "q1"},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
    return {"claim": len(claim), "confirm": len(confirm)}


# --- Main ----------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[5.0, 20.0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--tablets", type=int, default=50)
    parser.add_argument("--pickers", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=10, help="claims per picker")
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    # the tablets' child process
    parser.add_argument("--tablets-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--origin", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--cookies", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def wait_for(condition, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(0.05)


def start_app(procs: Processes, setup: Setup, workers: int) -> int:
    port = free_port()
    log = setup.tmp / "uvicorn.log"
    proc = procs.start(
        [
            PYTHON, "-m", "uvicorn", "omostore.asgi:application",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
            "--no-access-log", "--ws", "websockets-sansio", "--loop", "uvloop",
            "--http", "httptools",
        ],
        env=setup.env(production=True),
        log=log,
    )  # fmt: skip

    def up() -> bool:
        if proc.poll() is not None:
            raise SystemExit(f"uvicorn exited:\n{log_tail(log)}")
        with contextlib.suppress(OSError):
            conn = HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/ping")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok and log.read_text().count("Application startup complete.") >= workers
        return False

    wait_for(up, timeout=90, what="uvicorn")
    return port


def start_worker(procs: Processes, setup: Setup) -> None:
    log = setup.tmp / "celery.log"
    procs.start(
        [
            PYTHON, "-m", "celery", "-A", "omostore", "worker", "--loglevel=WARNING",
            "--concurrency=2", "--without-mingle", "--without-gossip",
            "--hostname=bench-pickpack@%h",
        ],
        env=setup.env(production=True),
        log=log,
    )  # fmt: skip
    from omostore.celery import app

    wait_for(lambda: bool(app.control.ping(timeout=0.5)), timeout=90, what="the Celery worker")


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.tablets_child:
        asyncio.run(_tablets_main(args))
        return
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    tmp = Path(tempfile.mkdtemp(prefix="omostore-bench-pickpack-"))
    procs = Processes()
    try:
        redis_url = start_redis(procs, tmp)
        database_url = args.database_url or f"sqlite:///{tmp / 'db.sqlite3'}"
        if database_url.startswith("postgres"):
            check_local_url(database_url)
            prepare_postgres(database_url, recreate=True)
        setup = Setup(tmp=tmp, database_url=database_url, redis_url=redis_url)
        print(f"preparing the database and Redis in {tmp} …", flush=True)
        prepare_database(setup)
        setup_django(setup)
        data = prepare_people(members=args.members, tablets=args.tablets, pickers=args.pickers)
        port = start_app(procs, setup, args.workers)
        start_worker(procs, setup)
        cookies = tmp / "cookies.json"
        cookies.write_text(json.dumps(data["cookies"][: args.tablets]))
        events = tmp / "events.txt"
        tablets = procs.start(
            [
                PYTHON, str(Path(__file__).resolve()), "--tablets-child",
                "--url", f"ws://127.0.0.1:{port}", "--origin", f"http://127.0.0.1:{port}",
                "--store", data["store"], "--cookies", str(cookies), "--out", str(events),
            ],
            env=setup.env(production=True),
            log=tmp / "tablets.log",
        )  # fmt: skip
        wait_for(
            lambda: (
                (events.exists() and events.read_text().count("ready ") >= args.tablets)
                or tablets.poll() is not None
            ),
            timeout=120,
            what=f"{args.tablets} tablets",
        )
        if tablets.poll() is not None:
            raise SystemExit(f"the tablets exited:\n{log_tail(tmp / 'tablets.log')}")
        print(f"{args.tablets} tablets connected over websockets (10 per zone)", flush=True)

        results = []
        for rate in args.rates:
            paid, late = pay_orders(data, rate=rate, seconds=args.seconds, seed=args.seed)
            zones = {}

            def delivered(paid=paid) -> bool:
                nonlocal zones
                zones = expected_zones(list(paid))
                want = sum(
                    len([t for t in range(args.tablets) if ZONES[t % 5] == z])
                    for zs in zones.values()
                    for z in zs
                )
                have, _gaps = read_events(events)
                got = sum(1 for (number, _z, _t) in have if number in paid)
                return len(zones) == len(paid) and got >= want

            with contextlib.suppress(SystemExit):
                wait_for(delivered, timeout=30, what="every event")
            arrivals, gaps = read_events(events)
            latencies, missing = [], 0
            for number, order_zones in zones.items():
                for zone in order_zones:
                    for tablet in range(args.tablets):
                        if ZONES[tablet % 5] != zone:
                            continue
                        at = arrivals.get((number, zone, tablet))
                        if at is None:
                            missing += 1
                        else:
                            latencies.append((at - paid[number]) * 1000)
            written = written_after_payment(list(paid), paid)
            results.append(
                {
                    "written_p50": pct(written, 50),
                    "written_p99": pct(written, 99),
                    "rate": rate,
                    "orders": len(paid),
                    "with_tasks": len(zones),
                    "deliveries": len(latencies),
                    "missing": missing,
                    "gaps": gaps,
                    "p50": pct(latencies, 50),
                    "p99": pct(latencies, 99),
                    "max": max(latencies) if latencies else None,
                    "late": late,
                }
            )
            print(
                f"{rate:g}/s: {len(paid)} orders, {len(latencies)} task events on tablets, "
                f"p50 {fmt(pct(latencies, 50))} ms, p99 {fmt(pct(latencies, 99))} ms",
                flush=True,
            )
        trips = round_trips(port, data, pickers=args.pickers, rounds=args.rounds)
        queries = queries_per_action(data)
        procs.stop(tablets)
        print_report(args, results, trips, queries)
    finally:
        procs.stop_all()
        if args.database_url.startswith("postgres") and not args.keep:
            with contextlib.suppress(Exception):
                drop_bench_database(args.database_url)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def drop_bench_database(url: str) -> None:
    """Drop the bench's PostgreSQL database (only one named *bench*)."""
    import urllib.parse

    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        return
    from django.db import connections

    connections.close_all()
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def print_report(args, results, trips, queries) -> None:
    print()
    print(
        f"Payment → task event on every tablet of its zone ({args.tablets} tablets, "
        f"{args.workers} uvicorn workers, 1 Celery worker, {args.seconds:g} s per rate)"
    )
    print(
        "| orders/s | orders | task events on tablets | missing | gaps | p50 ms | p99 ms | max ms "
        "| of which payment → task rows p50 / p99 ms |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| {r['rate']:g} | {r['orders']} | {r['deliveries']} | {r['missing']} | {r['gaps']} "
            f"| {fmt(r['p50'])} | {fmt(r['p99'])} | {fmt(r['max'])} "
            f"| {fmt(r['written_p50'])} / {fmt(r['written_p99'])} |"
        )
    print()
    claims, confirms = trips["claims"], trips["confirms"]
    print(f"Round trips over HTTP ({args.pickers} pickers at once, {len(claims)} claims in all):")
    print("| action | p50 ms | p99 ms | errors |")
    print("| --- | --- | --- | --- |")
    print(f"| claim | {fmt(pct(claims, 50))} | {fmt(pct(claims, 99))} | {trips['errors']} |")
    print(f"| confirm (scan) | {fmt(pct(confirms, 50))} | {fmt(pct(confirms, 99))} | |")
    print()
    print(f"Queries: claim {queries['claim']}, confirm {queries['confirm']}")
    first = results[0] if results else None
    if first and first["p99"] is not None:
        verdict = "holds" if first["p99"] < TARGET_P99_MS and not first["missing"] else "MISSED"
        print(
            f"Target p99 < {TARGET_P99_MS:g} ms at {first['rate']:g}/s with no event lost: "
            f"{verdict}"
        )
    load = os.getloadavg()
    print(
        f"(python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}: other programs share the machine)"
    )


if __name__ == "__main__":
    main()
