"""The pure-Python RAPTOR: the reference the compiled kernel is tested against (tests only).

:func:`earliest_arrival_reference` gives the same arrivals, rides and itinerary labels as
:func:`geoservice.core.raptor.earliest_arrival` (the compiled kernel of
:mod:`geoservice.core.raptor_kernel` is its line-by-line translation), about 100 times slower.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np

from geoservice.core.pattern import Pattern
from geoservice.core.raptor import access_by_stop, rounds_for
from geoservice.core.raptor_result import (
    UNREACHED,
    EarliestArrival,
    Label,
    ReferenceLabels,
    RideLabel,
)
from geoservice.core.service_date import service_date_for
from geoservice.core.timetable import Timetable


def run_raptor_reference(
    tt: Timetable,
    active: tuple[list[bool], ...],
    access: Mapping[int, int],
    departure_s: int,
    max_rides: int,
) -> tuple[ReferenceLabels, list[int]]:
    n = tt.n_stops
    best = [UNREACHED] * n
    best_ride = [UNREACHED] * n
    ready = [UNREACHED] * n
    rides = [-1] * n
    best_label: list[Label | None] = [None] * n
    ready_label: list[Label | None] = [None] * n
    ride_labels: list[dict[int, RideLabel]] = [{}]
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
        rl: dict[int, RideLabel] = {}
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
            board_label: Label = (0, "access")
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
    return ReferenceLabels(best, best_ride, best_label, ride_labels, walk_labels), rides


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
    access = access_by_stop(tt, access_s)
    service = service_date_for(day, tt.validity)
    rounds = rounds_for(tt, max_rides)
    labels, rides = run_raptor_reference(
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
        labels=labels,
    )
