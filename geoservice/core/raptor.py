"""RAPTOR: earliest arrival, departure windows and latest departure on a :class:`Timetable`.

Round *k* of RAPTOR (Delling, Pajor, Werneck 2012) finds the best arrivals using at most *k*
vehicles. Rules modelled here, and in the time-expanded reference of
:mod:`geoservice.core.timeexpanded` which the tests compare against:

- the journey starts with an *access* walk from the origin to some stops (``access_s``,
  supplied by the caller: straight-line walk, or the road network);
- after alighting at stop *s* at time *a*, one may board another vehicle at *s* from
  ``a + change_s[s]``, or walk a footpath *s → u* and board at *u* from ``a + duration``;
  walks are never chained (access, then a footpath, is not allowed);
- the arrival reported at a stop is the earliest of: by vehicle, by a footpath after a ride, by
  the access walk;
- pickup_type / drop_off_type 1 forbid boarding / alighting.

Times are seconds after the origin of the service day (see :mod:`geoservice.core.timetable`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np

from geoservice.core import raptor_kernel as _kernel
from geoservice.core.timetable import Pattern, ServiceDate, Timetable, service_date_for
from geoservice.errors import InvalidParameterError

#: "Not reached" in arrival arrays (seconds): far beyond any service day.
UNREACHED = _kernel.UNREACHED

_Label = tuple[int, str]  # (round, "access" | "ride" | "walk")


@dataclass(frozen=True)
class Leg:
    """One part of an itinerary.

    Attributes
    ----------
    mode
        ``"walk"`` (access, transfer or egress) or ``"ride"``.
    from_stop, to_stop
        Stop ids; ``None`` for the origin of an access walk or the target of an egress walk.
    departure_s, arrival_s
        Seconds after the service day's origin.
    distance_m
        Straight-line length of a walk between stops, metres (``None`` for rides and for
        access / egress, whose length the caller knows).
    route_short_name, route_long_name, trip_id, headsign
        For rides.
    stop_ids
        For rides: the stops from boarding to alighting, both included.
    """

    mode: str
    from_stop: str | None
    to_stop: str | None
    departure_s: int
    arrival_s: int
    distance_m: float | None = None
    route_short_name: str | None = None
    route_long_name: str | None = None
    trip_id: str | None = None
    headsign: str | None = None
    stop_ids: tuple[str, ...] = ()


_RideLabel = tuple[int, int, int, int, _Label]  # pattern, row, board pos, alight pos, board label


@dataclass
class _Labels:
    """Labels of the Python reference: per round, dicts keyed by stop index."""

    best: list[int]
    best_ride: list[int]
    best_label: list[_Label | None]
    ride_labels: list[dict[int, _RideLabel]]
    walk_labels: list[dict[int, tuple[int, int]]]

    def best_label_of(self, stop: int) -> _Label | None:
        return self.best_label[stop]

    def ride_label(self, k: int, stop: int) -> _RideLabel:
        return self.ride_labels[k][stop]

    def walk_label(self, k: int, stop: int) -> tuple[int, int]:
        return self.walk_labels[k][stop]

    def last_ride_round(self, stop: int) -> int | None:
        rounds = [k for k, rl in enumerate(self.ride_labels) if stop in rl]
        return rounds[-1] if rounds else None


_KIND_NAMES = ("", "access", "ride", "walk")  # indexed by raptor_kernel.KIND_*


@dataclass
class _KernelLabels:
    """Labels of the compiled kernel: the int32 array of :mod:`~geoservice.core.raptor_kernel`."""

    labels: np.ndarray
    n_rounds: int

    def best_label_of(self, stop: int) -> _Label | None:
        kind = int(self.labels[1, stop])
        return None if kind == _kernel.KIND_NONE else (int(self.labels[0, stop]), _KIND_NAMES[kind])

    def ride_label(self, k: int, stop: int) -> _RideLabel:
        b = _kernel.LABEL_HEAD + _kernel.LABEL_ROWS_PER_ROUND * k
        p, row, board, alight, board_k, board_kind = (int(v) for v in self.labels[b : b + 6, stop])
        if p < 0:
            raise KeyError(stop)
        return p, row, board, alight, (board_k, _KIND_NAMES[board_kind])

    def walk_label(self, k: int, stop: int) -> tuple[int, int]:
        b = _kernel.LABEL_HEAD + _kernel.LABEL_ROWS_PER_ROUND * k
        from_stop = int(self.labels[b + 6, stop])
        if from_stop < 0:
            raise KeyError(stop)
        return from_stop, int(self.labels[b + 7, stop])

    def last_ride_round(self, stop: int) -> int | None:
        for k in range(self.n_rounds, 0, -1):
            if self.labels[_kernel.LABEL_HEAD + _kernel.LABEL_ROWS_PER_ROUND * k, stop] >= 0:
                return k
        return None

    def to_reference(self, best: np.ndarray, best_ride: np.ndarray) -> _Labels:
        """The same labels in the reference's form (to compare the two in the tests)."""
        n = best.shape[0]
        ride_labels: list[dict[int, _RideLabel]] = []
        walk_labels: list[dict[int, tuple[int, int]]] = []
        for k in range(self.n_rounds + 1):
            b = _kernel.LABEL_HEAD + _kernel.LABEL_ROWS_PER_ROUND * k
            none = np.zeros(0, dtype=np.int64)
            rides = np.flatnonzero(self.labels[b] >= 0) if k else none
            walks = np.flatnonzero(self.labels[b + 6] >= 0) if k else none
            ride_labels.append({int(s): self.ride_label(k, int(s)) for s in rides})
            walk_labels.append({int(s): self.walk_label(k, int(s)) for s in walks})
        return _Labels(
            best=[int(v) for v in best],
            best_ride=[int(v) for v in best_ride],
            best_label=[self.best_label_of(s) for s in range(n)],
            ride_labels=ride_labels,
            walk_labels=walk_labels,
        )


@dataclass(frozen=True)
class EarliestArrival:
    """Result of a one-to-all search.

    Attributes
    ----------
    timetable
        The timetable searched (the reversed one for a latest-departure search).
    service_date
        Timetable day used, and why.
    departure_s
        Departure time from the origin.
    arrival_s
        Per stop index: earliest arrival, :data:`UNREACHED` if none.
    ride_arrival_s
        Per stop index: earliest arrival *by vehicle* (the one egress walks start from).
    rides
        Per stop index: vehicles used by the earliest arrival (-1 if unreached).
    access_s
        Access walk per stop index.
    """

    timetable: Timetable
    service_date: ServiceDate
    departure_s: int
    arrival_s: np.ndarray
    ride_arrival_s: np.ndarray
    rides: np.ndarray
    access_s: Mapping[int, int]
    _labels: _Labels | _KernelLabels

    def reached(self) -> dict[str, int]:
        """Stop id → earliest arrival (s), for reached stops only, in stop-id order."""
        ids = self.timetable.stop_ids
        return {ids[i]: int(self.arrival_s[i]) for i in np.flatnonzero(self.arrival_s < UNREACHED)}

    def arrival_at(self, stop_ids: list[str] | str) -> int | None:
        """Earliest arrival at a stop id or parent station id (best of its stops); None if not."""
        ids = [stop_ids] if isinstance(stop_ids, str) else stop_ids
        idx = [i for s in ids for i in self.timetable.stops_of_station(s)]
        if not idx:
            raise InvalidParameterError("stop", f"unknown stop or station {stop_ids!r}")
        best = int(min(self.arrival_s[i] for i in idx))
        return None if best >= UNREACHED else best

    def legs_to(self, stop: int, *, by_ride: bool = False) -> list[Leg]:
        """The itinerary of the earliest arrival at stop index `stop` (empty if unreached).

        With `by_ride`, the itinerary of the earliest arrival *by vehicle* (ending with a ride).
        """
        label = self._labels.best_label_of(stop)
        if by_ride:
            last = self._labels.last_ride_round(stop)
            label = (last, "ride") if last is not None else None
        if label is None:
            return []
        legs = _legs(self, stop, label)
        # Leave the origin just in time for the first vehicle.
        if len(legs) >= 2 and legs[0].mode == "walk" and legs[1].mode == "ride":
            walk = legs[0]
            wait = legs[1].departure_s - walk.arrival_s
            legs[0] = replace(
                walk, departure_s=walk.departure_s + wait, arrival_s=walk.arrival_s + wait
            )
        # Starting at the stop itself: no access walk to show.
        if (
            len(legs) >= 2
            and legs[0].from_stop is None
            and legs[0].arrival_s == legs[0].departure_s
        ):
            legs = legs[1:]
        return legs


def _legs(result: EarliestArrival, stop: int, label: _Label) -> list[Leg]:
    tt = result.timetable
    labels = result._labels
    k, kind = label
    if kind == "access":
        return [
            Leg(
                "walk",
                None,
                tt.stop_ids[stop],
                result.departure_s,
                result.departure_s + result.access_s[stop],
            )
        ]
    if kind == "walk":
        from_stop, t = labels.walk_label(k, stop)
        before = _legs(result, from_stop, (k, "ride"))
        dist = float(
            np.hypot(tt.stop_x[stop] - tt.stop_x[from_stop], tt.stop_y[stop] - tt.stop_y[from_stop])
        )
        return [
            *before,
            Leg(
                "walk",
                tt.stop_ids[from_stop],
                tt.stop_ids[stop],
                before[-1].arrival_s,
                t,
                distance_m=round(dist, 1),
            ),
        ]
    p_idx, row, board_pos, alight_pos, board_label = labels.ride_label(k, stop)
    pat = tt.patterns[p_idx]
    board_stop = pat.stops[board_pos]
    inst = pat.trips[row]
    ride = Leg(
        "ride",
        tt.stop_ids[board_stop],
        tt.stop_ids[stop],
        pat.dep_rows[row][board_pos],
        pat.arr_rows[row][alight_pos],
        route_short_name=tt.route_short_names[pat.route],
        route_long_name=tt.route_long_names[pat.route],
        trip_id=tt.instance_trip[inst],
        headsign=tt.instance_headsign[inst],
        stop_ids=tuple(tt.stop_ids[s] for s in pat.stops[board_pos : alight_pos + 1]),
    )
    return [*_legs(result, board_stop, board_label), ride]


def _run_raptor_reference(
    tt: Timetable,
    active: tuple[list[bool], ...],
    access: Mapping[int, int],
    departure_s: int,
    max_rides: int,
) -> tuple[_Labels, list[int]]:
    n = tt.n_stops
    best = [UNREACHED] * n
    best_ride = [UNREACHED] * n
    ready = [UNREACHED] * n
    rides = [-1] * n
    best_label: list[_Label | None] = [None] * n
    ready_label: list[_Label | None] = [None] * n
    ride_labels: list[dict[int, _RideLabel]] = [{}]
    walk_labels: list[dict[int, tuple[int, int]]] = [{}]
    marked: set[int] = set()
    for s, a in access.items():
        t = departure_s + a
        if t < best[s]:
            best[s] = t
            best_label[s] = (0, "access")
            rides[s] = 0
            ready[s] = t
            ready_label[s] = (0, "access")
            marked.add(s)
    patterns: tuple[Pattern, ...] = tt.patterns
    stop_patterns = tt.stop_patterns
    change = tt.change_s
    footpaths = tt.footpaths
    for k in range(1, max_rides + 1):
        if not marked:
            break
        queue: dict[int, int] = {}
        for s in sorted(marked):  # a fixed order: it decides ties (see the kernel)
            for p_idx, pos in stop_patterns[s]:
                if pos < queue.get(p_idx, 1 << 30):
                    queue[p_idx] = pos
        ready_prev = ready[:]
        rl: dict[int, _RideLabel] = {}
        ride_labels.append(rl)
        improved: set[int] = set()
        for p_idx, pos0 in queue.items():
            pat = patterns[p_idx]
            act = active[p_idx]
            stops = pat.stops
            pick = pat.pickup
            drop = pat.dropoff
            row = -1
            arr_row: tuple[int, ...] = ()
            dep_row: tuple[int, ...] = ()
            board_pos = -1
            board_label: _Label = (0, "access")
            for i in range(pos0, len(stops)):
                s = stops[i]
                if row >= 0 and drop[i]:
                    a = arr_row[i]
                    if a < best_ride[s]:
                        best_ride[s] = a
                        rl[s] = (p_idx, row, board_pos, i, board_label)
                        improved.add(s)
                if pick[i]:
                    r_s = ready_prev[s]
                    if r_s < UNREACHED and (row < 0 or r_s < dep_row[i]):
                        r = pat.first_row_from(i, r_s, act)
                        if r >= 0 and (row < 0 or r < row):
                            row = r
                            arr_row = pat.arr_rows[r]
                            dep_row = pat.dep_rows[r]
                            board_pos = i
                            lab = ready_label[s]
                            board_label = lab if lab is not None else (0, "access")
        marked = set()
        wl: dict[int, tuple[int, int]] = {}
        walk_labels.append(wl)
        for s in sorted(improved):
            a = best_ride[s]
            if a < best[s]:
                best[s] = a
                best_label[s] = (k, "ride")
                rides[s] = k
            r_t = a + change[s]
            if r_t < ready[s]:
                ready[s] = r_t
                ready_label[s] = (k, "ride")
                marked.add(s)
            for u, d in footpaths[s]:
                t = a + d
                if t < wl.get(u, (0, UNREACHED))[1]:
                    wl[u] = (s, t)
        for u, (_s, t) in wl.items():
            if t < best[u]:
                best[u] = t
                best_label[u] = (k, "walk")
                rides[u] = k
            if t < ready[u]:
                ready[u] = t
                ready_label[u] = (k, "walk")
                marked.add(u)
    return _Labels(best, best_ride, best_label, ride_labels, walk_labels), rides


def _check_access(tt: Timetable, access_s: Mapping[str, float]) -> dict[int, int]:
    out: dict[int, int] = {}
    for stop_id, seconds in access_s.items():
        i = tt.stop_index.get(stop_id)
        if i is None:
            raise InvalidParameterError("access_s", f"unknown stop id {stop_id!r}")
        if not seconds >= 0:
            raise InvalidParameterError("access_s", f"negative access time {seconds!r}")
        s = round(float(seconds))
        if s < out.get(i, UNREACHED):
            out[i] = s
    return out


_KernelDay = tuple[ServiceDate, tuple[Any, ...], np.ndarray]


def _kernel_day(tt: Timetable, day: date) -> _KernelDay:
    """Service date of a requested day, the kernel's fixed arguments and that day's activity.

    Memoised on `tt` per requested day: at a few µs a search, the lookups count.
    """
    memo = tt.derived.get("raptor_days")
    if not isinstance(memo, dict):
        memo = tt.derived["raptor_days"] = {}
    cached = memo.get(day)
    if cached is None:
        service = service_date_for(day, tt.validity)
        flat = _kernel.flat_timetable(tt)
        if len(memo) > 256:
            memo.clear()
        cached = memo[day] = (
            service,
            flat.kernel_args,
            _kernel.day_arrays(tt, flat, service.used),
        )
    return cached


#: The compiled kernel, typed loosely (numba's Dispatcher signature is not the function's).
_raptor_kernel: Any = _kernel.raptor_kernel


def _rounds(tt: Timetable, max_rides: int | None) -> int:
    rounds = tt.params.max_rides if max_rides is None else int(max_rides)
    if rounds < 0:
        raise InvalidParameterError("max_rides", f"max_rides must be >= 0, got {max_rides}")
    return rounds


def earliest_arrival(
    tt: Timetable,
    access_s: Mapping[str, float],
    departure_s: int,
    day: date,
    *,
    max_rides: int | None = None,
) -> EarliestArrival:
    """One-to-all earliest arrival leaving the origin at `departure_s` on `day`.

    Runs the compiled kernel of :mod:`geoservice.core.raptor_kernel`, whose results (arrivals,
    rides and itinerary labels) are identical to :func:`earliest_arrival_reference`.

    Parameters
    ----------
    tt
        The timetable.
    access_s
        Stop id → seconds from the origin to that stop (walk, bike or car). An empty mapping
        gives an empty result.
    departure_s
        Departure from the origin, seconds after midnight of `day`.
    day
        Requested date; mapped to a service date by
        :func:`~geoservice.core.timetable.service_date_for`.
    max_rides
        Most vehicles boarded; default ``tt.params.max_rides``.
    """
    access = _check_access(tt, access_s)
    service, kernel_args, day_arrays = _kernel_day(tt, day)
    rounds = _rounds(tt, max_rides)
    acc = np.array([*access, *access.values()], dtype=np.int64)
    times, labels, n_rounds = _raptor_kernel(
        *kernel_args, day_arrays, acc, int(departure_s), rounds
    )
    # As EarliestArrival(...), without the frozen dataclass's per-field object.__setattr__
    # (0.5 µs, a twentieth of a search); the tests check both build equal objects.
    result: EarliestArrival = object.__new__(EarliestArrival)
    result.__dict__.update(
        timetable=tt,
        service_date=service,
        departure_s=departure_s,
        arrival_s=times[0],
        ride_arrival_s=times[1],
        rides=times[2],
        access_s=access,
        _labels=_KernelLabels(labels, n_rounds),
    )
    return result


def warm_kernel(tt: Timetable) -> float:
    """Prepare every search on `tt` so that no request pays for it; returns the seconds spent.

    Loads the compiled kernel (from numba's on-disk cache, or compiles it the first time:
    a few seconds), builds the reversed timetable (latest-departure searches) and the flat
    arrays of both, by one empty search on each.
    """
    t = time.perf_counter()
    for table in (tt, reversed_timetable(tt)):
        earliest_arrival(table, {}, 0, tt.validity[0], max_rides=1)
    return time.perf_counter() - t


def earliest_arrival_reference(
    tt: Timetable,
    access_s: Mapping[str, float],
    departure_s: int,
    day: date,
    *,
    max_rides: int | None = None,
) -> EarliestArrival:
    """:func:`earliest_arrival` by the pure-Python RAPTOR: the reference of the kernel.

    Slower (about 0.1–1 ms a search on the Nièvre subset); the tests check that both give the
    same arrivals, rides and itinerary labels.
    """
    access = _check_access(tt, access_s)
    service = service_date_for(day, tt.validity)
    rounds = _rounds(tt, max_rides)
    labels, rides = _run_raptor_reference(
        tt, tt.active_rows(service.used), access, departure_s, rounds
    )
    return EarliestArrival(
        timetable=tt,
        service_date=service,
        departure_s=departure_s,
        arrival_s=np.asarray(labels.best, dtype=np.int64),
        ride_arrival_s=np.asarray(labels.best_ride, dtype=np.int64),
        rides=np.asarray(rides, dtype=np.int64),
        access_s=access,
        _labels=labels,
    )


def arrival_at_targets(
    result: EarliestArrival, egress_s: Mapping[str, Mapping[str, float]]
) -> dict[str, int]:
    """Earliest arrival at each target: best ``ride arrival at a stop + egress`` (seconds).

    `egress_s` maps a target id to ``{stop id: seconds from the stop to the target}``.
    Targets reached by no stop are left out. A direct walk from the origin is the caller's.
    """
    out: dict[str, int] = {}
    index = result.timetable.stop_index
    for target, by_stop in egress_s.items():
        best = UNREACHED
        for stop_id, seconds in by_stop.items():
            i = index.get(stop_id)
            if i is None:
                raise InvalidParameterError("egress_s", f"unknown stop id {stop_id!r}")
            best = min(best, int(result.ride_arrival_s[i]) + round(float(seconds)))
        if best < UNREACHED:
            out[target] = best
    return out


@dataclass(frozen=True)
class WindowArrival:
    """Travel times over a departure window, per stop.

    Attributes
    ----------
    service_date
        Timetable day used, and why.
    start_s, window_minutes
        The window: departures at every minute ``start_s + 60 * m``, ``0 <= m < window_minutes``.
    best_travel_time_s
        Per stop: shortest travel time over the window (:data:`UNREACHED` if never reached).
    median_travel_time_s
        Per stop: median over the departure minutes (:data:`UNREACHED` when the stop is not
        reached from at least half of them).
    best_departure_s
        Per stop: the departure minute giving the best travel time (-1 if never reached).
    searches
        The one-to-all searches run (one per distinct useful departure time).
    """

    service_date: ServiceDate
    start_s: int
    window_minutes: int
    best_travel_time_s: np.ndarray
    median_travel_time_s: np.ndarray
    best_departure_s: np.ndarray
    searches: tuple[EarliestArrival, ...]

    def best_search_for(self, stop: int) -> EarliestArrival | None:
        """The search whose departure gives the best travel time to `stop` (for its legs)."""
        dep = int(self.best_departure_s[stop])
        if dep < 0:
            return None
        best = self.best_travel_time_s[stop]
        for s in self.searches:
            if s.departure_s >= dep and best in (
                s.arrival_s[stop] - dep,
                s.arrival_s[stop] - s.departure_s,
            ):
                return s
        return None


def earliest_arrival_window(
    tt: Timetable,
    access_s: Mapping[str, float],
    start_s: int,
    window_minutes: int,
    day: date,
    *,
    max_rides: int | None = None,
) -> WindowArrival:
    """Best and median travel time per stop for departures every minute of a window.

    The arrival from a departure minute *m* equals the arrival of the search leaving at the
    first *useful* time ``t >= m`` (a vehicle leaves an access stop at ``t + access``), except
    for stops reached by the access walk alone. So one search per useful time inside the window
    (plus one at its end, for the first vehicles after it) gives every minute exactly, as
    range-RAPTOR does.
    """
    if window_minutes < 1:
        raise InvalidParameterError("window_minutes", f"must be >= 1, got {window_minutes}")
    access = _check_access(tt, access_s)
    service = service_date_for(day, tt.validity)
    active = tt.active_rows(service.used)
    end_s = start_s + 60 * window_minutes
    useful: set[int] = set()
    for s, a in access.items():
        for p_idx, pos in tt.stop_patterns[s]:
            pat = tt.patterns[p_idx]
            if not pat.pickup[pos]:
                continue
            act = active[p_idx]
            for r, d in enumerate(pat.dep_cols[pos]):
                t = d - a
                if start_s <= t < end_s and act[r]:
                    useful.add(t)
    times = sorted(useful)
    if not times or times[-1] != end_s:
        times.append(end_s)
    searches = tuple(
        earliest_arrival(tt, access_s, t, day, max_rides=max_rides) for t in reversed(times)
    )[::-1]
    minutes = start_s + 60 * np.arange(window_minutes, dtype=np.int64)
    # For each minute, the first search leaving at or after it.
    which = np.searchsorted(np.asarray(times, dtype=np.int64), minutes, side="left")
    arrivals = np.stack([s.arrival_s for s in searches])[which]  # minutes × stops
    access_vec = np.full(tt.n_stops, UNREACHED, dtype=np.int64)
    for s, a in access.items():
        access_vec[s] = a
    arrivals = np.minimum(arrivals, minutes[:, None] + access_vec[None, :])
    travel = np.where(arrivals < UNREACHED, arrivals - minutes[:, None], UNREACHED)
    best_idx = travel.argmin(axis=0)
    best = travel[best_idx, np.arange(tt.n_stops)]
    median = np.sort(travel, axis=0)[(window_minutes - 1) // 2]
    median = np.where(median < UNREACHED, median, UNREACHED)
    best_dep = np.where(best < UNREACHED, minutes[best_idx], -1)
    return WindowArrival(
        service_date=service,
        start_s=start_s,
        window_minutes=window_minutes,
        best_travel_time_s=best,
        median_travel_time_s=median,
        best_departure_s=best_dep,
        searches=searches,
    )


def reversed_timetable(tt: Timetable) -> Timetable:
    """The timetable with time running backwards (times negated, stop orders reversed).

    An earliest-arrival search on it from ``-T`` gives ``-(latest departure)`` to arrive by
    ``T``. Cached on `tt`.
    """
    cached = tt.derived.get("reversed")
    if isinstance(cached, Timetable):
        return cached
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
    rev = replace(
        tt,
        patterns=tuple(patterns),
        stop_patterns=tuple(tuple(sp) for sp in stop_patterns),
        footpaths=tuple(tuple(sorted(f)) for f in footpaths),
        _active_cache={},
        derived={},
    )
    tt.derived["reversed"] = rev
    return rev


@dataclass(frozen=True)
class LatestDeparture:
    """Result of a reverse search: latest departure from each stop to arrive by a time.

    Attributes
    ----------
    service_date
        Timetable day used, and why.
    arrive_by_s
        The deadline at the target(s).
    departure_s
        Per stop index: latest time one may board a vehicle there (or start the egress walk,
        at an egress stop) and still arrive in time (-:data:`UNREACHED` if impossible). As
        forward searches never start with a footpath, neither does this.
    """

    service_date: ServiceDate
    arrive_by_s: int
    departure_s: np.ndarray
    _search: EarliestArrival

    def latest(self) -> dict[str, int]:
        """Stop id → latest departure (s), for stops that can make it."""
        ids = self._search.timetable.stop_ids
        ok = np.flatnonzero(self.departure_s > -UNREACHED)
        return {ids[i]: int(self.departure_s[i]) for i in ok}

    def legs_from(self, stop: int) -> list[Leg]:
        """The itinerary leaving stop index `stop` at its latest departure."""
        search = self._search
        by_ride = -int(search.ride_arrival_s[stop]) == int(self.departure_s[stop])
        back = search.legs_to(stop, by_ride=by_ride and stop not in search.access_s)
        legs = []
        for leg in reversed(back):
            legs.append(
                replace(
                    leg,
                    from_stop=leg.to_stop,
                    to_stop=leg.from_stop,
                    departure_s=-leg.arrival_s,
                    arrival_s=-leg.departure_s,
                    stop_ids=tuple(reversed(leg.stop_ids)),
                )
            )
        return legs


def latest_departure(
    tt: Timetable,
    egress_s: Mapping[str, float],
    arrive_by_s: int,
    day: date,
    *,
    max_rides: int | None = None,
) -> LatestDeparture:
    """All-to-one latest departure: leave each stop as late as possible, arrive by `arrive_by_s`.

    `egress_s` maps stop id → seconds from that stop to the destination. The same rules as
    :func:`earliest_arrival` apply with time reversed (change times and footpaths included).
    """
    rev = reversed_timetable(tt)
    search = earliest_arrival(rev, egress_s, -arrive_by_s, day, max_rides=max_rides)
    # Boarding a vehicle at the stop (ride labels of the reversed search), or walking from an
    # egress stop; a reversed footpath would be a forward walk *before* the first ride.
    latest = np.minimum(search.ride_arrival_s, UNREACHED)
    for s, a in search.access_s.items():
        latest[s] = min(int(latest[s]), -arrive_by_s + a)
    dep = np.where(latest < UNREACHED, -latest, -UNREACHED)
    return LatestDeparture(search.service_date, arrive_by_s, dep, search)
