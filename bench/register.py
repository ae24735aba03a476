"""Benchmark of a sale at a staffed register, end to end through Django's HTTP stack (middleware,
session, CSRF-exempt test client, DRF, the service, the payment, the signals and the realtime
publish on a real Redis), in one process, one cashier after another.

    .venv/bin/python bench/register.py                       # SQLite in a temporary directory
    .venv/bin/python bench/register.py --database-url postgres://postgres@127.0.0.1:5432/omostore_bench_register
    .venv/bin/python bench/register.py --sales 300 --items 1 5 20

For each basket size and payment (cash; wallet with a fresh member QR per sale) it prints sales
per second, p50 and p99 latency of the sale request, SQL queries per sale, and the queries and
milliseconds that each extra scanned item adds (pricing each scan is one more request, measured
apart: the "scan" row). Only databases whose name contains "bench" are created or dropped.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--sales", type=int, default=200, help="sales per basket size and method")
    parser.add_argument("--items", type=int, nargs="+", default=[1, 5, 20])
    args = parser.parse_args()

    from scan import Processes, prepare_postgres, start_redis

    procs = Processes()
    tmp = Path(tempfile.mkdtemp(prefix="omostore-bench-register-"))
    try:
        database_url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
        if database_url.startswith("postgres"):
            if "bench" not in database_url.rsplit("/", 1)[-1]:
                raise SystemExit("the database name must contain 'bench'")
            prepare_postgres(database_url, recreate=True)
        os.environ.update(
            {
                "DATABASE_URL": database_url,
                "REDIS_URL": start_redis(procs, tmp),
                "OMOSTORE_VAR_DIR": str(tmp),
                "DEBUG": "false",
                "DJANGO_SETTINGS_MODULE": "omostore.settings",
            }
        )
        run(args)
    finally:
        procs.stop_all()


def run(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.member_qr import issue_member_qr
    from catalog.models import StoreOffer
    from orders.models import Order
    from stores.models import StaffRole
    from tests import factories

    call_command("migrate", verbosity=0)
    store = factories.make_store(code=f"bench-{uuid.uuid4().hex[:6]}")
    offers = [
        factories.make_offer(store=store, price=100 + n, stock_on_hand=1_000_000)
        for n in range(max(args.items))
    ]
    cashier = factories.make_staff(store=store, role=StaffRole.Role.EXIT)
    member = factories.make_member()
    factories.make_wallet(member=member, balance=2_000_000_000)
    client = Client(HTTP_HOST="localhost")
    client.force_login(cashier)

    def sale(items: int, method: str) -> tuple[float, int]:
        body = {
            "store": store.code,
            "items": [{"code": offer.product.barcode, "quantity": 1} for offer in offers[:items]],
            "payment_method": method,
        }
        if method == "cash":
            body["cash_tendered"] = 1_000_000
        else:
            body["member_qr"] = issue_member_qr(member=member).token
        reset_queries()  # the log keeps 9,000 queries: counting needs it short
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.post(
                "/api/v1/staff/register/sales/",
                body,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
            )
            elapsed = time.perf_counter() - started
        if response.status_code != 201:
            raise SystemExit(f"sale refused: {response.status_code} {response.content[:300]!r}")
        return elapsed, len(queries)

    def scan() -> tuple[float, int]:
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(
                "/api/v1/staff/register/items/",
                {"store": store.code, "code": offers[0].product.barcode},
            )
            elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.content
        return elapsed, len(queries)

    for _ in range(10):  # warm up
        sale(1, "cash")
        scan()
    rows = []
    times, queries = zip(*(scan() for _ in range(args.sales)), strict=True)
    rows.append(("scan (price one item)", "-", times, queries))
    per_size: dict[tuple[str, int], tuple[float, float]] = {}
    for method in ("cash", "wallet"):
        for items in args.items:
            times, queries = zip(*(sale(items, method) for _ in range(args.sales)), strict=True)
            rows.append((f"sale of {items} item(s)", method, times, queries))
            per_size[(method, items)] = (statistics.median(times), statistics.mean(queries))

    print(f"\nregister sale, {connection.vendor}, {args.sales} per row, one client in-process\n")
    print(f"{'what':<24} {'pay':<7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8}")
    for what, method, times, queries in rows:
        print(
            f"{what:<24} {method:<7} {len(times) / sum(times):>8.1f} "
            f"{statistics.median(times) * 1000:>8.2f} {_percentile(times, 0.99) * 1000:>8.2f} "
            f"{statistics.mean(queries):>8.1f}"
        )
    low, high = min(args.items), max(args.items)
    if high > low:
        print()
        for method in ("cash", "wallet"):
            (t_low, q_low), (t_high, q_high) = per_size[(method, low)], per_size[(method, high)]
            print(
                f"{method}: each extra item adds {(q_high - q_low) / (high - low):.1f} queries and "
                f"{(t_high - t_low) * 1000 / (high - low):.2f} ms to the sale (p50)"
            )
    sold = Order.objects.filter(store=store, channel="register").count()
    negative = StoreOffer.objects.filter(store=store, stock_on_hand__lt=0).count()
    print(f"\nchecked: {sold} register orders, {negative} offers below zero")


if __name__ == "__main__":
    main()
