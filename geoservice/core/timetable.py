"""Compact timetable: route patterns with trips sorted by departure, footpaths, service calendar.

A *pattern* is a sequence of stops served by trips of one route with the same pickup and
drop-off rules and no overtaking: within a pattern, trips are sorted by departure and every
stop's departure column is sorted too, so the first catchable trip is a binary search away.

Times are seconds after the origin of the service day (GTFS "noon minus 12 h", taken as
midnight: daylight-saving changes are ignored). A trip whose times pass 24:00 also appears as
a second *instance* shifted by −24 h and active when its service runs the day before, so a
query on day D sees the night trips of day D − 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from geoservice.core.pattern import Pattern
from geoservice.core.snapping import Snap
from geoservice.core.timetable_flat import FlatTimetable, flat_timetable
from geoservice.errors import InvalidParameterError


@dataclass(frozen=True)
class GtfsTables:
    """The GTFS tables of a (merged) feed, every value as text.

    Column sets are those written by :func:`geoservice.io.gtfs.write_gtfs_dir`.
    """

    agency: pd.DataFrame
    stops: pd.DataFrame
    routes: pd.DataFrame
    trips: pd.DataFrame
    stop_times: pd.DataFrame
    calendar: pd.DataFrame
    calendar_dates: pd.DataFrame
    transfers: pd.DataFrame
    feed_info: pd.DataFrame


@dataclass(frozen=True)
class TransitParams:
    """Walking and transfer rules (``[transit]`` of ``config/transit.toml``).

    Attributes
    ----------
    walk_speed_kph
        Walking speed.
    detour_factor
        Network distance over straight-line distance, for walks computed without a road graph.
    max_transfer_walk_m
        Longest straight-line distance between two stops for a walking transfer.
    max_access_walk_m
        Longest straight-line distance of an access or egress walk (and of a direct leg
        when access goes over the road network).
    max_access_s
        Longest access or egress over the road network, seconds.
    default_min_transfer_s
        Time to change vehicles, at a stop or between stops, when transfers.txt is silent.
    max_rides
        Most vehicles boarded in one journey (RAPTOR rounds).
    max_window_minutes
        Longest departure window accepted.
    """

    walk_speed_kph: float = 4.5
    detour_factor: float = 1.3
    max_transfer_walk_m: float = 500.0
    max_access_walk_m: float = 2000.0
    max_access_s: int = 1800
    default_min_transfer_s: int = 180
    max_rides: int = 8
    max_window_minutes: int = 240

    @property
    def walk_speed_mps(self) -> float:
        """Walking speed, metres per second."""
        return self.walk_speed_kph / 3.6


def transit_params_from_settings(settings: Any) -> TransitParams:
    """Parse ``[transit]`` of the settings (missing keys take the defaults)."""
    section = settings.section("transit")
    defaults = TransitParams()
    kwargs: dict[str, Any] = {}
    for name in TransitParams.__dataclass_fields__:
        if name in section:
            kind = type(getattr(defaults, name))
            try:
                kwargs[name] = kind(section[name])
            except (TypeError, ValueError) as e:
                msg = f"transit.{name} must be a number, got {section[name]!r}"
                raise InvalidParameterError(f"transit.{name}", msg) from e
    params = TransitParams(**kwargs)
    if params.walk_speed_kph <= 0 or params.detour_factor < 1 or params.max_rides < 1:
        raise InvalidParameterError(
            "transit", "walk_speed_kph must be > 0, detour_factor >= 1 and max_rides >= 1"
        )
    return params


@dataclass(frozen=True)
class Timetable:
    """Everything routing needs, as compact Python sequences and numpy arrays.

    Attributes
    ----------
    stop_ids, stop_names
        Per stop (boarding points, GTFS location_type 0).
    stop_station
        Parent station id of each stop (its own id when it has none).
    stop_lon, stop_lat
        WGS 84 coordinates.
    stop_x, stop_y
        EPSG:2154 coordinates, metres.
    patterns
        The route patterns.
    stop_patterns
        Per stop, the ``(pattern index, position)`` pairs serving it.
    footpaths
        Per stop, ``(other stop, duration_s)`` walking transfers, change time included.
    change_s
        Per stop, minimum time between alighting and boarding another vehicle there.
    route_ids, route_short_names, route_long_names, route_types
        Per route.
    instance_trip
        GTFS trip id of each trip instance.
    instance_service
        Service index of each instance.
    instance_day_offset
        0, or −1 for the copy of a trip passing midnight shifted by −24 h.
    service_ids
        Services, indexing the calendar arrays.
    validity
        First and last date covered by the feed(s).
    """

    stop_ids: tuple[str, ...]
    stop_names: tuple[str, ...]
    stop_station: tuple[str, ...]
    stop_lon: np.ndarray
    stop_lat: np.ndarray
    stop_x: np.ndarray
    stop_y: np.ndarray
    patterns: tuple[Pattern, ...]
    stop_patterns: tuple[tuple[tuple[int, int], ...], ...]
    footpaths: tuple[tuple[tuple[int, int], ...], ...]
    change_s: tuple[int, ...]
    route_ids: tuple[str, ...]
    route_short_names: tuple[str, ...]
    route_long_names: tuple[str, ...]
    route_types: tuple[int, ...]
    instance_trip: tuple[str, ...]
    instance_headsign: tuple[str, ...]
    instance_service: np.ndarray
    instance_day_offset: np.ndarray
    service_ids: tuple[str, ...]
    calendar_weekdays: np.ndarray
    calendar_start: tuple[date | None, ...]
    calendar_end: tuple[date | None, ...]
    calendar_added: Mapping[date, frozenset[int]]
    calendar_removed: Mapping[date, frozenset[int]]
    validity: tuple[date, date]
    params: TransitParams
    stop_index: Mapping[str, int] = field(default_factory=dict)
    _active_cache: dict[date, tuple[list[bool], ...]] = field(
        default_factory=dict, repr=False, compare=False
    )
    #: Per (id of a mode network, candidates): each stop's nearest nodes on that network
    #: (:func:`geoservice.core.transit_access.road_access_s`), found on first use.
    stop_snaps: dict[tuple[int, int], list[Snap]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @cached_property
    def flat(self) -> FlatTimetable:
        """The flat arrays of the compiled RAPTOR kernel, built on first use."""
        return flat_timetable(self.patterns, self.stop_patterns, self.footpaths, self.change_s)

    @cached_property
    def time_reversed(self) -> Timetable:
        """The timetable with time running backwards (times negated, stop orders reversed).

        An earliest-arrival search on it from ``-T`` gives ``-(latest departure)`` to arrive
        by ``T`` (:mod:`geoservice.core.raptor_reverse`). Built on first use.
        """
        return _reversed(self)

    @property
    def n_stops(self) -> int:
        """Number of stops."""
        return len(self.stop_ids)

    def services_active_on(self, day: date) -> np.ndarray:
        """Boolean array over :attr:`service_ids`: which services run on `day`."""
        n = len(self.service_ids)
        active = np.zeros(n, dtype=bool)
        weekday_col = self.calendar_weekdays[:, day.weekday()]
        for i in range(n):
            start, end = self.calendar_start[i], self.calendar_end[i]
            if start is not None and end is not None and start <= day <= end and weekday_col[i]:
                active[i] = True
        for i in self.calendar_added.get(day, frozenset()):
            active[i] = True
        for i in self.calendar_removed.get(day, frozenset()):
            active[i] = False
        return active

    def active_rows(self, day: date) -> tuple[list[bool], ...]:
        """Per pattern, per row: does this trip instance run when the service day is `day`?"""
        cached = self._active_cache.get(day)
        if cached is not None:
            return cached
        today = self.services_active_on(day)
        yesterday = self.services_active_on(day - timedelta(days=1))
        svc = self.instance_service
        inst_active = np.where(self.instance_day_offset == 0, today[svc], yesterday[svc])
        rows = tuple([bool(inst_active[t]) for t in p.trips] for p in self.patterns)
        if len(self._active_cache) > 16:
            self._active_cache.clear()
        self._active_cache[day] = rows
        return rows

    def stops_of_station(self, station_or_stop_id: str) -> list[int]:
        """Stop indices of a parent station id, or of a stop id; empty if unknown."""
        if station_or_stop_id in self.stop_index:
            return [self.stop_index[station_or_stop_id]]
        return [i for i, s in enumerate(self.stop_station) if s == station_or_stop_id]

    def describe(self) -> dict[str, Any]:
        """Sizes, validity and rules (for ``/health``)."""
        return {
            "stops": self.n_stops,
            "stations": len(set(self.stop_station)),
            "routes": len(self.route_ids),
            "patterns": len(self.patterns),
            "trips": len(set(self.instance_trip)),
            "validity": [self.validity[0].isoformat(), self.validity[1].isoformat()],
            "date_rule": (
                "dates outside the validity use the same weekday of its first full "
                "Monday–Sunday week"
            ),
            "default_min_transfer_s": self.params.default_min_transfer_s,
            "max_transfer_walk_m": self.params.max_transfer_walk_m,
            "max_rides": self.params.max_rides,
        }

    def walk_time_s(self, distance_m: float) -> int:
        """Walking time for a straight-line distance (detour factor applied), whole seconds."""
        p = self.params
        return math.ceil(distance_m * p.detour_factor / p.walk_speed_mps)


def _reversed(tt: Timetable) -> Timetable:
    """`tt` with time running backwards (see :attr:`Timetable.time_reversed`)."""
    patterns: list[Pattern] = []
    for p in tt.patterns:
        rows = range(len(p.trips) - 1, -1, -1)
        dep_rows = tuple(tuple(-a for a in reversed(p.arr_rows[r])) for r in rows)
        arr_rows = tuple(tuple(-d for d in reversed(p.dep_rows[r])) for r in rows)
        patterns.append(
            Pattern(
                route=p.route,
                stops=tuple(reversed(p.stops)),
                pickup=tuple(reversed(p.dropoff)),
                dropoff=tuple(reversed(p.pickup)),
                trips=tuple(reversed(p.trips)),
                dep_rows=dep_rows,
                arr_rows=arr_rows,
                dep_cols=tuple(tuple(row[i] for row in dep_rows) for i in range(len(p.stops))),
            )
        )
    stop_patterns: list[list[tuple[int, int]]] = [[] for _ in range(tt.n_stops)]
    for pi, p in enumerate(patterns):
        for pos, s in enumerate(p.stops):
            stop_patterns[s].append((pi, pos))
    footpaths: list[list[tuple[int, int]]] = [[] for _ in range(tt.n_stops)]
    for a, paths in enumerate(tt.footpaths):
        for b, d in paths:
            footpaths[b].append((a, d))
    return replace(
        tt,
        patterns=tuple(patterns),
        stop_patterns=tuple(tuple(sp) for sp in stop_patterns),
        footpaths=tuple(tuple(sorted(f)) for f in footpaths),
        _active_cache={},
        stop_snaps={},
    )
