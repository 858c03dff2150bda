"""Compiled RAPTOR rounds (numba) over flat numpy arrays built once per :class:`Timetable`.

The kernel is a line-by-line translation of the pure-Python reference
(:mod:`geoservice.core.raptor_reference`) and gives *identical* results, labels
included: both take the marked stops and the stops improved in a round in ascending stop
index (the order decides which of two equally early labels is kept, so it is fixed, not left to
a hash table's layout; :func:`ascending_order`); dicts keep insertion order, which the kernel
keeps in plain arrays.

Layout (:mod:`geoservice.core.timetable_flat`): the patterns, stop → (pattern, position)
pairs, footpaths and change times go to the kernel packed in one int32 array. Times go per
service day
(:func:`day_arrays`): of the ``R`` rows of *p*, only the trips running that day, their times
at ``pat_time_start[p] + r * R + i`` (``dep``, ``arr``, row-major) and
``pat_time_start[p] + i * R + r`` (``dep_col``, column-major, for the binary search of the
first catchable row), with each kept row's index among all rows for the labels.

Two shortcuts that cannot change a result: a pattern none of whose trips runs that day is not
queued (its scan would board nothing), and rows that do not run are left out rather than
skipped one by one during the search.

Nothing is compiled at import: the first call compiles (or loads the on-disk cache,
``cache=True``); :func:`geoservice.core.raptor.warm_kernel` pays that at start-up.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from numba import njit

from geoservice.core.timetable import Timetable
from geoservice.core.timetable_flat import FlatTimetable, pack_int32

UNREACHED = 10**9

#: Label kinds in the ``labels`` array: none, access walk, ride, footpath.
KIND_NONE, KIND_ACCESS, KIND_RIDE, KIND_WALK = 0, 1, 2, 3
#: Rows of the label array: best label (round, kind), then per round k, at ``2 + 8 * k``:
#: ride (pattern, row, board position, alight position, board round, board kind), walk
#: (from stop, arrival time).
LABEL_HEAD = 2
LABEL_ROWS_PER_ROUND = 8


def day_arrays(tt: Timetable, flat: FlatTimetable, day: date) -> np.ndarray:
    """The times of the trips running on service day `day`, packed for the kernel.

    Which trip instances run: same rule as :meth:`Timetable.active_rows`. Each pattern keeps
    its running rows only, in order (so "first catchable row" and "earlier row" mean the same
    as over all rows, without skipping the idle ones): per pattern the start of its rows and
    of its times, then ``dep`` and ``arr`` (row-major), ``dep_col`` (column-major) and each
    kept row's index among all the pattern's rows (what the labels record). Cached per day
    (at most 17 days kept).
    """
    cached = flat.day_cache.get(day)
    if cached is not None:
        return cached
    today = tt.services_active_on(day)
    yesterday = tt.services_active_on(day - timedelta(days=1))
    svc = tt.instance_service
    inst_active = np.where(tt.instance_day_offset == 0, today[svc], yesterday[svc])
    trips = np.array([t for p in tt.patterns for t in p.trips], dtype=np.int64)
    keep = inst_active[trips] if trips.size else np.zeros(0, dtype=bool)
    row_start = flat.pat_row_start
    lengths = np.diff(flat.pat_stop_start).astype(np.int64)
    n_rows = np.diff(row_start).astype(np.int64)
    # Rows are stored one after another (a pattern's block is its rows, row-major).
    row_length = np.repeat(lengths, n_rows)
    time_keep = np.repeat(keep, row_length)
    dep = flat.dep[time_keep]
    arr = flat.arr[time_keep]
    kept_rows = np.zeros(flat.n_patterns, dtype=np.int64)
    if keep.size:  # every pattern has at least one row: the starts increase strictly
        kept_rows = np.add.reduceat(keep.astype(np.int64), row_start[:-1])
    kept_row_start = np.concatenate([[0], np.cumsum(kept_rows)])
    kept_time_start = np.concatenate([[0], np.cumsum(kept_rows * lengths)])
    dep_col = np.empty_like(dep)
    for p in np.flatnonzero(kept_rows):
        a, b = kept_time_start[p], kept_time_start[p + 1]
        dep_col[a:b] = dep[a:b].reshape(kept_rows[p], lengths[p]).T.ravel()
    pattern_of_row = np.repeat(np.arange(flat.n_patterns), n_rows)
    row_index = np.arange(keep.size) - row_start[pattern_of_row]
    packed = pack_int32(
        [kept_row_start, kept_time_start, dep, arr, dep_col, row_index[keep.astype(bool)]]
    )
    if len(flat.day_cache) > 16:
        flat.day_cache.clear()
    flat.day_cache[day] = packed
    return packed


@njit(cache=True)
def ascending_order(seq: np.ndarray, n_seq: int, out: np.ndarray) -> int:
    """The ints ``seq[:n_seq]`` in ascending order, written to `out`; returns ``n_seq``.

    Insertion sort: the sequences are a few stops long.
    """
    for q in range(n_seq):
        key = seq[q]
        j = q
        while j > 0 and out[j - 1] > key:
            out[j] = out[j - 1]
            j -= 1
        out[j] = key
    return n_seq


@njit(cache=True)
def raptor_kernel(
    n: int,
    n_patterns: int,
    blob: np.ndarray,
    day: np.ndarray,
    acc: np.ndarray,
    departure_s: int,
    max_rides: int,
) -> tuple[np.ndarray, np.ndarray, int]:
    """RAPTOR rounds; see the module docstring and the Python reference.

    Returns ``times`` (int64, 3 × n: best arrival, best arrival by vehicle, rides), ``labels``
    (int32, rows as :data:`LABEL_HEAD` / :data:`LABEL_ROWS_PER_ROUND` say; rows of rounds
    after the last one run are garbage) and the number of rounds run.
    """
    pat_stop_start = blob[blob[0] : blob[1]]
    pat_stops = blob[blob[1] : blob[2]]
    pat_pick = blob[blob[2] : blob[3]]
    pat_drop = blob[blob[3] : blob[4]]
    sp_start = blob[blob[4] : blob[5]]
    sp_pat = blob[blob[5] : blob[6]]
    sp_pos = blob[blob[6] : blob[7]]
    fp_start = blob[blob[7] : blob[8]]
    fp_to = blob[blob[8] : blob[9]]
    fp_dur = blob[blob[9] : blob[10]]
    change = blob[blob[10] : blob[11]]
    # The day's running trips only (see day_arrays).
    pat_row_start = day[day[0] : day[1]]
    pat_time_start = day[day[1] : day[2]]
    dep = day[day[2] : day[3]]
    arr = day[day[3] : day[4]]
    dep_col = day[day[4] : day[5]]
    row_index = day[day[5] : day[6]]
    # Few allocations: they are a good part of a search's cost at this size.
    buf64 = np.empty((4, n), dtype=np.int64)
    times = buf64[:3]
    best = buf64[0]
    best_ride = buf64[1]
    rides = buf64[2]
    ready = buf64[3]
    best[:] = UNREACHED
    best_ride[:] = UNREACHED
    rides[:] = -1
    ready[:] = UNREACHED
    labels = np.empty((LABEL_HEAD + LABEL_ROWS_PER_ROUND * (max_rides + 1), n), dtype=np.int32)
    labels[0, :] = -1
    labels[1, :] = KIND_NONE
    labels[LABEL_HEAD, :] = -1  # round 0: no ride label
    labels[LABEL_HEAD + 6, :] = -1  # round 0: no walk label
    ws = np.empty(9 * n + 2 * n_patterns, dtype=np.int32)
    ready_k = ws[0:n]
    ready_kind = ws[n : 2 * n]
    ready_kind[:] = KIND_NONE
    # Insertion-ordered "sets" and "dicts": a sequence of distinct stops plus membership.
    marked_seq = ws[2 * n : 3 * n]
    order = ws[3 * n : 4 * n]
    improved_seq = ws[4 * n : 5 * n]
    walk_seq = ws[5 * n : 6 * n]
    queue = ws[6 * n : 6 * n + n_patterns]
    queue_pos = ws[6 * n + n_patterns : 6 * n + 2 * n_patterns]
    queue_pos[:] = -1
    member = ws[6 * n + 2 * n_patterns :]
    member[:] = 0
    in_marked = member[:n]
    in_improved = member[n : 2 * n]
    in_walk = member[2 * n :]

    n_marked = 0
    n_acc = acc.shape[0] // 2
    for j in range(n_acc):
        s = acc[j]
        t = departure_s + acc[n_acc + j]
        if t < best[s]:
            best[s] = t
            labels[0, s] = 0
            labels[1, s] = KIND_ACCESS
            rides[s] = 0
            ready[s] = t
            ready_k[s] = 0
            ready_kind[s] = KIND_ACCESS
            if not in_marked[s]:
                in_marked[s] = True
                marked_seq[n_marked] = s
                n_marked += 1

    n_rounds = 0
    for k in range(1, max_rides + 1):
        if n_marked == 0:
            break
        n_rounds = k
        base = LABEL_HEAD + LABEL_ROWS_PER_ROUND * k
        ride_pat = labels[base]
        walk_from = labels[base + 6]
        walk_t = labels[base + 7]
        ride_pat[:] = -1
        walk_from[:] = -1
        # Queue the patterns through the marked stops, by ascending stop (the reference's order).
        n_order = ascending_order(marked_seq, n_marked, order)
        n_queue = 0
        for q in range(n_order):
            s = order[q]
            in_marked[s] = False
            for e in range(sp_start[s], sp_start[s + 1]):
                p = sp_pat[e]
                if pat_row_start[p + 1] == pat_row_start[p]:
                    continue  # no trip of this pattern runs today: scanning it changes nothing
                pos = sp_pos[e]
                if queue_pos[p] < 0:
                    queue[n_queue] = p
                    n_queue += 1
                    queue_pos[p] = pos
                elif pos < queue_pos[p]:
                    queue_pos[p] = pos
        n_marked = 0
        # Scan the queued patterns (ready times do not change during the scan).
        n_improved = 0
        for q in range(n_queue):
            p = queue[q]
            pos0 = queue_pos[p]
            queue_pos[p] = -1
            so = pat_stop_start[p]
            n_pos = pat_stop_start[p + 1] - so
            ro = pat_row_start[p]
            n_rows = pat_row_start[p + 1] - ro
            tb = pat_time_start[p]
            row = -1
            board_pos = -1
            board_k = 0
            board_kind = KIND_ACCESS
            for i in range(pos0, n_pos):
                s = pat_stops[so + i]
                if row >= 0 and pat_drop[so + i]:
                    a = arr[tb + row * n_pos + i]
                    if a < best_ride[s]:
                        best_ride[s] = a
                        ride_pat[s] = p
                        labels[base + 1, s] = row_index[ro + row]
                        labels[base + 2, s] = board_pos
                        labels[base + 3, s] = i
                        labels[base + 4, s] = board_k
                        labels[base + 5, s] = board_kind
                        if not in_improved[s]:
                            in_improved[s] = True
                            improved_seq[n_improved] = s
                            n_improved += 1
                if pat_pick[so + i]:
                    r_s = ready[s]
                    if r_s < UNREACHED and (row < 0 or r_s < dep[tb + row * n_pos + i]):
                        col = tb + i * n_rows
                        lo = 0
                        hi = n_rows
                        while lo < hi:  # bisect_left
                            mid = (lo + hi) >> 1
                            if dep_col[col + mid] < r_s:
                                lo = mid + 1
                            else:
                                hi = mid
                        r = lo  # the first running row leaving at or after r_s
                        if r < n_rows and (row < 0 or r < row):
                            row = r
                            board_pos = i
                            if ready_kind[s] == KIND_NONE:
                                board_k = 0
                                board_kind = KIND_ACCESS
                            else:
                                board_k = ready_k[s]
                                board_kind = ready_kind[s]
        # Stops improved by a vehicle, by ascending stop; then their footpaths.
        n_order = ascending_order(improved_seq, n_improved, order)
        n_walk = 0
        for q in range(n_order):
            s = order[q]
            in_improved[s] = False
            a = best_ride[s]
            if a < best[s]:
                best[s] = a
                labels[0, s] = k
                labels[1, s] = KIND_RIDE
                rides[s] = k
            r_t = a + change[s]
            if r_t < ready[s]:
                ready[s] = r_t
                ready_k[s] = k
                ready_kind[s] = KIND_RIDE
                if not in_marked[s]:
                    in_marked[s] = True
                    marked_seq[n_marked] = s
                    n_marked += 1
            for e in range(fp_start[s], fp_start[s + 1]):
                u = fp_to[e]
                t = a + fp_dur[e]
                if in_walk[u]:
                    if t < walk_t[u]:
                        walk_from[u] = s
                        walk_t[u] = t
                elif t < UNREACHED:
                    in_walk[u] = True
                    walk_seq[n_walk] = u
                    n_walk += 1
                    walk_from[u] = s
                    walk_t[u] = t
        for q in range(n_walk):
            u = walk_seq[q]
            in_walk[u] = False
            t = walk_t[u]
            if t < best[u]:
                best[u] = t
                labels[0, u] = k
                labels[1, u] = KIND_WALK
                rides[u] = k
            if t < ready[u]:
                ready[u] = t
                ready_k[u] = k
                ready_kind[u] = KIND_WALK
                if not in_marked[u]:
                    in_marked[u] = True
                    marked_seq[n_marked] = u
                    n_marked += 1
    return times, labels, n_rounds
