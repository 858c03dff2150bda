"""Travel-time field on a square grid: the lower envelope of off-network cones from seeds.

A seed is a point of the network (a node, or a sample inside a reached edge) or the origin,
with its arrival time ``t`` (s). Leaving the network there at the off-network pace
``1/k`` (s per metre), a point ``p`` is reached at ``t + |p − q|/k``. The field at a grid
vertex is the least such time over the seeds, found by a vector-propagation distance
transform (Danielsson's 8-neighbour sweeps, forward then backward): every vertex keeps the
*seed* that gives its value, and a neighbour's seed is re-evaluated exactly at the vertex.
The values are therefore always real travel times of the model (never below the truth);
the documented bound (``docs/isochrones.md``) and its tests cover how far above they may be.

Compiled with numba on first use (``cache=True``), nothing at import.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Forward + backward sweep pairs (Danielsson's transform is one pair; a second one changed
#: nothing on the networks tested, and the bound is tested against brute force).
MAX_SWEEPS = 1


@njit(cache=True)
def _pass(
    values: FloatArray,
    owner: IntArray,
    sx: FloatArray,
    sy: FloatArray,
    st: FloatArray,
    x0: float,
    y0: float,
    h: float,
    pace: float,
    rows: IntArray,
    cols: IntArray,
    dr: IntArray,
    dc: IntArray,
) -> int:
    """One raster pass: rows in the order `rows`, columns in the order `cols`, each vertex
    trying the seeds of its neighbours at offsets ``(dr, dc)``; returns the updates made."""
    ny, nx = values.shape
    updates: int = 0
    for r in rows:
        for c in cols:
            best = values[r, c]
            mine = owner[r, c]
            for k in range(len(dr)):
                rr, cc = r + dr[k], c + dc[k]
                if rr < 0 or rr >= ny or cc < 0 or cc >= nx:
                    continue
                s = owner[rr, cc]
                if s < 0 or s == mine:
                    continue
                dx = x0 + c * h - sx[s]
                dy = y0 + r * h - sy[s]
                cand = st[s] + np.sqrt(dx * dx + dy * dy) * pace
                if cand < best:
                    best = cand
                    mine = s
            if mine != owner[r, c]:
                values[r, c] = best
                owner[r, c] = mine
                updates += 1
    return updates


@njit(cache=True)
def _field(
    sx: FloatArray,
    sy: FloatArray,
    st: FloatArray,
    x0: float,
    y0: float,
    h: float,
    nx: int,
    ny: int,
    pace: float,
    max_sweeps: int,
) -> tuple[FloatArray, IntArray, int]:
    values = np.full((ny, nx), np.inf)
    owner = np.full((ny, nx), -1, dtype=np.int64)
    # Each seed starts its nearest vertex; the sweeps carry it to the others.
    for s in range(len(sx)):
        c = int(np.floor((sx[s] - x0) / h + 0.5))
        r = int(np.floor((sy[s] - y0) / h + 0.5))
        if 0 <= r < ny and 0 <= c < nx:
            dx = x0 + c * h - sx[s]
            dy = y0 + r * h - sy[s]
            cand = st[s] + np.sqrt(dx * dx + dy * dy) * pace
            if cand < values[r, c]:
                values[r, c] = cand
                owner[r, c] = s
    right, left = np.arange(nx), np.arange(nx)[::-1].copy()
    one = np.ones(1, dtype=np.int64)
    zero = np.zeros(1, dtype=np.int64)
    # Forward: from the row below (3 neighbours) and the left, then from the right;
    # backward: from the row above and the right, then from the left (Danielsson).
    fwd_dr, fwd_dc = np.array([-1, -1, -1, 0]), np.array([-1, 0, 1, -1])
    bwd_dr, bwd_dc = np.array([1, 1, 1, 0]), np.array([-1, 0, 1, 1])
    sweeps = 0
    while sweeps < max_sweeps:
        sweeps += 1
        changed = 0
        for r in range(ny):
            row = np.full(1, r)
            changed += _pass(values, owner, sx, sy, st, x0, y0, h, pace, row, right, fwd_dr, fwd_dc)
            changed += _pass(values, owner, sx, sy, st, x0, y0, h, pace, row, left, zero, one)
        for r in range(ny - 1, -1, -1):
            row = np.full(1, r)
            changed += _pass(values, owner, sx, sy, st, x0, y0, h, pace, row, left, bwd_dr, bwd_dc)
            changed += _pass(values, owner, sx, sy, st, x0, y0, h, pace, row, right, zero, -one)
        if changed == 0:
            break
    return values, owner, sweeps


@njit(cache=True)
def edge_samples(
    x0: FloatArray,
    y0: FloatArray,
    dx: FloatArray,
    dy: FloatArray,
    t0: FloatArray,
    w: FloatArray,
    budget_s: float,
    spacing_m: float,
) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    """Points inside the edges ``(x0, y0) → (x0 + dx, y0 + dy)`` entered at ``t0`` (s) and
    crossed in ``w`` (s), at most `spacing_m` apart, up to where `budget_s` is reached (that
    end point included when the edge is cut, the edge's ends otherwise excluded), with their
    times; and the slowest pace (s/m) of the edges."""
    n = len(x0)
    steps = np.empty(n, dtype=np.int64)
    frac = np.empty(n)
    total = 0
    pace_max = 0.0
    for i in range(n):
        length = np.sqrt(dx[i] * dx[i] + dy[i] * dy[i])
        f = 1.0
        if w[i] > 0:
            f = min(1.0, (budget_s - t0[i]) / w[i])
            if length > 0:
                pace_max = max(pace_max, w[i] / length)
        frac[i] = f
        steps[i] = max(int(np.ceil(f * length / spacing_m)), 1)
        total += steps[i] - 1 + (1 if f < 1.0 else 0)
    sx, sy, st = np.empty(total), np.empty(total), np.empty(total)
    k = 0
    for i in range(n):
        last = steps[i] if frac[i] < 1.0 else steps[i] - 1
        for j in range(1, last + 1):
            s = j / steps[i] * frac[i]
            sx[k] = x0[i] + s * dx[i]
            sy[k] = y0[i] + s * dy[i]
            st[k] = t0[i] + s * w[i]
            k += 1
    return sx, sy, st, pace_max


def time_field(
    seed_x_m: FloatArray,
    seed_y_m: FloatArray,
    seed_t_s: FloatArray,
    origin_m: tuple[float, float],
    cell_m: float,
    shape: tuple[int, int],
    pace_s_per_m: float,
    *,
    max_sweeps: int = MAX_SWEEPS,
) -> FloatArray:
    """Least travel time (s) at every vertex of the grid ``origin_m + (col, row) × cell_m``
    of `shape` ``(rows, columns)``, over the seeds, leaving them at `pace_s_per_m`.

    ``inf`` where no seed reaches (only with no seed at all).
    """
    values, _, _ = _field(
        np.ascontiguousarray(seed_x_m, dtype=np.float64),
        np.ascontiguousarray(seed_y_m, dtype=np.float64),
        np.ascontiguousarray(seed_t_s, dtype=np.float64),
        float(origin_m[0]),
        float(origin_m[1]),
        float(cell_m),
        int(shape[1]),
        int(shape[0]),
        float(pace_s_per_m),
        int(max_sweeps),
    )
    return values
