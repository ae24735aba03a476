"""The dispatcher's planning core on small fixed instances: PyVRP within a bounded budget (at
most 1 s per solve), seeded, no database."""

import logging
import math
from datetime import UTC, datetime, timedelta

import pytest

from fulfillment.dispatch import (
    CommitReason,
    Depot,
    Instance,
    InvalidInstance,
    Method,
    Order,
    Point,
    Rider,
    StartedTrip,
    UnplannedReason,
    Vehicle,
    decide,
    dispatch_tick,
    greedy_plan,
    plan,
)
from omostore.geo import distance_m

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
STORE = Point(lat=35.6822, lon=139.7733)  # the demo store, Nihonbashi
ROAD_FACTOR = 1.35
BUDGET_S = 0.3


def at(metres_north: float, metres_east: float) -> Point:
    return Point(
        lat=STORE.lat + metres_north / 110_574.0,
        lon=STORE.lon + metres_east / (111_320.0 * math.cos(math.radians(STORE.lat))),
    )


def minutes(value: float) -> datetime:
    return NOW + timedelta(minutes=value)


def order(order_id, where, *, ready=0.0, promised=30.0, bags=1, service_s=90) -> Order:
    return Order(
        id=order_id,
        location=where,
        ready_at=minutes(ready),
        promised_by=minutes(promised),
        bags=bags,
        service_s=service_s,
    )


def rider(rider_id, vehicle=Vehicle.BICYCLE, *, free=0.0, capacity=None) -> Rider:
    return Rider(
        id=rider_id,
        vehicle=vehicle,
        available_at=minutes(free),
        shift_ends_at=minutes(240),
        capacity_bags=capacity,
    )


def instance(orders, riders, started=()) -> Instance:
    return Instance(
        now=NOW,
        depot=Depot(location=STORE, handover_s=60),
        orders=tuple(orders),
        riders=tuple(riders),
        started_trips=tuple(started),
    )


def ride_s(a: Point, b: Point, speed_mps: float) -> int:
    """The default travel model, computed independently: haversine x road factor / speed."""
    return math.ceil(distance_m(a.lat, a.lon, b.lat, b.lon) * ROAD_FACTOR / speed_mps)


def assert_sound(result, problem_instance):
    """Hard rules every plan keeps: each order at most once, boxes never overfull, no trip
    loading before its rider is back or its bags are ready."""
    seen = [stop.order_id for trip in result.trips for stop in trip.stops]
    seen += [u.order_id for u in result.unplanned]
    pending = [o.id for o in problem_instance.orders]
    started = [s.id for t in problem_instance.started_trips for s in t.stops]
    assert sorted(seen) == sorted(pending + started)
    orders = {o.id: o for o in problem_instance.orders}
    riders = {r.id: r for r in problem_instance.riders}
    for trip in result.planned_trips:
        assert trip.bags == sum(orders[i].bags for i in trip.order_ids)
        assert trip.bags <= riders[trip.rider_id].capacity
        assert trip.loads_at >= riders[trip.rider_id].available_at
        assert trip.loads_at >= max(orders[i].ready_at for i in trip.order_ids)
        assert trip.leaves_at == trip.loads_at + timedelta(seconds=60)


def test_two_orders_to_nearby_addresses_ride_together():
    # given: two doors 150 m apart, 1.5 km north of the store, two idle riders
    problem = instance(
        [order("a", at(1500, 0)), order("b", at(1500, 150))],
        [rider("r1"), rider("r2")],
    )
    # when
    result = plan(problem, budget_s=BUDGET_S, seed=1)
    # then: one trip carries both; the second rider stays at the store
    assert result.method == Method.PYVRP
    assert [sorted(trip.order_ids) for trip in result.planned_trips] == [["a", "b"]]
    assert not result.late_stops and not result.unplanned
    assert_sound(result, problem)


def test_an_order_that_cannot_be_on_time_is_planned_late_not_dropped():
    # given: 2.8 km away, promised in 5 minutes, one rider on foot
    door = at(0, 2800)
    problem = instance([order("far", door, promised=5)], [rider("walker", Vehicle.ON_FOOT)])
    # when
    result = plan(problem, budget_s=BUDGET_S, seed=1)
    # then: planned, late by exactly the ride it takes
    assert result.method == Method.PYVRP
    assert not result.unplanned
    stop = result.stop_of("far")
    arrival = NOW + timedelta(seconds=60 + ride_s(STORE, door, 1.3))
    assert stop.arrives_at == arrival
    assert stop.late_s == int((arrival - minutes(5)).total_seconds()) > 0
    assert [s.order_id for s in result.late_stops] == ["far"]


def test_late_orders_are_spread_by_how_late_they_are():
    # given: three orders, all due in 15 minutes, 2 km out in three directions (12 1/4 minutes
    # by bicycle); one bicycle that carries one bag at a time, so someone must be late
    doors = {"n": at(2000, 0), "e": at(0, 2000), "s": at(-2000, 0)}
    problem = instance(
        [order(name, door, promised=15) for name, door in doors.items()],
        [rider("r1", capacity=1)],
    )
    # when
    result = plan(problem, budget_s=BUDGET_S, seed=1)
    # then: all three planned; exactly the first trip is on time
    assert not result.unplanned
    trips = result.planned_trips
    assert len(trips) == 3
    assert trips[0].stops[0].late_s == 0
    assert all(trip.stops[0].late_s > 0 for trip in trips[1:])
    assert trips[1].loads_at == trips[0].returns_at
    assert_sound(result, problem)


def test_no_trip_leaves_before_its_bags_are_ready():
    # given: two nearby orders, one packed now, one packed in 6 minutes; both promised late
    # enough that waiting for the second is cheaper than two trips
    problem = instance(
        [
            order("now", at(1200, 0), ready=0, promised=45),
            order("later", at(1200, 100), ready=6, promised=45),
        ],
        [rider("r1")],
    )
    # when
    result = plan(problem, budget_s=BUDGET_S, seed=1)
    # then
    (trip,) = result.planned_trips
    assert sorted(trip.order_ids) == ["later", "now"]
    assert trip.loads_at == minutes(6)
    assert trip.stops[0].arrives_at >= minutes(6) + timedelta(seconds=60)
    assert_sound(result, problem)


def test_release_times_hold_in_the_greedy_fallback_too():
    problem = instance(
        [order("x", at(800, 0), ready=4), order("y", at(-900, 0), ready=9, promised=50)],
        [rider("r1"), rider("r2", Vehicle.SCOOTER, free=2)],
    )
    result = greedy_plan(problem)
    assert {stop.order_id for stop in (s for t in result.trips for s in t.stops)} == {"x", "y"}
    assert_sound(result, problem)


def test_capacity_is_respected_and_oversized_orders_are_reported():
    # given: five one-bag orders close together and a rider whose box takes two bags, plus
    # an order of three bags that no rider can carry
    orders = [order(f"o{k}", at(600 + 40 * k, 0), promised=90) for k in range(5)]
    orders.append(order("big", at(500, 0), bags=3))
    problem = instance(orders, [rider("r1", capacity=2)])
    # when
    result = plan(problem, budget_s=BUDGET_S, seed=1)
    # then: every small order planned over three trips, none with more than two bags
    assert [(u.order_id, u.reason) for u in result.unplanned] == [
        ("big", UnplannedReason.TOO_MANY_BAGS)
    ]
    assert sorted(trip.bags for trip in result.planned_trips) == [1, 2, 2]
    assert_sound(result, problem)


def test_must_dispatch_commits_the_urgent_order_and_pools_the_one_that_can_wait():
    # given: "urgent" 2 km north is due 5 s after the fastest ride there; "relaxed", 1 km
    # south, is packed and due in 40 minutes; together they do not fit in one box (2 + 3 bags
    # > 4), so they are planned on two riders' trips
    north = at(2000, 0)
    due = NOW + timedelta(seconds=60 + ride_s(STORE, north, 4.0) + 5)
    problem = instance(
        [
            Order(id="urgent", location=north, ready_at=NOW, promised_by=due, bags=2),
            order("relaxed", at(-1000, 0), promised=40, bags=3),
        ],
        [rider("r1"), rider("r2")],
    )
    # when
    decision = dispatch_tick(problem, tick_s=10, budget_s=BUDGET_S, seed=1)
    # then: the urgent trip goes now; the relaxed order stays in the pool, planned
    assert [(c.trip.order_ids, c.reason) for c in decision.commitments] == [
        (("urgent",), CommitReason.MUST_DISPATCH)
    ]
    assert decision.commitments[0].urgent_order_ids == ("urgent",)
    assert decision.pooled_order_ids == ("relaxed",)
    assert decision.plan.stop_of("relaxed") is not None
    # and with a tick shorter than its 5 s of slack, the urgent order could wait one more tick
    assert not decide(problem, decision.plan, tick_s=4).commitments


def test_a_trip_that_cannot_start_before_the_next_tick_is_not_committed():
    # given: an order due tightly after its bags are ready in 5 minutes
    door = at(1500, 0)
    ready = minutes(5)
    due = ready + timedelta(seconds=60 + ride_s(STORE, door, 4.0))
    problem = instance(
        [Order(id="tight", location=door, ready_at=ready, promised_by=due)], [rider("r1")]
    )
    # when
    decision = dispatch_tick(problem, tick_s=10, budget_s=BUDGET_S, seed=1)
    # then: planned on time, but deciding it at a later tick costs nothing yet
    assert decision.plan.stop_of("tight").late_s == 0
    assert decision.commitments == ()
    assert decision.pooled_order_ids == ("tight",)


def test_a_full_trip_whose_rider_and_bags_are_ready_goes_now():
    # given: a walker whose box takes two bags, an order of two bags with plenty of time
    problem = instance(
        [order("two-bags", at(300, 0), bags=2, promised=50)], [rider("w", Vehicle.ON_FOOT)]
    )
    # when
    decision = dispatch_tick(problem, budget_s=BUDGET_S, seed=1)
    # then
    assert [(c.trip.order_ids, c.reason) for c in decision.commitments] == [
        (("two-bags",), CommitReason.FULL_AND_READY)
    ]
    assert decision.pooled_order_ids == ()


def test_a_started_trip_stays_with_its_rider_and_delays_the_next_one():
    # given: r1 is 1 km east delivering "onboard" next; a new order waits at the store
    onboard = order("onboard", at(0, 1500), ready=-10, promised=10)
    position = at(0, 1000)
    problem = instance(
        [order("new", at(0, 1600), promised=60)],
        [rider("r1", free=0)],
        started=[StartedTrip(rider_id="r1", position=position, stops=(onboard,))],
    )
    # when
    decision = dispatch_tick(problem, budget_s=BUDGET_S, seed=1)
    # then: the started trip is echoed with its ETAs, fixed to r1; r1's next trip loads only
    # once back at the store; nothing is committed while r1 is away
    result = decision.plan
    started = [trip for trip in result.trips if trip.started]
    assert [(t.rider_id, t.order_ids) for t in started] == [("r1", ("onboard",))]
    to_door = ride_s(position, onboard.location, 4.0)
    back = to_door + 90 + ride_s(onboard.location, STORE, 4.0)
    assert started[0].stops[0].arrives_at == NOW + timedelta(seconds=to_door)
    assert started[0].returns_at == NOW + timedelta(seconds=back)
    (next_trip,) = result.planned_trips
    assert next_trip.order_ids == ("new",)
    assert next_trip.loads_at == started[0].returns_at
    assert decision.commitments == ()
    assert decision.pooled_order_ids == ("new",)


def test_the_greedy_fallback_is_used_with_no_budget(caplog):
    problem = instance(
        [order("a", at(1000, 0)), order("b", at(-1000, 0))], [rider("r1"), rider("r2")]
    )
    with caplog.at_level(logging.WARNING, logger="fulfillment.dispatch.solver"):
        result = plan(problem, budget_s=0, seed=1)
    assert result.method == Method.GREEDY
    assert "no budget left" in result.fallback_reason
    assert {stop.order_id for trip in result.trips for stop in trip.stops} == {"a", "b"}
    assert any("greedy fallback" in record.getMessage() for record in caplog.records)
    assert_sound(result, problem)


def test_the_greedy_fallback_is_used_when_the_solver_raises(caplog):
    problem = instance([order("a", at(1000, 0))], [rider("r1")])
    calls = []

    def broken_solver(*args, **kwargs):
        calls.append(kwargs)
        raise RuntimeError("solver crashed")

    with caplog.at_level(logging.WARNING, logger="fulfillment.dispatch.solver"):
        result = plan(problem, budget_s=BUDGET_S, solve=broken_solver)
    assert len(calls) == 1 and calls[0]["initial_solution"].is_feasible()
    assert result.method == Method.GREEDY
    assert result.fallback_reason == "solver raised RuntimeError: solver crashed"
    assert result.stop_of("a") is not None
    assert any("solver crashed" in record.getMessage() for record in caplog.records)


def test_pyvrp_never_does_worse_than_the_greedy_start():
    # given: twelve orders around the store and three riders
    orders = [
        order(f"o{k}", at(1800 * math.cos(k), 1800 * math.sin(k)), ready=k % 4, promised=25 + k)
        for k in range(12)
    ]
    problem = instance(orders, [rider("r1"), rider("r2", Vehicle.SCOOTER), rider("r3", free=3)])
    # when
    solved = plan(problem, budget_s=BUDGET_S, seed=3)
    greedy = greedy_plan(problem)
    # then
    assert solved.method == Method.PYVRP
    assert solved.cost <= greedy.cost
    assert_sound(solved, problem)
    assert_sound(greedy, problem)


def test_an_empty_pool_plans_and_commits_nothing():
    decision = dispatch_tick(instance([], [rider("r1")]), budget_s=BUDGET_S)
    assert decision.plan.trips == () and decision.commitments == ()
    assert decision.pooled_order_ids == ()


def test_no_rider_means_everything_is_pooled_and_explained():
    problem = instance([order("a", at(100, 0))], [])
    decision = dispatch_tick(problem, budget_s=BUDGET_S)
    assert [(u.order_id, u.reason) for u in decision.plan.unplanned] == [
        ("a", UnplannedReason.TOO_MANY_BAGS)
    ]
    assert decision.pooled_order_ids == ("a",)


def test_a_rider_whose_shift_ends_too_soon_takes_nothing():
    problem = instance(
        [order("a", at(2500, 0))],
        [
            Rider(
                id="leaving",
                vehicle=Vehicle.BICYCLE,
                available_at=NOW,
                shift_ends_at=minutes(10),  # 2.5 km each way takes longer
            )
        ],
    )
    result = plan(problem, budget_s=BUDGET_S)
    assert [(u.order_id, u.reason) for u in result.unplanned] == [
        ("a", UnplannedReason.NO_RIDER_IN_TIME)
    ]


@pytest.mark.parametrize(
    "broken",
    [
        lambda: Order(
            id="x",
            location=STORE,
            ready_at=datetime(2026, 11, 2, 9, 0),  # noqa: DTZ001 - the point of the test
            promised_by=NOW,
        ),
        lambda: order("x", STORE, bags=0),
        lambda: Point(lat=999, lon=999),
        lambda: instance([order("x", STORE), order("x", at(10, 10))], [rider("r")]),
        lambda: instance([], [rider("r"), rider("r")]),
        lambda: instance(
            [], [rider("r")], started=[StartedTrip(rider_id="ghost", position=STORE, stops=())]
        ),
    ],
    ids=["naive-time", "no-bags", "off-the-map", "order-twice", "rider-twice", "unknown-rider"],
)
def test_inconsistent_inputs_are_refused(broken):
    with pytest.raises(InvalidInstance):
        broken()


def test_the_next_tick_starts_from_what_still_holds_of_the_last_plan():
    # given: last tick's plan for twelve orders and three riders
    orders = [
        order(f"o{k}", at(1800 * math.cos(k), 1800 * math.sin(k)), ready=k % 4, promised=25 + k)
        for k in range(12)
    ]
    riders = [rider("r1"), rider("r2", Vehicle.SCOOTER), rider("r3", free=3)]
    last = plan(instance(orders, riders), budget_s=0.5, seed=3)
    # and now, ten seconds on: "o0" went out, and the kept routes mention an order and a
    # rider that do not exist (the ghost's "o5" is r1's already)
    routes = last.routes()
    routes["ghost"] = [["o5"]]
    routes["r1"] = [["nope", *trip] for trip in routes.get("r1", [])]
    later = Instance(
        now=NOW + timedelta(seconds=10),
        depot=Depot(location=STORE, handover_s=60),
        orders=tuple(o for o in orders if o.id != "o0"),
        riders=tuple(riders),
    )
    # when: no budget for the solver, so the starting plan is the answer
    result = plan(later, budget_s=0, warm_start=routes)
    # then: it is the last plan where it still holds (every rider keeps its trips, in order,
    # without "o0" and "nope"), cheaper than the greedy alone
    assert result.method == Method.WARM_START
    assert result.cost < greedy_plan(later).cost
    assert_sound(result, later)
    expected = {
        rider_id: [[i for i in trip if i != "o0"] for trip in trips]
        for rider_id, trips in last.routes().items()
    }
    assert result.routes() == expected
