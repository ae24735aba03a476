"""One dispatcher tick on the database: 300 pending delivery orders and 40 riders (seeded, as in
bench/dispatch.py), timed end to end through `fulfillment.dispatch_service.tick.plan_and_commit`
(read the pool, plan within DISPATCH_BUDGET_SECONDS, commit the must-go trips in one
transaction), then split into its parts. Target: < 2 s per tick on the 2-core machine.

    .venv/bin/python bench/dispatch_tick.py                      # SQLite in var/bench-dispatch/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omostore_bench \
        .venv/bin/python bench/dispatch_tick.py
    .venv/bin/python bench/dispatch_tick.py --orders 150 --riders 20 --ticks 5

A PostgreSQL database given by DATABASE_URL must be empty (it is migrated and filled here).
Each tick starts from the same pool (the trips a tick commits are rolled back before the next),
so the figures are comparable; a Redis of its own is not needed (the lock is not taken).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--riders", type=int, default=40)
    parser.add_argument("--ticks", type=int, default=3)
    parser.add_argument("--budget", type=float, default=None, help="seconds (default: setting)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    var = ROOT / "var" / "bench-dispatch"
    if "DATABASE_URL" not in os.environ:
        shutil.rmtree(var, ignore_errors=True)
        var.mkdir(parents=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{var / 'db.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omostore.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from bench.dispatch import NOW, generate_instance
    from fulfillment import dispatch as core
    from fulfillment.dispatch_service import tick
    from fulfillment.models import Rider
    from orders.models import Order
    from payments.models import PaymentMethod
    from stores.models import StaffRole
    from tests import factories

    if args.budget is not None:
        settings.DISPATCH_BUDGET_SECONDS = args.budget
    call_command("migrate", verbosity=0)
    instance = generate_instance(n_orders=args.orders, n_riders=args.riders, seed=args.seed)
    store = factories.make_store(
        code=f"bench-{int(time.time())}",
        latitude=Decimal(f"{instance.depot.location.lat:.6f}"),
        longitude=Decimal(f"{instance.depot.location.lon:.6f}"),
    )
    member = factories.make_member()
    now = timezone.now()
    shift = now - NOW  # the generated instance's times, moved to now
    orders = []
    for k, o in enumerate(instance.orders):
        ready_in = (o.ready_at + shift - now).total_seconds()
        orders.append(
            Order(
                store=store,
                member=member,
                channel="delivery",
                status="packed" if ready_in <= 0 else "picking",
                currency="JPY",
                total=1000,
                payment_method=PaymentMethod.TEST,
                idempotency_key=f"bench-{k}",
                request_fingerprint="x" * 64,
                delivery_address=f"{k} bench street",
                delivery_latitude=Decimal(f"{o.location.lat:.6f}"),
                delivery_longitude=Decimal(f"{o.location.lon:.6f}"),
                promised_by=o.promised_by + shift,
                paid_at=now,
            )
        )
    Order.objects.bulk_create(orders)
    for r in instance.riders:
        user = factories.make_staff(store=store, role=StaffRole.Role.RIDER)
        Rider.objects.create(
            user=user,
            store=store,
            display_name=str(r.id),
            vehicle=r.vehicle,
            duty=Rider.Duty.ON_DUTY,
            shift_ends_at=r.shift_ends_at + shift,
        )

    rows = []
    for _ in range(args.ticks):
        with transaction.atomic():
            started = time.perf_counter()
            t0 = time.perf_counter()
            snapshot = tick.build_instance(store=store, now=timezone.now())
            read_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            decision = core.dispatch_tick(
                snapshot.instance,
                tick_s=settings.DISPATCH_TICK_SECONDS,
                budget_s=tick.plan_budget_s(started=started),
                provider=tick.travel_provider(),
            )
            plan_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            trips = tick.commit_decision(snapshot=snapshot, decision=decision)
            commit_s = time.perf_counter() - t0
            total_s = time.perf_counter() - started
            rows.append(
                (
                    total_s,
                    read_s,
                    plan_s,
                    commit_s,
                    len(trips),
                    decision.plan.method,
                    len(decision.plan.late_stops),
                )
            )
            transaction.set_rollback(True)  # the next tick starts from the same pool
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"{args.orders} pending orders, {args.riders} riders, {engine}, budget "
        f"{settings.DISPATCH_BUDGET_SECONDS} s, {args.ticks} ticks"
    )
    print("tick total s | read s | plan s | commit s | trips committed | method | late in plan")
    for total_s, read_s, plan_s, commit_s, n, method, late in rows:
        print(
            f"{total_s:12.3f} | {read_s:6.3f} | {plan_s:6.3f} | {commit_s:8.3f} | "
            f"{n:15d} | {method} | {late}"
        )
    print(f"median tick: {statistics.median(r[0] for r in rows):.3f} s")


if __name__ == "__main__":
    main()
