"""Transit travel-time matrices over a departure window, as r5py's ``TravelTimeMatrix``.

For each origin and each departure minute of the window, the door-to-door time to each
destination is the transit ranking's
(:func:`~geoservice.core.transit_reachable.transit_offer_times`): the access mode straight
to the destination, or the access mode to the stops, vehicles (RAPTOR), then the walk from
the stop where one alights. The window's statistics follow r5py: the best (shortest) time,
the median, or percentiles of the per-minute times (nearest rank: the ⌈p/100 · W⌉-th
smallest of the W minutes; the median is p50). A minute that reaches a destination beyond
the limit counts as unreached (``inf``), so a percentile may be unreached while the best
is not.

Only a few searches per origin run: a departure minute *m* rides the vehicles of the search
leaving at the first *useful* time ``t ≥ m`` (a vehicle leaves an access stop at
``t + access``), as in :func:`~geoservice.core.raptor.earliest_arrival_window`; so one search
per useful time (plus one at the window's end) gives every minute exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from geoservice.core.matrix import origin_errors
from geoservice.core.raptor import UNREACHED, earliest_arrival
from geoservice.core.reachable import offer_travel_times
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.core.routing import FloatArray, IntArray
from geoservice.core.service_date import ServiceDate, service_date_for
from geoservice.core.timetable import Timetable
from geoservice.core.transit_access import road_access_s
from geoservice.core.transit_reachable import stop_offer_walk_s
from geoservice.errors import InvalidParameterError

#: Window statistics by name (percentiles are ``p1`` … ``p100``).
STATISTICS = ("best", "median")


def statistic_rank(name: str, window_minutes: int) -> int:
    """Index, in the sorted per-minute times, of the statistic `name` over the window.

    Raises
    ------
    InvalidParameterError
        `name` is none of ``best``, ``median``, ``p1`` … ``p100`` (naming ``statistic``).
    """
    if name == "best":
        return 0
    if name == "median":
        return (window_minutes - 1) // 2
    if name.startswith("p") and name[1:].isdigit() and 1 <= int(name[1:]) <= 100:
        return min(max(math.ceil(int(name[1:]) / 100 * window_minutes) - 1, 0), window_minutes - 1)
    msg = f"unknown statistic {name!r}: best, median or a percentile p1 … p100"
    raise InvalidParameterError("statistic", msg, allowed=[*STATISTICS, "p1…p100"])


@dataclass(frozen=True)
class TransitMatrix:
    """Window statistics of door-to-door transit times, origins × destinations.

    Attributes
    ----------
    travel_time_s
        Statistic name → ``(origins, destinations)`` seconds, ``inf`` when unreached.
    service_date
        The timetable day used, and why.
    searches
        RAPTOR searches run (all origins).
    """

    travel_time_s: Mapping[str, FloatArray]
    service_date: ServiceDate
    searches: int


def useful_departures_s(
    tt: Timetable, access: Mapping[str, float], start_s: int, end_s: int, day: date
) -> list[int]:
    """Departures in ``[start_s, end_s)`` that catch a vehicle at an access stop, and `end_s`.

    A vehicle leaving stop *s* at *d* is caught by leaving the origin at ``d − access(s)``
    (access times rounded to the second, as the search does).
    """
    service = service_date_for(day, tt.validity)
    active = tt.active_rows(service.used)
    useful: set[int] = set()
    for stop_id, seconds in access.items():
        s = tt.stop_index[stop_id]
        a = round(float(seconds))
        for p_idx, pos in tt.stop_patterns[s]:
            pat = tt.patterns[p_idx]
            if not pat.pickup[pos]:
                continue
            act = active[p_idx]
            for row, dep in enumerate(pat.dep_cols[pos]):
                t = int(dep) - a
                if start_s <= t < end_s and act[row]:
                    useful.add(t)
    times = sorted(useful)
    if not times or times[-1] != end_s:
        times.append(end_s)
    return times


def transit_matrix(
    tt: Timetable,
    targets: ReachableOffers,
    access_mode: str,
    origins_m: Sequence[tuple[float, float]],
    start_s: int,
    day: date,
    *,
    window_minutes: int = 1,
    statistics: Sequence[str] = ("median",),
    limit_s: float = np.inf,
    rows: npt.ArrayLike | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TransitMatrix:
    """Transit door-to-door times from origins (EPSG:2154) leaving in a window on `day`.

    Parameters
    ----------
    tt
        The timetable.
    targets
        Destinations with their road tables (offers, or places wrapped alike).
    access_mode
        walk, bike or drive: to the stops, and straight to the destinations.
    origins_m
        Origins, EPSG:2154 metres.
    start_s
        First departure, seconds after midnight of `day`.
    window_minutes
        Departures every minute from `start_s` for this many minutes (≥ 1).
    statistics
        ``best``, ``median`` and / or percentiles ``pNN``.
    limit_s
        Longest trip; longer ones count as unreached.
    rows
        Destination positions in ``targets.offers`` (default all), in column order.

    Raises
    ------
    OutsideCoverageError
        An origin is outside the road network's coverage.
    """
    if window_minutes < 1:
        raise InvalidParameterError("window_minutes", f"must be >= 1, got {window_minutes}")
    ranks = {name: statistic_rank(name, window_minutes) for name in statistics}
    access_net = targets.network.mode(access_mode)
    cols = (
        np.arange(len(targets.offers), dtype=np.int64)
        if rows is None
        else np.asarray(rows, dtype=np.int64)
    )
    walk = stop_offer_walk_s(tt, targets)[:, cols]  # stops × destinations
    minutes = start_s + 60 * np.arange(window_minutes, dtype=np.int64)
    end_s = start_s + 60 * window_minutes
    out = {name: np.full((len(origins_m), len(cols)), np.inf) for name in ranks}
    searches = 0
    for i, (x, y) in enumerate(origins_m):
        with origin_errors(i):
            direct = offer_travel_times(
                targets, access_mode, float(x), float(y), limit_s=limit_s, rows=cols
            ).travel_time_s
        access = road_access_s(
            tt, access_net, float(x), float(y), limit_s=min(limit_s, float(tt.params.max_access_s))
        )
        departures = useful_departures_s(tt, access, start_s, end_s, day)
        arrive = np.empty((len(departures), len(cols)))  # absolute arrival by ride then walk
        for k, t in enumerate(departures):
            search = earliest_arrival(tt, access, t, day)
            ride = np.where(
                search.ride_arrival_s < UNREACHED, search.ride_arrival_s.astype(float), np.inf
            )
            arrive[k] = _min_over_stops(ride, walk)
        searches += len(departures)
        which = np.searchsorted(np.asarray(departures, dtype=np.int64), minutes, side="left")
        via = arrive[which] - minutes[:, None]  # minutes × destinations
        total = np.minimum(via, direct[None, :])
        total = np.where(total <= limit_s, total, np.inf)
        ordered = np.sort(total, axis=0)
        for name, rank in ranks.items():
            out[name][i] = ordered[rank]
        if progress is not None:
            progress(i + 1, len(origins_m))
    service = service_date_for(day, tt.validity)
    return TransitMatrix(travel_time_s=out, service_date=service, searches=searches)


def _min_over_stops(ride_s: FloatArray, walk_s: FloatArray) -> FloatArray:
    """Per destination: least ``ride arrival + walk`` over the stops reached by a ride."""
    reached: IntArray = np.flatnonzero(np.isfinite(ride_s))
    if len(reached) == 0 or walk_s.shape[1] == 0:
        return np.full(walk_s.shape[1], np.inf)
    return np.asarray((ride_s[reached, None] + walk_s[reached]).min(axis=0), dtype=float)
