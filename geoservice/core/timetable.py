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

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from geoservice.core.crs import METRIC_CRS, SERVICE_CRS, transformer
from geoservice.errors import DataError, InvalidParameterError

DAY_S = 86_400
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


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
class Pattern:
    """Trips of one route serving the same stops in the same order, without overtaking.

    Attributes
    ----------
    route
        Index into :attr:`Timetable.route_ids`.
    stops
        Stop indices, in travel order.
    pickup, dropoff
        Whether boarding (alighting) is allowed at each position.
    trips
        Trip-instance indices (into :attr:`Timetable.instance_trip`), sorted by departure.
    dep_rows, arr_rows
        ``dep_rows[r][i]``: departure of trip row `r` at position `i`, seconds.
    dep_cols
        ``dep_cols[i]``: departures of all rows at position `i`, sorted ascending.
    """

    route: int
    stops: tuple[int, ...]
    pickup: tuple[bool, ...]
    dropoff: tuple[bool, ...]
    trips: tuple[int, ...]
    dep_rows: tuple[tuple[int, ...], ...]
    arr_rows: tuple[tuple[int, ...], ...]
    dep_cols: tuple[tuple[int, ...], ...]

    def first_row_from(self, pos: int, ready_s: float, active: list[bool]) -> int:
        """The first active row departing position `pos` at or after `ready_s`; -1 if none."""
        col = self.dep_cols[pos]
        r = bisect.bisect_left(col, ready_s)
        n = len(col)
        while r < n and not active[r]:
            r += 1
        return r if r < n else -1


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
    #: Structures derived on first use (the reversed timetable), kept with the timetable.
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

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


def _date_from_gtfs(text: str) -> date:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except (ValueError, IndexError) as e:
        raise DataError(f"invalid GTFS date {text!r}") from e


def _records(df: pd.DataFrame) -> list[SimpleNamespace]:
    """Rows of a text table with attribute access (every value a str)."""
    return [
        SimpleNamespace(**{str(k): str(v) for k, v in r.items()}) for r in df.to_dict("records")
    ]


def _seconds(text: str) -> int:
    h, m, s = text.split(":")
    return int(h) * 3600 + int(m) * 60 + int(s)


def timetable_from_tables(tables: GtfsTables, params: TransitParams) -> Timetable:
    """Build the compact :class:`Timetable` of a GTFS feed (usually the merged subset)."""
    stops_all = tables.stops
    points = stops_all[stops_all["location_type"].isin(["", "0"])].sort_values("stop_id")
    stop_ids = tuple(points["stop_id"])
    stop_index = {s: i for i, s in enumerate(stop_ids)}
    lon = points["stop_lon"].astype(float).to_numpy()
    lat = points["stop_lat"].astype(float).to_numpy()
    to_2154 = transformer(SERVICE_CRS, METRIC_CRS)
    x, y = to_2154.transform(lon, lat)
    station = tuple(p if p else s for s, p in zip(stop_ids, points["parent_station"], strict=True))

    routes = tables.routes.sort_values("route_id")
    route_ids = tuple(routes["route_id"])
    route_index = {r: i for i, r in enumerate(route_ids)}

    service_ids = tuple(
        sorted(
            set(tables.trips["service_id"])
            | set(tables.calendar["service_id"])
            | set(tables.calendar_dates["service_id"])
        )
    )
    service_index = {s: i for i, s in enumerate(service_ids)}

    trips = tables.trips.set_index("trip_id")
    st = tables.stop_times.assign(
        _seq=tables.stop_times["stop_sequence"].astype(int),
        _arr=tables.stop_times["arrival_time"].map(_seconds),
        _dep=tables.stop_times["departure_time"].map(_seconds),
        _pick=tables.stop_times["pickup_type"] != "1",
        _drop=tables.stop_times["drop_off_type"] != "1",
    )
    unknown = set(st["stop_id"]) - set(stop_index)
    if unknown:
        raise DataError(f"stop_times reference {len(unknown)} unknown stop(s)")
    st = st.sort_values(["trip_id", "_seq"], kind="mergesort")

    # Trip instances grouped by pattern key.
    inst_trip: list[str] = []
    inst_headsign: list[str] = []
    inst_service: list[int] = []
    inst_offset: list[int] = []
    groups: dict[tuple[Any, ...], list[tuple[list[int], list[int], int]]] = {}
    for trip_id, g in st.groupby("trip_id", sort=True):
        trip = trips.loc[trip_id]
        stop_seq = tuple(stop_index[s] for s in g["stop_id"])
        arr = g["_arr"].tolist()
        dep = g["_dep"].tolist()
        if any(b < a for a, b in zip(dep, arr[1:], strict=False)) or any(
            d < a for a, d in zip(arr, dep, strict=True)
        ):
            raise DataError(f"trip {trip_id}: times go backwards")
        pick = list(g["_pick"])
        drop = list(g["_drop"])
        # No boarding at the last stop, no alighting at the first.
        pick[-1] = False
        drop[0] = False
        key = (route_index[trip["route_id"]], stop_seq, tuple(pick), tuple(drop))
        offsets = [0, -1] if max(arr[-1], dep[-1]) >= DAY_S else [0]
        for off in offsets:
            shift = off * DAY_S
            inst = len(inst_trip)
            inst_trip.append(str(trip_id))
            inst_headsign.append(str(trip["trip_headsign"]))
            inst_service.append(service_index[trip["service_id"]])
            inst_offset.append(off)
            groups.setdefault(key, []).append(
                ([a + shift for a in arr], [d + shift for d in dep], inst)
            )

    patterns: list[Pattern] = []
    for key in sorted(groups):
        route, stop_seq, pick_t, drop_t = key
        members = sorted(groups[key], key=lambda m: (m[1][0], m[0][-1], m[2]))
        # Split into FIFO sub-patterns: a trip overtaking another goes to a new one.
        subs: list[list[tuple[list[int], list[int], int]]] = []
        for m in members:
            for sub in subs:
                last = sub[-1]
                if all(a >= b for a, b in zip(m[0], last[0], strict=True)) and all(
                    a >= b for a, b in zip(m[1], last[1], strict=True)
                ):
                    sub.append(m)
                    break
            else:
                subs.append([m])
        for sub in subs:
            patterns.append(
                Pattern(
                    route=route,
                    stops=stop_seq,
                    pickup=pick_t,
                    dropoff=drop_t,
                    trips=tuple(m[2] for m in sub),
                    dep_rows=tuple(tuple(m[1]) for m in sub),
                    arr_rows=tuple(tuple(m[0]) for m in sub),
                    dep_cols=tuple(tuple(m[1][i] for m in sub) for i in range(len(stop_seq))),
                )
            )

    stop_patterns: list[list[tuple[int, int]]] = [[] for _ in stop_ids]
    for pi, p in enumerate(patterns):
        for pos, s in enumerate(p.stops):
            stop_patterns[s].append((pi, pos))

    change_s, footpaths = _transfers(tables.transfers, stop_index, x, y, params)

    cal = tables.calendar
    weekdays = np.zeros((len(service_ids), 7), dtype=bool)
    start: list[date | None] = [None] * len(service_ids)
    end: list[date | None] = [None] * len(service_ids)
    for row in _records(cal):
        i = service_index[row.service_id]
        weekdays[i] = [getattr(row, d) == "1" for d in WEEKDAYS]
        start[i] = _date_from_gtfs(row.start_date)
        end[i] = _date_from_gtfs(row.end_date)
    added: dict[date, set[int]] = {}
    removed: dict[date, set[int]] = {}
    for row in _records(tables.calendar_dates):
        target = added if row.exception_type == "1" else removed
        target.setdefault(_date_from_gtfs(row.date), set()).add(service_index[row.service_id])

    return Timetable(
        stop_ids=stop_ids,
        stop_names=tuple(points["stop_name"]),
        stop_station=station,
        stop_lon=lon,
        stop_lat=lat,
        stop_x=np.asarray(x),
        stop_y=np.asarray(y),
        patterns=tuple(patterns),
        stop_patterns=tuple(tuple(sp) for sp in stop_patterns),
        footpaths=footpaths,
        change_s=change_s,
        route_ids=route_ids,
        route_short_names=tuple(routes["route_short_name"]),
        route_long_names=tuple(routes["route_long_name"]),
        route_types=tuple(int(t) for t in routes["route_type"]),
        instance_trip=tuple(inst_trip),
        instance_headsign=tuple(inst_headsign),
        instance_service=np.asarray(inst_service, dtype=np.int64),
        instance_day_offset=np.asarray(inst_offset, dtype=np.int64),
        service_ids=service_ids,
        calendar_weekdays=weekdays,
        calendar_start=tuple(start),
        calendar_end=tuple(end),
        calendar_added={d: frozenset(v) for d, v in added.items()},
        calendar_removed={d: frozenset(v) for d, v in removed.items()},
        validity=_validity(tables, start, end, added),
        params=params,
        stop_index=stop_index,
    )


def _transfers(
    transfers: pd.DataFrame,
    stop_index: Mapping[str, int],
    x: np.ndarray,
    y: np.ndarray,
    params: TransitParams,
) -> tuple[tuple[int, ...], tuple[tuple[tuple[int, int], ...], ...]]:
    """Per-stop change times and footpaths.

    Footpaths join stops within ``max_transfer_walk_m`` (straight line); their duration is the
    walk (detour factor, walk speed) but at least ``default_min_transfer_s``. transfers.txt
    overrides: type 2 sets the time (``from == to`` sets the change time at that stop), type 3
    forbids the transfer, types 0 and 1 keep the default.
    """
    n = len(stop_index)
    change = [params.default_min_transfer_s] * n
    rule: dict[tuple[int, int], int | None] = {}
    for row in _records(transfers):
        a = stop_index.get(row.from_stop_id)
        b = stop_index.get(row.to_stop_id)
        if a is None or b is None:
            continue
        if row.transfer_type == "3":
            rule[(a, b)] = None
        elif row.transfer_type == "2" and row.min_transfer_time != "":
            if a == b:
                change[a] = int(float(row.min_transfer_time))
            else:
                rule[(a, b)] = int(float(row.min_transfer_time))
    xy = np.column_stack([x, y])
    paths: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    max_m = params.max_transfer_walk_m
    for a in range(n):
        d = np.hypot(xy[:, 0] - xy[a, 0], xy[:, 1] - xy[a, 1])
        for b_np in np.flatnonzero(d <= max_m):
            b = int(b_np)
            if b == a:
                continue
            walk = math.ceil(float(d[b]) * params.detour_factor / params.walk_speed_mps)
            duration = max(walk, params.default_min_transfer_s)
            if (a, b) in rule:
                r = rule[(a, b)]
                if r is None:
                    continue
                duration = r
            paths[a].append((b, duration))
    for (a, b), r in rule.items():  # explicit transfers beyond the walking radius
        if r is not None and a != b and all(t != b for t, _ in paths[a]):
            paths[a].append((b, r))
    return tuple(change), tuple(tuple(sorted(p)) for p in paths)


def _validity(
    tables: GtfsTables,
    start: list[date | None],
    end: list[date | None],
    added: Mapping[date, set[int]],
) -> tuple[date, date]:
    """Dates the feed covers: feed_info (intersection over feeds), else the calendar span."""
    info = tables.feed_info
    starts = [_date_from_gtfs(s) for s in info["feed_start_date"] if s]
    ends = [_date_from_gtfs(s) for s in info["feed_end_date"] if s]
    if starts and ends and max(starts) <= min(ends):
        return max(starts), min(ends)
    days = [d for d in start if d] + [d for d in end if d] + list(added)
    if not days:
        raise DataError("the feed has no calendar: no service date can be chosen")
    return min(days), max(days)


@dataclass(frozen=True)
class ServiceDate:
    """The timetable day used for a request, and why."""

    requested: date
    used: date
    reason: str


def service_date_for(requested: date, validity: tuple[date, date]) -> ServiceDate:
    """The service date whose timetable answers a request for `requested`.

    Rule: a date inside the feed validity is used as is. A date outside it is replaced by the
    same weekday of the *first full Monday–Sunday week* inside the validity (for the TER feed
    valid 2025-01-22 → 2025-04-22: the week of Monday 2025-01-27), so that every date maps to
    an ordinary week, the same one whatever the request, rather than to the thin edges of the
    feed. If the validity holds no full week, the first date inside it with that weekday is
    used (or the first date of the validity if there is none).
    """
    first, last = validity
    if first <= requested <= last:
        return ServiceDate(
            requested,
            requested,
            f"{requested.isoformat()} is inside the timetable validity "
            f"{first.isoformat()} → {last.isoformat()}",
        )
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    if monday + timedelta(days=6) <= last:
        used = monday + timedelta(days=requested.weekday())
        how = "the same weekday in the first full week (Monday–Sunday) of the validity"
    else:
        candidates = [
            first + timedelta(days=i)
            for i in range((last - first).days + 1)
            if (first + timedelta(days=i)).weekday() == requested.weekday()
        ]
        used = candidates[0] if candidates else first
        how = "the first date of the validity with the same weekday" if candidates else "its start"
    day = WEEKDAYS[used.weekday()].capitalize()
    return ServiceDate(
        requested,
        used,
        f"{requested.isoformat()} is outside the timetable validity {first.isoformat()} → "
        f"{last.isoformat()}; the timetable of {day} {used.isoformat()}, {how}, is used",
    )
