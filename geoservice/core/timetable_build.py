"""GTFS tables → the compact :class:`~geoservice.core.timetable.Timetable`.

Patterns (trips of one route with the same stops and rules, no overtaking, sorted by
departure), instances of trips passing midnight shifted by −24 h, walking transfers between
nearby stops, the service calendar and the feed validity.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from geoservice.core.crs import METRIC_CRS, SERVICE_CRS, transformer
from geoservice.core.service_date import WEEKDAYS
from geoservice.core.timetable import GtfsTables, Pattern, Timetable, TransitParams
from geoservice.errors import DataError

DAY_S = 86_400


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
    x, y = transformer(SERVICE_CRS, METRIC_CRS).transform(lon, lat)
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
