"""RAPTOR, the compiled search's driver: earliest arrival and departure windows.

The rounds run in the compiled kernel (:mod:`geoservice.core.raptor_kernel`); its pure-Python
reference is :mod:`geoservice.core.raptor_reference` (tests only), the latest-departure
(reverse) search :mod:`geoservice.core.raptor_reverse`, and the results and their itineraries
:mod:`geoservice.core.raptor_result`.

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
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from geoservice.core import raptor_kernel as _kernel
from geoservice.core.raptor_result import UNREACHED, EarliestArrival, KernelLabels, Leg
from geoservice.core.service_date import ServiceDate, service_date_for
from geoservice.core.timetable import Timetable
from geoservice.errors import InvalidParameterError

__all__ = [
    "UNREACHED",
    "EarliestArrival",
    "Leg",
    "WindowArrival",
    "arrival_at_targets",
    "earliest_arrival",
    "earliest_arrival_window",
    "warm_kernel",
]


def access_by_stop(tt: Timetable, access_s: Mapping[str, float]) -> dict[int, int]:
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

    Memoised with the flat arrays per requested day: at a few µs a search, the lookups count.
    """
    flat = tt.flat
    memo = flat.requested_days
    cached = memo.get(day)
    if cached is None:
        service = service_date_for(day, tt.validity)
        if len(memo) > 256:
            memo.clear()
        cached = memo[day] = (service, _kernel.day_arrays(tt, flat, service.used))
    return cached[0], flat.kernel_args, cached[1]


#: The compiled kernel, typed loosely (numba's Dispatcher signature is not the function's).
_raptor_kernel: Any = _kernel.raptor_kernel


def rounds_for(tt: Timetable, max_rides: int | None) -> int:
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
    rides and itinerary labels) are identical to
    :func:`geoservice.core.raptor_reference.earliest_arrival_reference`.

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
        :func:`~geoservice.core.service_date.service_date_for`.
    max_rides
        Most vehicles boarded; default ``tt.params.max_rides``.
    """
    access = access_by_stop(tt, access_s)
    service, kernel_args, day_arrays = _kernel_day(tt, day)
    rounds = rounds_for(tt, max_rides)
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
        labels=KernelLabels(labels, n_rounds),
    )
    return result


def warm_kernel(tt: Timetable) -> float:
    """Prepare every search on `tt` so that no request pays for it; returns the seconds spent.

    Loads the compiled kernel (from numba's on-disk cache, or compiles it the first time:
    a few seconds), builds the reversed timetable (latest-departure searches) and the flat
    arrays of both, by one empty search on each.
    """
    t = time.perf_counter()
    for table in (tt, tt.time_reversed):
        earliest_arrival(table, {}, 0, tt.validity[0], max_rides=1)
    return time.perf_counter() - t


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
    access = access_by_stop(tt, access_s)
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
