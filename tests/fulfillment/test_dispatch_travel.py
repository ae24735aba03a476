"""Travel times for the dispatcher: the default haversine model and the OSRM ``table`` client,
against a local HTTP stub on 127.0.0.1 that answers in OSRM's documented response shape."""

import json
import logging
import math
import threading
import urllib.parse
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from fulfillment.dispatch import (
    Depot,
    Instance,
    Order,
    OsrmTable,
    Point,
    Rider,
    Vehicle,
    plan,
)
from fulfillment.dispatch.travel import Haversine, travel_times
from omostore.geo import distance_m

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
STORE = Point(lat=35.6822, lon=139.7733)
ROAD_STRETCH = 2.0  # the stub's "roads" are twice the great-circle distance
STUB_SPEED = 5.0  # and its profile rides them at 5 m/s
ISLAND = Point(lat=35.6500, lon=139.8000)  # the stub reaches no road there


def points(n: int) -> list[Point]:
    return [Point(lat=STORE.lat + 0.003 * k, lon=STORE.lon - 0.002 * k) for k in range(n)]


class OsrmStub(BaseHTTPRequestHandler):
    """``GET /table/v1/{profile}/{lon,lat;...}?annotations=...&sources=...&destinations=...``"""

    mode = "ok"
    requests: list[dict] = []
    release = threading.Event()

    def log_message(self, *args):  # keep the test output quiet
        return

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        parts = url.path.split("/")
        assert parts[1:4] == ["table", "v1", "driving"], parts
        coordinates = [tuple(map(float, pair.split(","))) for pair in parts[4].split(";")]
        type(self).requests.append({"n": len(coordinates), **query})
        if self.mode == "slow":
            type(self).release.wait(timeout=10)
        if self.mode == "error":
            return self._answer(400, {"code": "InvalidQuery", "message": "no"})
        everyone = list(range(len(coordinates)))
        sources = [int(i) for i in query["sources"].split(";")] if "sources" in query else everyone
        destinations = (
            [int(i) for i in query["destinations"].split(";")]
            if "destinations" in query
            else everyone
        )

        def metres(a, b):
            (lon1, lat1), (lon2, lat2) = coordinates[a], coordinates[b]
            if (lat1, lon1) == (ISLAND.lat, ISLAND.lon) or (lat2, lon2) == (ISLAND.lat, ISLAND.lon):
                return None if a != b else 0.0
            return round(distance_m(lat1, lon1, lat2, lon2) * ROAD_STRETCH, 1)

        distances = [[metres(a, b) for b in destinations] for a in sources]
        durations = [
            [None if d is None else round(d / STUB_SPEED, 1) for d in row] for row in distances
        ]

        def waypoint(i):
            return {"hint": "", "distance": 0.0, "name": "", "location": list(coordinates[i])}

        body = {
            "code": "Ok",
            "distances": distances if "distance" in query.get("annotations", "") else None,
            "durations": durations,
            "sources": [waypoint(i) for i in sources],
            "destinations": [waypoint(i) for i in destinations],
        }
        self._answer(200, body)

    def _answer(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def osrm():
    """A stub OSRM server on 127.0.0.1; yields its handler class (mode, requests)."""
    handler = type("Stub", (OsrmStub,), {"requests": [], "release": threading.Event()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield handler
    handler.release.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def expected_stub_metres(pts):
    return np.array(
        [[distance_m(a.lat, a.lon, b.lat, b.lon) * ROAD_STRETCH for b in pts] for a in pts]
    )


def test_osrm_table_is_asked_in_blocks_and_gives_road_distances(osrm):
    # given: seven points and a server that takes at most four per table
    pts = points(7)
    provider = OsrmTable(base_url=osrm.url, max_table_size=4)
    # when
    times = travel_times(pts, provider)
    # then: the stub's road metres for every pair (to the metre: coordinates travel with six
    # decimals), asked in 2x2 blocks of the 7 points
    assert times.road.source == "osrm"
    assert np.abs(times.distance_m - expected_stub_metres(pts)).max() <= 1.0
    assert len(osrm.requests) == 16
    assert all(r["n"] <= 4 and r["annotations"] == "distance,duration" for r in osrm.requests)
    blocks = [("sources" in r, "destinations" in r) for r in osrm.requests]
    assert blocks.count((True, True)) == 12  # off-diagonal blocks name their rows and columns
    assert blocks.count((False, False)) == 4  # a diagonal block is a whole small table


def test_one_request_when_the_table_fits(osrm):
    pts = points(5)
    times = travel_times(pts, OsrmTable(base_url=osrm.url))
    assert [r["n"] for r in osrm.requests] == [5]
    assert "sources" not in osrm.requests[0]
    assert abs(times.distance_m[0, 4] - expected_stub_metres(pts)[0, 4]) <= 1.0


def _ll(p):
    return p.lat, p.lon


def test_osrm_durations_for_its_vehicles_and_road_metres_at_own_speed_for_others(osrm):
    # given: one order 1 km away; OSRM's profile times are used for scooters only
    door = Point(lat=STORE.lat + 0.009, lon=STORE.lon)
    provider = OsrmTable(base_url=osrm.url, durations_for=frozenset({Vehicle.SCOOTER}))
    road_m = distance_m(*_ll(STORE), *_ll(door)) * ROAD_STRETCH

    def first_arrival(vehicle):
        problem = Instance(
            now=NOW,
            depot=Depot(location=STORE, handover_s=60),
            orders=(
                Order(
                    id="o",
                    location=door,
                    ready_at=NOW,
                    promised_by=NOW + timedelta(minutes=30),
                ),
            ),
            riders=(
                Rider(
                    id="r",
                    vehicle=vehicle,
                    available_at=NOW,
                    shift_ends_at=NOW + timedelta(hours=2),
                ),
            ),
        )
        result = plan(problem, budget_s=0.2, provider=provider)
        return (result.stop_of("o").arrives_at - NOW).total_seconds()

    # then
    assert first_arrival(Vehicle.SCOOTER) == 60 + math.ceil(round(round(road_m, 1) / 5.0, 1))
    assert first_arrival(Vehicle.BICYCLE) == 60 + math.ceil(round(road_m, 1) / 4.0)


def test_unreachable_pairs_take_the_haversine_distance(osrm):
    pts = [*points(3), ISLAND]
    times = travel_times(pts, OsrmTable(base_url=osrm.url))
    fallback = Haversine().road_matrix(pts).distance_m
    assert times.distance_m[0, 3] == round(fallback[0, 3])
    assert times.distance_m[3, 1] == round(fallback[3, 1])
    assert abs(times.distance_m[0, 1] - expected_stub_metres(pts)[0, 1]) <= 1.0


def test_a_slow_osrm_falls_back_to_haversine(osrm, caplog):
    # given: a server that does not answer within the client's timeout
    osrm.mode = "slow"
    pts = points(4)
    # when
    with caplog.at_level(logging.WARNING, logger="fulfillment.dispatch.travel"):
        times = travel_times(pts, OsrmTable(base_url=osrm.url, timeout_s=0.2))
    # then
    assert times.road.source == "haversine"
    assert np.array_equal(
        times.distance_m, np.rint(Haversine().road_matrix(pts).distance_m).astype(np.int64)
    )
    assert len(osrm.requests) == 1
    assert any("OSRM table failed" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("mode", ["error", "refused"])
def test_an_osrm_error_falls_back_to_haversine(osrm, mode, caplog):
    osrm.mode = mode
    url = osrm.url if mode == "error" else "http://127.0.0.1:9"  # the discard port: refused
    pts = points(3)
    with caplog.at_level(logging.WARNING, logger="fulfillment.dispatch.travel"):
        times = travel_times(pts, OsrmTable(base_url=url, timeout_s=1.0))
    assert times.road.source == "haversine"
    assert times.distance_m[0, 2] == round(Haversine().road_matrix(pts).distance_m[0, 2])
    assert any("OSRM table failed" in r.getMessage() for r in caplog.records)


def test_the_default_model_is_haversine_times_the_road_factor():
    pts = points(3)
    times = travel_times(pts)
    metres = distance_m(*_ll(pts[0]), *_ll(pts[2])) * 1.35
    assert times.distance_m[0, 2] == round(metres)
    assert times.duration_s(Vehicle.BICYCLE, 4.0)[0, 2] == math.ceil(metres / 4.0)
    assert times.duration_s(Vehicle.ON_FOOT, 1.3)[2, 0] == math.ceil(metres / 1.3)


def test_a_non_http_osrm_url_is_refused_and_falls_back():
    pts = points(2)
    times = travel_times(pts, OsrmTable(base_url="file:///etc/passwd"))
    assert times.road.source == "haversine"
