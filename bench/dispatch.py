"""Benchmark of the dispatcher's planning core (``fulfillment.dispatch``) on generated instances.

    .venv/bin/python bench/dispatch.py                   # 50/10, 150/20, 300/40; 2 s vs 20 s
    .venv/bin/python bench/dispatch.py --sizes 50:10 --reference-s 5 --seeds 1 2 3

Each instance is one hour of delivery orders around the demo store (OMO Fresh Nihonbashi,
35.6822 N 139.7733 E), seeded: addresses uniform over the 3 km delivery disc, orders placed
uniformly from 15 minutes ago to 45 minutes from now (a static instance with release times, as
the EURO Meets NeurIPS 2022 static variant), bags ready 4 to 12 minutes after the order is
placed, promised 30 minutes after it is placed, 1 to 3 bags, 60 to 120 s at the door. Riders:
60 % bicycles, 30 % scooters, 10 % on foot (the default speeds and boxes), a third of them
back at the store only in the next 0 to 10 minutes, shifts ending in 4 hours.

For each instance it prints: the plan time with the default 2 s budget, the total riding time
of the plan against PyVRP given the reference budget (20 s by default; target <= 1.01x) and
against the greedy fallback, the planner's cost (riding + door time + lateness), and the orders
planned late. Planning is single-threaded; run it on an idle machine for stable figures.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from fulfillment.dispatch.instance import Depot, Instance, Order, Point, Rider, Vehicle
from fulfillment.dispatch.plan import Plan
from fulfillment.dispatch.problem import build_problem
from fulfillment.dispatch.solver import greedy_plan, plan

STORE = Point(lat=35.6822, lon=139.7733)  # omostore/demo.py: OMO Fresh Nihonbashi
RADIUS_M = 3000.0
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # 18:00 in Tokyo


def generate_instance(*, n_orders: int, n_riders: int, seed: int) -> Instance:
    """A seeded instance (see the module docstring)."""
    rng = random.Random(seed)
    orders = []
    for k in range(n_orders):
        distance = RADIUS_M * math.sqrt(rng.random())
        bearing = rng.uniform(0.0, 2 * math.pi)
        north, east = distance * math.cos(bearing), distance * math.sin(bearing)
        location = Point(
            lat=STORE.lat + north / 110_574.0,
            lon=STORE.lon + east / (111_320.0 * math.cos(math.radians(STORE.lat))),
        )
        placed = NOW + timedelta(seconds=rng.uniform(-15 * 60, 105 * 60))
        orders.append(
            Order(
                id=f"o{k:03d}",
                location=location,
                ready_at=placed + timedelta(seconds=rng.uniform(4 * 60, 12 * 60)),
                promised_by=placed + timedelta(minutes=30),
                bags=rng.choice((1, 1, 2, 2, 3)),
                service_s=rng.randint(60, 120),
            )
        )
    riders = []
    for k in range(n_riders):
        vehicle = rng.choices(
            (Vehicle.BICYCLE, Vehicle.SCOOTER, Vehicle.ON_FOOT), weights=(6, 3, 1)
        )[0]
        back = timedelta(seconds=rng.uniform(0, 600)) if rng.random() < 1 / 3 else timedelta()
        riders.append(
            Rider(
                id=f"r{k:02d}",
                vehicle=vehicle,
                available_at=NOW + back,
                shift_ends_at=NOW + timedelta(hours=4),
            )
        )
    return Instance(
        now=NOW, depot=Depot(location=STORE), orders=tuple(orders), riders=tuple(riders)
    )


def unavoidably_late(instance: Instance) -> int:
    """Orders that would be late even on a trip of their own with the best rider: a lower bound
    on the late orders of any plan."""
    problem = build_problem(instance)
    count = 0
    for i in range(problem.n_orders):
        if i in problem.unplannable:
            continue
        earliest = min(
            max(slot.free_s, int(problem.release_s[i]))
            + problem.handover_s
            + int(slot.durations[0, problem.loc(i)])
            for slot in problem.riders
            if slot.capacity >= problem.bags[i]
        )
        count += earliest > problem.deadline_s[i]
    return count


def _late_minutes(plan: Plan) -> float:
    return sum(stop.late_s for stop in plan.late_stops) / 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=["50:10", "150:20", "300:40"],
        help="orders:riders per instance",
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[1], help="instance seeds")
    parser.add_argument("--budget-s", type=float, default=2.0, help="the dispatcher's budget")
    parser.add_argument("--reference-s", type=float, default=20.0, help="the reference budget")
    parser.add_argument("--solver-seed", type=int, default=0)
    args = parser.parse_args()
    sizes = [tuple(int(part) for part in size.split(":")) for size in args.sizes]

    console = Console(width=max(Console().width, 150))
    table = Table(
        title=f"dispatch planning: {args.budget_s:g} s budget vs {args.reference_s:g} s "
        "PyVRP vs greedy fallback (riding time in minutes)"
    )
    for column in (
        "orders",
        "riders",
        "seed",
        "plan s",
        "method",
        "riding",
        "ref riding",
        "ratio",
        "greedy riding",
        "greedy/plan",
        "cost/ref cost",
        "late (ref, greedy)",
        "late min",
        "late lower bound",
    ):
        table.add_column(column, justify="right")
    ratios = []
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=None)
        for n_orders, n_riders in sizes:
            for seed in args.seeds:
                label = f"{n_orders} orders, {n_riders} riders, seed {seed}"
                instance = generate_instance(n_orders=n_orders, n_riders=n_riders, seed=seed)
                progress.update(task, description=f"{label}: greedy")
                greedy = greedy_plan(instance)
                progress.update(task, description=f"{label}: {args.budget_s:g} s plan")
                started = time.perf_counter()
                planned = plan(instance, budget_s=args.budget_s, seed=args.solver_seed)
                plan_s = time.perf_counter() - started
                progress.update(task, description=f"{label}: {args.reference_s:g} s reference")
                reference = plan(instance, budget_s=args.reference_s, seed=args.solver_seed)
                ratio = planned.travel_s / reference.travel_s
                ratios.append(ratio)
                table.add_row(
                    str(n_orders),
                    str(n_riders),
                    str(seed),
                    f"{plan_s:.2f}",
                    planned.method.value
                    + (f" ({planned.fallback_reason})" if planned.fallback_reason else ""),
                    f"{planned.travel_s / 60:.0f}",
                    f"{reference.travel_s / 60:.0f}",
                    f"{ratio:.3f}",
                    f"{greedy.travel_s / 60:.0f}",
                    f"{greedy.travel_s / planned.travel_s:.2f}",
                    f"{planned.cost / reference.cost:.3f}",
                    f"{len(planned.late_stops)} ({len(reference.late_stops)}, "
                    f"{len(greedy.late_stops)})",
                    f"{_late_minutes(planned):.0f}",
                    str(unavoidably_late(instance)),
                )
    console.print(table)
    console.print(
        "riding = total riding time of the planned trips; ratio = riding / reference riding "
        "(target <= 1.01); cost = riding + 5 x seconds late; late = orders planned late "
        "(lower bound: late even alone with the best rider)."
    )
    worst = max(ratios)
    console.print(f"worst riding ratio {worst:.3f}: target {'met' if worst <= 1.01 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
