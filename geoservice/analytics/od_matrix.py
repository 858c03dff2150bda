"""Origin–destination matrices between places: points, communes and offers.

Behind ``POST /api/v1/matrix``, the openrouteservice matrix and ``geoservice matrix``. A place
is a point (``[lon, lat]`` or ``{"lon": .., "lat": ..}``), a commune (``{"commune": INSEE}``:
its origin: the town hall when it lies inside the commune, else a point
of its polygon, as ``/reachable``'s origins) or an offer (``{"offer": id}``: its
point). Offers as destinations are reached through the offers' own egress tables
(:class:`~geoservice.core.reachable.ReachableOffers`), so a cell equals ``/reachable``'s time;
communes and points are wrapped alike (one egress table per place, built once for the
communes, per request for points).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geoservice.core.commune_origins import commune_origins_m
from geoservice.core.directions import RoadPath, edge_classes, road_path
from geoservice.core.matrix import road_matrix
from geoservice.core.network import MODES, RoadNetwork
from geoservice.core.reachable import offer_travel_times
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.core.routing import FloatArray, IntArray
from geoservice.core.service_date import ServiceDate
from geoservice.core.snapping import METRIC_CRS, lambert93_from_wgs84, wgs84_from_lambert93
from geoservice.core.timetable import Timetable
from geoservice.core.transit_matrix import transit_matrix
from geoservice.errors import InvalidParameterError, NotFoundError, OutsideCoverageError

TRANSIT = "transit"


@dataclass(frozen=True)
class Place:
    """One origin or destination: EPSG:2154 metres, lon/lat, and what it stands for."""

    x_m: float
    y_m: float
    lon: float
    lat: float
    kind: str  # point, commune or offer
    ref: str | None
    field: str

    def document(self) -> dict[str, Any]:
        """The place as JSON (what the answer says it used)."""
        out: dict[str, Any] = {"lon": round(self.lon, 6), "lat": round(self.lat, 6)}
        if self.kind != "point":
            out[self.kind] = self.ref
        return out


@dataclass(frozen=True)
class MatrixOptions:
    """How to travel: mode, time limit and the transit options."""

    mode: str
    limit_s: float = np.inf
    access_mode: str = "walk"
    day: date | None = None
    start_s: int = 0
    window_minutes: int = 1
    statistic: str = "median"
    direction: str = "auto"


@dataclass(frozen=True)
class MatrixResult:
    """Times (s) and, for road modes, distances (m), origins × destinations; ``inf`` unreached."""

    travel_time_s: FloatArray
    distance_m: FloatArray | None
    service_date: ServiceDate | None = None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class PlaceResolver:
    """Turns request items into :class:`Place` and destinations into egress tables.

    Parameters
    ----------
    network
        The road network.
    communes
        Commune polygons with a ``code`` column (any CRS).
    reachable
        The offers and their egress tables (the ranking's).
    """

    def __init__(
        self, network: RoadNetwork, communes: gpd.GeoDataFrame, reachable: ReachableOffers
    ) -> None:
        self.network = network
        self.reachable = reachable
        # The same origin as every commune-based answer (its town hall, else a point inside).
        xs, ys = commune_origins_m(communes)
        self.commune_codes = [str(c) for c in communes["code"]]
        self._commune_xy = {
            code: (float(x), float(y))
            for code, x, y in zip(self.commune_codes, xs, ys, strict=True)
        }
        offers = reachable.offers
        metric = offers.geometry.to_crs(METRIC_CRS)
        self._offer_row = {str(o): i for i, o in enumerate(offers["offer_id"])}
        self._offer_xy = np.column_stack([metric.x, metric.y]) if len(offers) else np.zeros((0, 2))
        self._communes_targets: ReachableOffers | None = None
        self._classes: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()

    def edge_classes(self, mode: str) -> tuple[str, ...]:
        """Road class of each router edge of `mode` (built once)."""
        with self._lock:
            if mode not in self._classes:
                self._classes[mode] = edge_classes(self.network.mode(mode))
            return self._classes[mode]

    def place(self, item: Any, field: str) -> Place:
        """A request item as a place (400 naming `field` when malformed, 404 unknown ref)."""
        if isinstance(item, list | tuple) and len(item) == 2 and all(_number(v) for v in item):
            return self._point(float(item[0]), float(item[1]), field)
        if isinstance(item, Mapping):
            keys = set(item)
            if keys == {"lon", "lat"} and _number(item["lon"]) and _number(item["lat"]):
                return self._point(float(item["lon"]), float(item["lat"]), field)
            if keys == {"commune"} and isinstance(item["commune"], str):
                code = item["commune"]
                if code not in self._commune_xy:
                    msg = f"{field}: no current commune of the Nièvre has the INSEE code {code!r}"
                    raise NotFoundError(msg)
                x, y = self._commune_xy[code]
                return self._metric(x, y, "commune", code, field)
            if keys == {"offer"} and isinstance(item["offer"], str):
                row = self._offer_row.get(item["offer"])
                if row is None:
                    raise NotFoundError(f"{field}: no offer has the id {item['offer']!r}")
                x, y = self._offer_xy[row]
                return self._metric(float(x), float(y), "offer", item["offer"], field)
        msg = (
            'a place is [lon, lat], {"lon": .., "lat": ..}, {"commune": INSEE code} '
            'or {"offer": id}'
        )
        raise InvalidParameterError(field, msg)

    def _point(self, lon: float, lat: float, field: str) -> Place:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InvalidParameterError(field, f"[{lon}, {lat}] is not a WGS 84 [lon, lat]")
        x, y = lambert93_from_wgs84(lon, lat)
        return Place(float(x), float(y), lon, lat, "point", None, field)

    def _metric(self, x: float, y: float, kind: str, ref: str, field: str) -> Place:
        lon, lat = wgs84_from_lambert93(x, y)
        return Place(x, y, float(lon), float(lat), kind, ref, field)

    def communes_targets(self) -> ReachableOffers:
        """Egress tables of every commune's origin point (built once)."""
        with self._lock:
            if self._communes_targets is None:
                self._communes_targets = targets_from_xy(
                    self.network,
                    [self._commune_xy[c] for c in self.commune_codes],
                    self.commune_codes,
                )
            return self._communes_targets

    def groups(
        self, destinations: Sequence[Place]
    ) -> list[tuple[ReachableOffers, IntArray, IntArray]]:
        """Destinations split by egress table: (targets, rows in it, matrix columns)."""
        kinds = np.array([d.kind for d in destinations], dtype=object)
        out: list[tuple[ReachableOffers, IntArray, IntArray]] = []
        cols = np.flatnonzero(kinds == "offer")
        if len(cols):
            rows = np.array([self._offer_row[str(destinations[int(c)].ref)] for c in cols])
            out.append((self.reachable, rows, cols))
        cols = np.flatnonzero(kinds == "commune")
        if len(cols):
            targets = self.communes_targets()
            order = {str(o): i for i, o in enumerate(targets.offers["offer_id"])}
            rows = np.array([order[str(destinations[int(c)].ref)] for c in cols])
            out.append((targets, rows, cols))
        cols = np.flatnonzero(kinds == "point")
        if len(cols):
            ids = [f"p{c:08d}" for c in cols]  # sorted like the columns
            xy = [(destinations[int(c)].x_m, destinations[int(c)].y_m) for c in cols]
            out.append((targets_from_xy(self.network, xy, ids), np.arange(len(cols)), cols))
        return out


def targets_from_xy(
    network: RoadNetwork, xy_m: Sequence[tuple[float, float]], ids: Sequence[str]
) -> ReachableOffers:
    """Places (EPSG:2154) wrapped as offers, with lazily built egress tables."""
    frame = gpd.GeoDataFrame(
        {"offer_id": list(ids)},
        geometry=[shapely.Point(x, y) for x, y in xy_m],
        crs=METRIC_CRS,
    )
    return ReachableOffers(network, frame, eager=False)


def road_leg(resolver: PlaceResolver, mode: str, start: Place, end: Place) -> RoadPath:
    """The road path from `start` to `end` (the destination wrapped like an offer)."""
    targets = targets_from_xy(resolver.network, [(end.x_m, end.y_m)], ["to"])
    with request_location(start.field):
        times = offer_travel_times(targets, mode, start.x_m, start.y_m)
    return road_path(times, 0, resolver.edge_classes(mode))


def check_destinations(
    network: RoadNetwork, destinations: Sequence[Place], options: MatrixOptions
) -> None:
    """Raise :class:`OutsideCoverageError` (naming the item) for a point off the network."""
    net = network.mode(options.mode if options.mode in MODES else options.access_mode)
    for place in destinations:
        if place.kind == "point":
            with request_location(place.field):
                net.index.snap(place.x_m, place.y_m, 1)


def compute_matrix(
    resolver: PlaceResolver,
    origins: Sequence[Place],
    destinations: Sequence[Place],
    options: MatrixOptions,
    *,
    timetable: Timetable | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MatrixResult:
    """Door-to-door matrix between places (see the module docstring).

    Raises
    ------
    OutsideCoverageError
        An origin or a destination point lies outside the road network's coverage.
    """
    check_destinations(resolver.network, destinations, options)
    shape = (len(origins), len(destinations))
    xy = [(o.x_m, o.y_m) for o in origins]
    with _origin_fields([o.field for o in origins]):
        return _compute(resolver, options, origins, destinations, timetable, progress, xy, shape)


@contextmanager
def request_location(field: str) -> Iterator[None]:
    """Name `field` in the coverage error (about ``location``) raised inside."""
    try:
        yield
    except OutsideCoverageError as e:
        e.field = field
        raise


@contextmanager
def _origin_fields(fields: list[str]) -> Iterator[None]:
    """Name the request field of the origin core calls ``origins[i]`` in its coverage error."""
    try:
        yield
    except OutsideCoverageError as e:
        match = re.fullmatch(r"origins\[(\d+)\]", e.field)
        if match is not None and int(match.group(1)) < len(fields):
            e.field = fields[int(match.group(1))]
        raise


def _compute(
    resolver: PlaceResolver,
    options: MatrixOptions,
    origins: Sequence[Place],
    destinations: Sequence[Place],
    timetable: Timetable | None,
    progress: Callable[[int, int], None] | None,
    xy: list[tuple[float, float]],
    shape: tuple[int, int],
) -> MatrixResult:
    times = np.full(shape, np.inf)
    if options.mode in MODES:
        dist = np.full(shape, np.inf)
        for targets, rows, cols in resolver.groups(destinations):
            road = road_matrix(
                targets,
                options.mode,
                xy,
                rows=rows,
                limit_s=options.limit_s,
                direction=options.direction,
                progress=progress,
            )
            times[:, cols] = road.travel_time_s
            dist[:, cols] = road.distance_m
        return MatrixResult(times, dist)
    if options.mode != TRANSIT:
        raise InvalidParameterError("mode", f"unknown mode {options.mode!r}", [*MODES, TRANSIT])
    if timetable is None or options.day is None:
        raise InvalidParameterError("departure", "mode transit needs a timetable and a departure")
    service = None
    for targets, rows, cols in resolver.groups(destinations):
        found = transit_matrix(
            timetable,
            targets,
            options.access_mode,
            xy,
            options.start_s,
            options.day,
            window_minutes=options.window_minutes,
            statistics=(options.statistic,),
            limit_s=options.limit_s,
            rows=rows,
            progress=progress,
        )
        times[:, cols] = found.travel_time_s[options.statistic]
        service = found.service_date
    return MatrixResult(times, None, service)
