"""The planner: a PyVRP 0.14 model of one tick, solved within a time budget, with the greedy
plan as its starting solution and as the fallback.

The model (integer seconds, time 0 = ``Instance.now``):

- one depot, the store, whose ``service_duration`` is the handover before each departure;
  riders may come back and reload there (``reload_depots``), so each rider's later trips are
  planned too and the first trip is chosen knowing what comes after it;
- a vehicle type per group of identical riders (same vehicle and speed, box, free time and
  shift end; usually one rider each): ``capacity=[bags]``, ``tw_early`` = back at the store,
  ``tw_late`` = end of the shift (back by then), a routing profile per vehicle and speed whose
  distance and duration matrices are both the riding seconds, ``unit_distance_cost=1`` and
  ``unit_duration_cost=0``: the objective counts riding time, not waiting at the store;
- per order, a few clients at its door in one optional, mutually exclusive client group
  (``add_client_group(required=False)``), one per lateness step: with ``base`` = the promise,
  or the earliest any rider could be there when even that is late, the copies have
  ``tw_late`` = ``base``, ``base + late_tiers_s[0]``, ... and a last one none at all; each
  earns ``unplanned_penalty - lateness_weight * (its tw_late - promise)`` as ``prize`` (the
  last as if its tw_late were ``base + unbounded_late_s``). Every copy has ``release_time`` =
  when the bags are ready, ``service_duration``, ``delivery=[bags]`` and ``required=False``.

Why copies: PyVRP 0.14 has hard time windows only. A late arrival is "time warp", which makes
a solution infeasible (the search penalises it only to steer towards feasibility), so a plain
``tw_late`` = promise would drop, not deliver late, an order that cannot make it. With one
copy per lateness step, arriving late is a feasible choice that costs a priced step of
lateness, and leaving the order out costs the whole ``unplanned_penalty``: an order that cannot
be on time is planned late, never dropped while a rider can still reach it. The plan's own
cost and lateness are then computed exactly, second by second, from the chosen order of stops.

The search (``solve_with_restarts``): PyVRP's iterated local search from the greedy plan, with
wider granular neighbourhoods and gentler starting penalties than its defaults, restarted from
its best solution every ``RESTART_S`` seconds, stopped by a wall-clock ``Deadline`` that counts
the whole budget (matrix, greedy, model and PyVRP's set-up included).
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from pyvrp import (
    Activity,
    ActivityType,
    IteratedLocalSearch,
    Model,
    PenaltyManager,
    PenaltyParams,
    ProblemData,
    RandomNumberGenerator,
    Result,
    Route,
    Solution,
    SolveParams,
    Statistics,
)
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.search import (
    LocalSearch,
    NeighbourhoodParams,
    PerturbationManager,
    compute_neighbours,
)

from fulfillment.dispatch.greedy import greedy_routes, routes_from_ids
from fulfillment.dispatch.instance import Instance, OrderId, Point, RiderId
from fulfillment.dispatch.plan import Method, Plan
from fulfillment.dispatch.problem import (
    PlanInvalid,
    Problem,
    Settings,
    build_problem,
    make_plan,
    route_times,
)
from fulfillment.dispatch.travel import RoadMatrixProvider

logger = logging.getLogger(__name__)

DEFAULT_BUDGET_S = 2.0
RESERVE_S = 0.1  # of the budget: the last search iteration may run over, and the Plan is built

SolveFunction = Callable[..., Result]


@dataclass(frozen=True)
class PyvrpModel:
    """The PyVRP data of a problem and the maps back to orders and riders."""

    data: ProblemData
    client_order: list[int]  # PyVRP client index -> pending order index
    client_late_s: list[int | None]  # lateness allowed by the copy (None: unbounded)
    order_clients: dict[int, list[int]]  # pending order index -> its copies, on-time first
    type_slots: list[list[int]]  # vehicle type index -> rider slot indices


def build_model(problem: Problem) -> PyvrpModel:
    """The PyVRP 0.14 model of ``problem`` (see the module docstring)."""
    settings = problem.settings
    model = Model()
    store = model.add_location(x=0, y=0, name="store")
    depot = model.add_depot(location=store, service_duration=problem.handover_s, name="store")
    locations = [store]
    origin = problem.instance.depot.location
    for order in problem.instance.orders:
        x, y = _metres_east_north(origin, order.location)
        locations.append(model.add_location(x=x, y=y, name=str(order.id)))

    profiles: dict[tuple, object] = {}
    for slot in problem.riders:
        if slot.profile not in profiles:
            profiles[slot.profile] = model.add_profile(name=f"{slot.profile[0]}@{slot.profile[1]}")

    type_slots: list[list[int]] = []
    groups: dict[tuple, list[int]] = {}
    for slot in problem.riders:
        key = (slot.profile, slot.capacity, slot.free_s, slot.end_s)
        groups.setdefault(key, []).append(slot.index)
    for (profile, capacity, free_s, end_s), slots in groups.items():
        model.add_vehicle_type(
            num_available=len(slots),
            capacity=[capacity],
            start_depot=depot,
            end_depot=depot,
            tw_early=free_s,
            tw_late=end_s,
            unit_distance_cost=1,
            unit_duration_cost=0,
            profile=profiles[profile],
            reload_depots=[depot] if settings.multi_trip else [],
            name=",".join(str(problem.riders[s].rider.id) for s in slots),
        )
        type_slots.append(slots)

    earliest = _earliest_arrivals(problem)
    client_order: list[int] = []
    client_late_s: list[int | None] = []
    order_clients: dict[int, list[int]] = {}
    weight = settings.lateness_weight
    for i, order in enumerate(problem.instance.orders):
        if i in problem.unplannable:
            continue
        # The lateness steps count from the promise, or from the earliest possible arrival when
        # even that is late (so unavoidable lateness is still priced, step by step).
        deadline = int(problem.deadline_s[i])
        base = max(deadline, earliest[i])
        steps: list[tuple[int | None, int]] = [
            (base + step, settings.unplanned_penalty - weight * (base + step - deadline))
            for step in (0, *settings.late_tiers_s)
        ]
        unbounded = base + settings.unbounded_late_s - deadline
        steps.append((None, settings.unplanned_penalty - weight * unbounded))
        group = model.add_client_group(required=False, name=str(order.id))
        order_clients[i] = []
        for tw_late, prize in steps:
            order_clients[i].append(len(client_order))
            model.add_client(
                location=locations[i + 1],
                delivery=[int(problem.bags[i])],
                service_duration=int(problem.service_s[i]),
                release_time=int(problem.release_s[i]),
                **({} if tw_late is None else {"tw_late": max(0, tw_late)}),
                prize=prize,
                required=False,
                group=group,
                name=f"{order.id}@{tw_late if tw_late is not None else 'any'}",
            )
            client_order.append(i)
            client_late_s.append(None if tw_late is None else tw_late - deadline)

    # Every profile's edges: the seconds at that profile's speed, as both PyVRP's "distance"
    # (what the objective counts: riding time) and its duration (what time windows use). Set
    # as whole matrices on the data: the same as one add_edge per pair and profile, without
    # n^2 Python calls per profile inside a 2 s budget.
    data = model.data()
    durations = {slot.profile: slot.durations for slot in problem.riders}
    size = len(locations)
    matrices = [durations[key][:size, :size] for key in profiles]
    data = data.replace(distance_matrices=matrices, duration_matrices=matrices)
    return PyvrpModel(
        data=data,
        client_order=client_order,
        client_late_s=client_late_s,
        order_clients=order_clients,
        type_slots=type_slots,
    )


def _metres_east_north(origin: Point, point: Point) -> tuple[int, int]:
    """Flat-earth offsets from the store (PyVRP's coordinates are only drawn, never routed)."""
    north = (point.lat - origin.lat) * 110_574.0
    east = (point.lon - origin.lon) * 111_320.0 * math.cos(math.radians(origin.lat))
    return round(east), round(north)


def _earliest_arrivals(problem: Problem) -> list[int]:
    """Per pending order, the earliest any rider could be at its door (a trip with it alone)."""
    out = []
    for i in range(problem.n_orders):
        best = None
        for slot in problem.riders:
            if problem.bags[i] > slot.capacity:
                continue
            arrival = (
                max(slot.free_s, int(problem.release_s[i]))
                + problem.handover_s
                + int(slot.durations[0, problem.loc(i)])
            )
            best = arrival if best is None else min(best, arrival)
        out.append(best if best is not None else 0)
    return out


def routes_to_solution(
    problem: Problem, model: PyvrpModel, routes: dict[int, list[list[int]]]
) -> Solution:
    """PyVRP's ``Solution`` for ``routes`` (rider slot -> trips), each stop on the cheapest copy
    whose window its arrival fits."""
    slot_type = {slot: t for t, slots in enumerate(model.type_slots) for slot in slots}
    pyvrp_routes = []
    for slot_index, trips in routes.items():
        slot = problem.riders[slot_index]
        activities: list[Activity] = []
        for k, (stops, times) in enumerate(
            zip(trips, route_times(problem, slot, trips), strict=True)
        ):
            if k:
                activities.append(Activity(ActivityType.DEPOT, 0))
            for i, arrival in zip(stops, times.arrivals_s, strict=True):
                late = max(0, arrival - int(problem.deadline_s[i]))
                activities.append(Activity(ActivityType.CLIENT, _copy_for(model, i, late)))
        pyvrp_routes.append(Route(model.data, activities, slot_type[slot_index]))
    return Solution(model.data, pyvrp_routes)


def _copy_for(model: PyvrpModel, order: int, late: int) -> int:
    for client in model.order_clients[order]:
        allowed = model.client_late_s[client]
        if allowed is None or late <= allowed:
            return client
    raise PlanInvalid(f"no copy of order index {order} admits {late} s late")


def solution_to_routes(model: PyvrpModel, solution: Solution) -> dict[int, list[list[int]]]:
    """Rider slot -> trips -> pending order indices, from PyVRP's solution. Routes of a vehicle
    type shared by identical riders go to those riders in order."""
    taken = [0] * len(model.type_slots)
    routes: dict[int, list[list[int]]] = {}
    for route in solution.routes():
        vehicle_type = route.vehicle_type()
        slot = model.type_slots[vehicle_type][taken[vehicle_type]]
        taken[vehicle_type] += 1
        trips: list[list[int]] = [[] for _ in range(route.num_trips())]
        for activity in route.schedule():
            if activity.is_client():
                trips[activity.trip].append(model.client_order[activity.idx])
        routes[slot] = [stops for stops in trips if stops]
    return routes


# Tuned on bench/dispatch.py's instances (300 orders, four clients each): granular
# neighbourhoods of 200 instead of 50 (each order's copies share a place, so 50 neighbours
# cover only a dozen doors), and infeasibility penalties starting at 5,000 per second of time
# warp or bag over capacity, re-weighed every 50 solutions, instead of 50,000 re-weighed every
# 500 (with those, a two-second search never leaves the feasible region it starts in).
SOLVE_PARAMS = SolveParams(
    neighbourhood=NeighbourhoodParams(num_neighbours=200),
    penalty=PenaltyParams(max_penalty=10_000.0, solutions_between_updates=50),
)
RESTART_S = 0.25


def solve_with_restarts(
    data: ProblemData,
    stop: Callable[[float], bool],
    seed: int = 0,
    collect_stats: bool = False,
    display: bool = False,
    params: SolveParams = SOLVE_PARAMS,
    initial_solution: Solution | None = None,
    restart_s: float = RESTART_S,
) -> Result:
    """``pyvrp.solve`` (same arguments, same parts: granular neighbourhoods, local search,
    penalty manager, iterated local search), restarted every ``restart_s`` seconds from the
    best solution so far with fresh penalties and acceptance history, until ``stop``.

    Why: on these instances PyVRP's iterated local search finds nearly all of its improvements
    in its first fraction of a second and then stalls; restarting from the best (the set-up is
    built once) keeps improving. The restarts follow ``stop.clock`` when ``stop`` has one (a
    ``Deadline``). ``collect_stats`` and ``display`` are accepted for ``pyvrp.solve``'s
    signature; no statistics are kept.
    """
    clock = getattr(stop, "clock", time.perf_counter)
    started = clock()
    rng = RandomNumberGenerator(seed=seed)
    neighbours = compute_neighbours(data, params.neighbourhood)
    search = LocalSearch(data, rng, neighbours, PerturbationManager(params.perturbation))
    for operator in params.operators:
        if operator.supports(data):
            search.add_operator(operator(data))
    if initial_solution is None:
        penalties = PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)
        initial_solution = search(
            Solution.make_random(data, rng), penalties.max_cost_evaluator(), exhaustive=True
        )
    best = initial_solution
    iterations = 0
    while True:
        penalties = PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)
        if stop(penalties.cost_evaluator().cost(best)):
            break
        slice_ends = clock() + restart_s
        result = IteratedLocalSearch(data, penalties, search, best, params.ils).run(
            lambda cost, slice_ends=slice_ends: stop(cost) or clock() >= slice_ends,
            collect_stats=False,
            display=False,
        )
        iterations += result.num_iterations
        best = result.best
    return Result(best, Statistics(collect_stats=False), iterations, clock() - started)


class Deadline:
    """A PyVRP stopping criterion: stop when ``clock()`` reaches ``at``. Unlike ``MaxRuntime``,
    whose clock starts at the search's first iteration, this also counts PyVRP's set-up
    (granular neighbourhoods, operators: a few tenths of a second on 300 orders)."""

    def __init__(self, at: float, clock: Callable[[], float] = time.perf_counter) -> None:
        self.at = at
        self.clock = clock

    def __call__(self, best_cost: float) -> bool:
        return self.clock() >= self.at


def plan(
    instance: Instance,
    *,
    budget_s: float = DEFAULT_BUDGET_S,
    seed: int = 0,
    provider: RoadMatrixProvider | None = None,
    settings: Settings | None = None,
    solve: SolveFunction = solve_with_restarts,
    warm_start: Mapping[RiderId, Sequence[Sequence[OrderId]]] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Plan:
    """Plan every pending order of ``instance`` within about ``budget_s`` seconds of wall time.

    PyVRP searches until the budget's end (less ``RESERVE_S``), counting everything before it:
    the travel matrix, the greedy starting plan, the model and PyVRP's own set-up. The greedy
    plan is returned instead (``method=GREEDY``, with the reason in ``fallback_reason``,
    logged) when no budget is left, when PyVRP raises, or when its answer is infeasible or
    breaks a hard rule, and also (logged at info) when it costs less to the second than PyVRP's
    answer (PyVRP prices lateness in steps). ``solve`` has ``pyvrp.solve``'s signature
    (replaceable to inject a failure, or to compare with plain ``pyvrp.solve``). Deterministic
    for a given ``seed`` only up to the time limit.

    ``warm_start`` is the previous tick's ``Plan.routes()``: what still holds of it (riders,
    pending orders, boxes, shifts), completed by the greedy, is the starting plan when it costs
    less than the greedy's own, so each tick's search continues the last one's.

    ``clock`` measures the budget: wall time for the dispatcher; ``time.process_time`` lets a
    benchmark on a shared machine give every run the same CPU time.
    """
    started = clock()
    problem = build_problem(instance, provider=provider, settings=settings)
    greedy = greedy_routes(problem)
    start_method = Method.GREEDY
    if warm_start:
        # The previous tick's plan, still valid where it holds, completed by the greedy: the
        # search goes on from where the last tick left it when that is the cheaper start.
        warm = greedy_routes(problem, start=routes_from_ids(problem, warm_start))
        if _cost(problem, warm) < _cost(problem, greedy):
            greedy, start_method = warm, Method.WARM_START

    def fallback(reason: str | None) -> Plan:
        if reason is not None:
            logger.warning("dispatch: greedy fallback (%s)", reason)
        return make_plan(
            problem,
            greedy,
            method=start_method,
            fallback_reason=reason,
            plan_s=clock() - started,
        )

    if not problem.riders or len(problem.unplannable) == problem.n_orders:
        return fallback(None)  # nothing to decide: no rider, or no order a rider can take
    try:
        model = build_model(problem)
        initial = routes_to_solution(problem, model, greedy)
    except (PlanInvalid, ValueError, RuntimeError) as exc:
        return fallback(f"model not built: {exc}")
    deadline = started + budget_s - RESERVE_S
    if clock() >= deadline:
        return fallback(f"no budget left for the solver ({budget_s:.3f} s)")
    try:
        with warnings.catch_warnings(record=True) as caught:
            # PyVRP warns when its infeasibility penalties hit their cap (tight instances
            # where most moves break a window); the warm start keeps the answer feasible.
            warnings.simplefilter("always", PenaltyBoundWarning)
            result = solve(
                model.data,
                Deadline(deadline, clock),
                seed=seed,
                collect_stats=False,
                display=False,
                initial_solution=initial,
            )
    except Exception as exc:  # any solver failure means: use the fallback
        return fallback(f"solver raised {type(exc).__name__}: {exc}")
    for warning in caught:
        logger.info("dispatch: PyVRP: %s", str(warning.message).split(".")[0].strip())
    if not result.best.is_feasible():
        return fallback("solver found no feasible plan")
    try:
        solved = make_plan(
            problem,
            solution_to_routes(model, result.best),
            method=Method.PYVRP,
            fallback_reason=None,
            plan_s=clock() - started,
        )
    except PlanInvalid as exc:
        return fallback(f"solver plan rejected: {exc}")
    # PyVRP prices lateness in steps, the plan's cost to the second: its answer is never worse
    # than its start by its steps, but could be by the second. Then the start is followed.
    start = fallback(None)
    if start.cost < solved.cost:
        logger.info(
            "dispatch: the starting plan costs less than PyVRP's (%d < %d)", start.cost, solved.cost
        )
        return replace(start, fallback_reason="the starting plan costs less to the second")
    return solved


def _cost(problem: Problem, routes: dict[int, list[list[int]]]) -> int:
    return make_plan(problem, routes, method=Method.GREEDY, fallback_reason=None, plan_s=0.0).cost


def greedy_plan(
    instance: Instance,
    *,
    provider: RoadMatrixProvider | None = None,
    settings: Settings | None = None,
) -> Plan:
    """The greedy plan alone (the fallback), for comparisons and benches."""
    started = time.perf_counter()
    problem = build_problem(instance, provider=provider, settings=settings)
    return make_plan(
        problem,
        greedy_routes(problem),
        method=Method.GREEDY,
        fallback_reason=None,
        plan_s=time.perf_counter() - started,
    )
