"""The timetable as flat numpy arrays: the input of the compiled RAPTOR kernel.

Layout (:class:`FlatTimetable`): pattern *p* has ``L`` stops; its stops, pickup and drop-off
flags are at ``pat_stop_start[p] + i``. Stop → (pattern, position) pairs and footpaths are
CSR arrays in the order of ``Timetable.stop_patterns`` and ``Timetable.footpaths``. These go
to the kernel packed in one int32 array (:func:`pack_int32`). Built once per timetable
(``Timetable.flat``); the per-day arrays of :mod:`geoservice.core.raptor_kernel` are kept
with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from geoservice.core.pattern import Pattern
from geoservice.core.service_date import ServiceDate


@dataclass(frozen=True)
class FlatTimetable:
    """The arrays the kernel reads (int32 unless said), built once per timetable."""

    n_stops: int
    n_patterns: int
    pat_stop_start: np.ndarray
    pat_stops: np.ndarray
    pat_pick: np.ndarray  # uint8
    pat_drop: np.ndarray  # uint8
    pat_row_start: np.ndarray
    pat_time_start: np.ndarray  # int64
    dep: np.ndarray
    arr: np.ndarray
    dep_col: np.ndarray
    sp_start: np.ndarray
    sp_pat: np.ndarray
    sp_pos: np.ndarray
    fp_start: np.ndarray
    fp_to: np.ndarray
    fp_dur: np.ndarray
    change_s: np.ndarray
    #: The arguments of :func:`raptor_kernel` that do not change between searches: the sizes,
    #: and the arrays of :data:`_SECTIONS` packed into one int32 array (fewer arguments to
    #: dispatch, one block of memory). Times go to the kernel per day (:func:`day_arrays`).
    kernel_args: tuple[Any, ...] = field(init=False, repr=False, compare=False)
    #: Per service day: the packed arrays of :func:`day_arrays`.
    day_cache: dict[date, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    #: Per requested date: its service date and that day's packed arrays (the searches'
    #: memo: at a few µs a search, the lookups count).
    requested_days: dict[date, tuple[ServiceDate, np.ndarray]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        blob = pack_int32([getattr(self, name) for name in _SECTIONS])
        object.__setattr__(self, "kernel_args", (self.n_stops, self.n_patterns, blob))


def pack_int32(parts: list[np.ndarray]) -> np.ndarray:
    """One int32 array: the start of each part (and the end of the last), then the parts."""
    values = [np.asarray(a, dtype=np.int64) for a in parts]
    starts = np.cumsum([len(values) + 1] + [len(a) for a in values])
    packed = np.concatenate([starts, *values])
    if packed.size and (packed.max() >= 2**31 or packed.min() < -(2**31)):
        raise OverflowError("timetable too large for the int32 kernel arrays")
    return packed.astype(np.int32)


#: Arrays of :class:`FlatTimetable` packed for :func:`raptor_kernel`, in this order.
_SECTIONS = (
    "pat_stop_start",
    "pat_stops",
    "pat_pick",
    "pat_drop",
    "sp_start",
    "sp_pat",
    "sp_pos",
    "fp_start",
    "fp_to",
    "fp_dur",
    "change_s",
)


def flat_timetable(
    patterns: Sequence[Pattern],
    stop_patterns: Sequence[Sequence[tuple[int, int]]],
    footpaths: Sequence[Sequence[tuple[int, int]]],
    change_s: Sequence[int],
) -> FlatTimetable:
    """The flat arrays of a timetable's patterns, stop → patterns, footpaths and change times.

    Per stop, `stop_patterns`, `footpaths` and `change_s` are as in
    :class:`~geoservice.core.timetable.Timetable` (use ``Timetable.flat``, which keeps them).
    """
    pats = patterns
    n_pat = len(pats)
    lengths = np.array([len(p.stops) for p in pats], dtype=np.int64)
    rows = np.array([len(p.trips) for p in pats], dtype=np.int64)
    pat_stop_start = np.zeros(n_pat + 1, dtype=np.int32)
    pat_stop_start[1:] = np.cumsum(lengths)
    pat_row_start = np.zeros(n_pat + 1, dtype=np.int32)
    pat_row_start[1:] = np.cumsum(rows)
    pat_time_start = np.zeros(n_pat + 1, dtype=np.int64)
    pat_time_start[1:] = np.cumsum(lengths * rows)
    n_times = int(pat_time_start[-1])
    dep = np.empty(n_times, dtype=np.int32)
    arr = np.empty(n_times, dtype=np.int32)
    dep_col = np.empty(n_times, dtype=np.int32)
    for p_idx, p in enumerate(pats):
        base, n = int(pat_time_start[p_idx]), len(p.stops) * len(p.trips)
        d = np.asarray(p.dep_rows, dtype=np.int64).reshape(len(p.trips), len(p.stops))
        a = np.asarray(p.arr_rows, dtype=np.int64).reshape(len(p.trips), len(p.stops))
        dep[base : base + n] = d.ravel()
        arr[base : base + n] = a.ravel()
        dep_col[base : base + n] = np.asarray(p.dep_cols, dtype=np.int64).ravel()
    sp = [pair for pairs in stop_patterns for pair in pairs]
    fp = [pair for pairs in footpaths for pair in pairs]
    n = len(stop_patterns)
    flat = FlatTimetable(
        n_stops=n,
        n_patterns=n_pat,
        pat_stop_start=pat_stop_start,
        pat_stops=np.array([s for p in pats for s in p.stops], dtype=np.int32),
        pat_pick=np.array([b for p in pats for b in p.pickup], dtype=np.uint8),
        pat_drop=np.array([b for p in pats for b in p.dropoff], dtype=np.uint8),
        pat_row_start=pat_row_start,
        pat_time_start=pat_time_start,
        dep=dep,
        arr=arr,
        dep_col=dep_col,
        sp_start=_offsets([len(x) for x in stop_patterns]),
        sp_pat=np.array([p for p, _ in sp], dtype=np.int32),
        sp_pos=np.array([pos for _, pos in sp], dtype=np.int32),
        fp_start=_offsets([len(x) for x in footpaths]),
        fp_to=np.array([u for u, _ in fp], dtype=np.int32),
        fp_dur=np.array([d for _, d in fp], dtype=np.int32),
        change_s=np.asarray(change_s, dtype=np.int32),
    )
    return flat


def _offsets(counts: list[int]) -> np.ndarray:
    out = np.zeros(len(counts) + 1, dtype=np.int32)
    out[1:] = np.cumsum(counts)
    return out
