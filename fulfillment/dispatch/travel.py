"""Travel distances and times between the places of one planning problem.

By default a road distance is the great-circle (haversine) distance times a road factor, and a
travel time is that distance divided by the rider's speed. An OSRM server's ``table`` service can
give real road distances (and, for the vehicles its profile fits, real times) instead; it is never
required: when it is not configured, slow, down or answers nonsense, the haversine model is used
and the fault is logged.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from fulfillment.dispatch.instance import Point, Vehicle
from omostore.geo import EARTH_RADIUS_M

logger = logging.getLogger(__name__)

DEFAULT_ROAD_FACTOR = 1.35


@dataclass(frozen=True)
class RoadMatrix:
    """Distances in metres between every pair of points (row = from, column = to), and, when
    the source knows them, travel times in seconds for the vehicles in ``durations_for``."""

    distance_m: np.ndarray
    duration_s: np.ndarray | None = None
    durations_for: frozenset[Vehicle] = field(default=frozenset())
    source: str = "haversine"


class RoadMatrixProvider(Protocol):
    def road_matrix(self, points: Sequence[Point]) -> RoadMatrix: ...


def haversine_matrix_m(points: Sequence[Point]) -> np.ndarray:
    """Great-circle distances in metres between every pair of points (vectorised)."""
    lat = np.radians(np.array([p.lat for p in points], dtype=float))
    lon = np.radians(np.array([p.lon for p in points], dtype=float))
    dlat = lat[None, :] - lat[:, None]
    dlon = lon[None, :] - lon[:, None]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass(frozen=True)
class Haversine:
    """Road distance = great-circle distance x ``road_factor`` (streets are not straight)."""

    road_factor: float = DEFAULT_ROAD_FACTOR

    def road_matrix(self, points: Sequence[Point]) -> RoadMatrix:
        return RoadMatrix(distance_m=haversine_matrix_m(points) * self.road_factor)


class OsrmError(RuntimeError):
    """The OSRM server did not give a usable table."""


@dataclass(frozen=True)
class OsrmTable:
    """Road distances from an OSRM server's ``table`` service (``/table/v1/{profile}/...`` with
    ``annotations=distance,duration``), asked with urllib and a timeout per request.

    OSRM serves one vehicle profile (the one it was built with), so its durations are used only
    for the vehicles listed in ``durations_for``; the others travel its road distances at their
    own speed. Tables larger than ``max_table_size`` points (osrm-routed's
    ``--max-table-size``, 100 by default) are asked in blocks with ``sources``/``destinations``.
    Any failure (timeout, refused, not ``Ok``, wrong shape) falls back to ``fallback`` for the
    whole matrix, logged; unreachable pairs (``null``) take the fallback's value.
    """

    base_url: str
    profile: str = "driving"
    timeout_s: float = 1.0
    max_table_size: int = 100
    durations_for: frozenset[Vehicle] = field(default=frozenset())
    fallback: Haversine = field(default_factory=Haversine)

    def road_matrix(self, points: Sequence[Point]) -> RoadMatrix:
        try:
            distance, duration = self._table(points)
        except (OsrmError, OSError, ValueError) as exc:
            logger.warning("OSRM table failed (%s); using %s", exc, "haversine")
            return self.fallback.road_matrix(points)
        fallback = self.fallback.road_matrix(points).distance_m
        missing = np.isnan(distance)
        if missing.any():
            logger.info("OSRM: %d unreachable pairs take the haversine distance", missing.sum())
            distance[missing] = fallback[missing]
        if np.isnan(duration).any():
            duration = None  # a vehicle with OSRM durations would lack some: use speeds instead
        return RoadMatrix(
            distance_m=distance,
            duration_s=duration if self.durations_for else None,
            durations_for=self.durations_for if duration is not None else frozenset(),
            source="osrm",
        )

    def _table(self, points: Sequence[Point]) -> tuple[np.ndarray, np.ndarray]:
        n = len(points)
        distance = np.full((n, n), np.nan)
        duration = np.full((n, n), np.nan)
        if n < 2:
            np.fill_diagonal(distance, 0.0)
            np.fill_diagonal(duration, 0.0)
            return distance, duration
        block = max(1, self.max_table_size // 2) if n > self.max_table_size else n
        for src_start in range(0, n, block):
            sources = list(range(src_start, min(n, src_start + block)))
            for dst_start in range(0, n, block):
                destinations = list(range(dst_start, min(n, dst_start + block)))
                self._block(points, sources, destinations, distance, duration)
        return distance, duration

    def _block(
        self,
        points: Sequence[Point],
        sources: list[int],
        destinations: list[int],
        distance: np.ndarray,
        duration: np.ndarray,
    ) -> None:
        # One request with the union of both index sets; sources/destinations index into it.
        used = sorted(set(sources) | set(destinations))
        position = {index: k for k, index in enumerate(used)}
        coordinates = ";".join(f"{points[i].lon:.6f},{points[i].lat:.6f}" for i in used)
        query = {"annotations": "distance,duration"}
        if len(used) != len(sources) or len(used) != len(destinations):
            query["sources"] = ";".join(str(position[i]) for i in sources)
            query["destinations"] = ";".join(str(position[i]) for i in destinations)
        url = (
            f"{self.base_url.rstrip('/')}/table/v1/{urllib.parse.quote(self.profile)}/"
            f"{coordinates}?{urllib.parse.urlencode(query, safe=';,')}"
        )
        if not url.startswith(("http://", "https://")):
            raise OsrmError(f"not an http(s) URL: {self.base_url!r}")
        request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise OsrmError(f"HTTP {exc.code}") from exc
        if not isinstance(body, dict) or body.get("code") != "Ok":
            code = body.get("code") if isinstance(body, dict) else None
            raise OsrmError(f"answer code {code!r}")
        rows_distance = _rows(body, "distances", len(sources), len(destinations))
        rows_duration = _rows(body, "durations", len(sources), len(destinations))
        distance[np.ix_(sources, destinations)] = rows_distance
        duration[np.ix_(sources, destinations)] = rows_duration


def _rows(body: dict, key: str, n_rows: int, n_columns: int) -> np.ndarray:
    rows = body.get(key)
    if not isinstance(rows, list) or len(rows) != n_rows:
        raise OsrmError(f"{key}: expected {n_rows} rows")
    out = np.full((n_rows, n_columns), np.nan)
    for r, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != n_columns:
            raise OsrmError(f"{key}: expected {n_columns} columns")
        for c, value in enumerate(row):
            if value is None:
                continue
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise OsrmError(f"{key}: not a non-negative number: {value!r}")
            out[r, c] = float(value)
    return out


class TravelTimes:
    """Integer metres and seconds between the points of one problem, per rider speed.

    ``duration_s(vehicle, speed)`` is cached: riders with the same vehicle and speed share one
    matrix (and one PyVRP routing profile).
    """

    def __init__(self, points: Sequence[Point], road: RoadMatrix) -> None:
        self.points = list(points)
        self.road = road
        self.distance_m = np.rint(road.distance_m).astype(np.int64)
        np.fill_diagonal(self.distance_m, 0)
        self._durations: dict[tuple[Vehicle, float], np.ndarray] = {}

    def duration_s(self, vehicle: Vehicle, speed_mps: float) -> np.ndarray:
        key = (vehicle, speed_mps)
        if key not in self._durations:
            if self.road.duration_s is not None and vehicle in self.road.durations_for:
                seconds = np.ceil(self.road.duration_s)
            else:
                seconds = np.ceil(self.road.distance_m / speed_mps)
            matrix = seconds.astype(np.int64)
            np.fill_diagonal(matrix, 0)
            self._durations[key] = matrix
        return self._durations[key]


def travel_times(
    points: Sequence[Point], provider: RoadMatrixProvider | None = None
) -> TravelTimes:
    """The travel model for ``points`` from ``provider`` (haversine x road factor if None)."""
    road = (provider or Haversine()).road_matrix(points)
    if road.distance_m.shape != (len(points), len(points)):
        raise ValueError("road matrix does not match the points")
    if not np.all(np.isfinite(road.distance_m)) or (road.distance_m < 0).any():
        raise ValueError("road matrix has missing or negative distances")
    return TravelTimes(points, road)
