"""Compiled kernels of the exact band union: piece rings, the covered cells, the culling test.

:func:`geoservice.core.band_polygons.culled_union` unions the pieces of a band
(:mod:`geoservice.core.band_pieces`) with Clipper2, without the pieces lying inside grid cells
already known to be in the band. Its three steps are here, compiled with numba on first use
(``cache=True``; nothing at import):

1. :func:`flat_hull_rings`: every piece's ring, the same vertices as
   :func:`~geoservice.core.band_pieces.hull_rings` (same arithmetic, bit for bit, tested), all
   in one array;
2. :func:`piece_cover`: the cells of a square grid lying entirely inside one drawn piece
   (a convex polygon: a cell is inside iff its four corners are inside every edge's
   half-plane), from the piece of largest start radius whose start point lies in each cell;
3. :func:`culled`: the pieces lying inside covered cells — their bounding box meets only
   covered cells, or the disk that holds the piece (centre the middle of its edge part,
   radius half its length plus its larger end radius) lies at least that far from every
   uncovered cell (Euclidean distance transform of the grid).

A culled piece lies in the covered cells, and every covered cell lies in one piece, so the
union of the drawn pieces and the covered cells is the union of every piece (the same point
set as :func:`~geoservice.core.band_polygons.band_geometry`, tested).
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt
from numba import njit
from scipy.ndimage import distance_transform_edt

from geoservice.core.band_pieces import disk_template

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
#: A grid ``(xmin, ymin, h, nx, ny)``: square cells of side ``h`` (m), row-major.
Grid = tuple[float, float, float, int, int]
#: How far inside a piece's edges a covered cell must lie, metres (float rounding).
COVER_MARGIN_M = 1e-6

Templates = tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]


@functools.lru_cache(maxsize=8)
def ring_templates(quad_segs: int) -> Templates:
    """Vertex directions ``(cos, sin)``, edge normals ``(cos, sin)`` and apothems of the
    regular 4q-gons for q = 1 … `quad_segs` (row q; the same values as
    :func:`~geoservice.core.band_pieces.hull_rings` uses). Computed once per `quad_segs`
    (read-only arrays)."""
    width = 4 * quad_segs
    cos_t, sin_t = np.zeros((quad_segs + 1, width)), np.zeros((quad_segs + 1, width))
    cos_n, sin_n = np.zeros((quad_segs + 1, width)), np.zeros((quad_segs + 1, width))
    apothem = np.zeros(quad_segs + 1)
    for q in range(1, quad_segs + 1):
        n_e = 4 * q
        cos_t[q, :n_e], sin_t[q, :n_e] = disk_template(q)
        normal = np.linspace(0.0, 2 * np.pi, n_e, endpoint=False) + np.pi / n_e
        cos_n[q, :n_e], sin_n[q, :n_e] = np.cos(normal), np.sin(normal)
        apothem[q] = np.cos(np.pi / n_e)
    for array in (cos_t, sin_t, cos_n, sin_n, apothem):
        array.flags.writeable = False
    return cos_t, sin_t, cos_n, sin_n, apothem


@njit(cache=True)
def _flat_hull_rings(
    x0: FloatArray,
    y0: FloatArray,
    r0: FloatArray,
    x1: FloatArray,
    y1: FloatArray,
    r1: FloatArray,
    segs: IntArray,
    cos_t: FloatArray,
    sin_t: FloatArray,
    cos_n: FloatArray,
    sin_n: FloatArray,
    apothem: FloatArray,
) -> tuple[FloatArray, IntArray]:
    n = len(x0)
    width = cos_t.shape[1]
    coords = np.empty((n * (width + 2), 2))
    offsets = np.empty(n + 1, dtype=np.int64)
    wins = np.empty(width, dtype=np.bool_)
    k = 0
    for i in range(n):
        offsets[i] = k
        q = segs[i]
        n_e = 4 * q
        for e in range(n_e):
            s0 = x0[i] * cos_n[q, e] + y0[i] * sin_n[q, e] + r0[i] * apothem[q]
            s1 = x1[i] * cos_n[q, e] + y1[i] * sin_n[q, e] + r1[i] * apothem[q]
            wins[e] = s0 >= s1
        for j in range(n_e):
            prev = wins[j - 1] if j > 0 else wins[n_e - 1]
            nxt = wins[j]
            cx, cy, r = (x0[i], y0[i], r0[i]) if prev else (x1[i], y1[i], r1[i])
            coords[k, 0] = cx + r * cos_t[q, j]
            coords[k, 1] = cy + r * sin_t[q, j]
            k += 1
            if prev != nxt:  # the winner changes at j: a bridge to the next winner's vertex
                cx, cy, r = (x0[i], y0[i], r0[i]) if nxt else (x1[i], y1[i], r1[i])
                coords[k, 0] = cx + r * cos_t[q, j]
                coords[k, 1] = cy + r * sin_t[q, j]
                k += 1
    offsets[n] = k
    return coords[:k], offsets


def flat_hull_rings(
    ends: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray],
    segs: IntArray,
    templates: Templates,
) -> tuple[FloatArray, IntArray]:
    """Rings of the pieces with these `ends` (piece *i* drawn with ``segs[i]`` segments per
    quarter circle, ≤ the templates' `quad_segs`): all vertices (m, counter-clockwise, not
    closed) and the offsets of each piece's ring in them (``n + 1`` values)."""
    return _flat_hull_rings(*ends, np.ascontiguousarray(segs, dtype=np.int64), *templates)


@njit(cache=True)
def _mark_pieces(
    coords: FloatArray,
    offsets: IntArray,
    chosen: IntArray,
    xmin: float,
    ymin: float,
    h: float,
    nx: int,
    ny: int,
    margin_m: float,
) -> BoolArray:
    diff = np.zeros((ny, nx + 1), dtype=np.int32)
    for i in chosen:
        a, b = offsets[i], offsets[i + 1]
        y_lo, y_hi = np.inf, -np.inf
        for v in range(a, b):
            y_lo = min(y_lo, coords[v, 1])
            y_hi = max(y_hi, coords[v, 1])
        row_lo = max(int(np.ceil((y_lo - ymin) / h)), 0)
        row_hi = min(int(np.floor((y_hi - ymin) / h)) - 1, ny - 1)
        for r in range(row_lo, row_hi + 1):
            y_r = ymin + r * h
            x_lo, x_hi = -np.inf, np.inf
            for v in range(a, b):
                w = v + 1 if v + 1 < b else a
                ax, ay = coords[v, 0], coords[v, 1]
                ex, ey = coords[w, 0] - ax, coords[w, 1] - ay
                # Inside the edge: −ey·x + ex·y − (ex·ay − ey·ax) ≥ margin·|e| at 4 corners.
                need = (
                    ex * ay
                    - ey * ax
                    - ex * y_r
                    - min(0.0, -ey * h)
                    - min(0.0, ex * h)
                    + margin_m * np.sqrt(ex * ex + ey * ey)
                )
                if ey < 0.0:
                    x_lo = max(x_lo, need / -ey)
                elif ey > 0.0:
                    x_hi = min(x_hi, need / -ey)
                elif need > 0.0:
                    x_lo = np.inf
            if x_lo == np.inf or x_hi == -np.inf:
                continue
            c_lo = max(int(np.ceil((x_lo - xmin) / h)), 0)
            c_hi = min(int(np.floor((x_hi - xmin) / h)), nx - 1)
            if c_lo <= c_hi:
                diff[r, c_lo] += 1
                diff[r, c_hi + 1] -= 1
    covered = np.zeros((ny, nx), dtype=np.bool_)
    for r in range(ny):
        run = 0
        for c in range(nx):
            run += diff[r, c]
            covered[r, c] = run > 0
    return covered


def piece_cover(
    coords: FloatArray,
    offsets: IntArray,
    x0: FloatArray,
    y0: FloatArray,
    r0: FloatArray,
    grid: Grid,
) -> BoolArray:
    """Cells of `grid` lying entirely inside one drawn piece (rings `coords`, `offsets` of
    :func:`flat_hull_rings`; start points `x0`, `y0`, start radii `r0`), ``[row, column]``.

    Only the piece of largest start radius per cell of its start point is rasterised, and
    only pieces of at least one cell's start radius.
    """
    xmin, ymin, h, nx, ny = grid
    big = np.flatnonzero(r0 >= h)
    if len(big) == 0:
        return np.zeros((ny, nx), dtype=bool)
    cell = np.floor((y0[big] - ymin) / h).astype(np.int64) * (nx + 1) + np.floor(
        (x0[big] - xmin) / h
    ).astype(np.int64)
    order = np.lexsort((-r0[big], cell))
    first = np.ones(len(order), dtype=bool)
    first[1:] = cell[order][1:] != cell[order][:-1]
    chosen = big[order[first]]
    return _mark_pieces(coords, offsets, chosen, xmin, ymin, h, nx, ny, COVER_MARGIN_M)


@njit(cache=True)
def _culled(
    x0: FloatArray,
    y0: FloatArray,
    r0: FloatArray,
    x1: FloatArray,
    y1: FloatArray,
    r1: FloatArray,
    table: IntArray,
    depth: FloatArray,
    xmin: float,
    ymin: float,
    h: float,
    nx: int,
    ny: int,
) -> BoolArray:
    out = np.zeros(len(x0), dtype=np.bool_)
    half_diagonal = h * np.sqrt(0.5) * (1.0 + 1e-9)
    for i in range(len(x0)):
        c_lo = int(np.floor((min(x0[i] - r0[i], x1[i] - r1[i]) - xmin) / h))
        c_hi = int(np.floor((max(x0[i] + r0[i], x1[i] + r1[i]) - xmin) / h))
        r_lo = int(np.floor((min(y0[i] - r0[i], y1[i] - r1[i]) - ymin) / h))
        r_hi = int(np.floor((max(y0[i] + r0[i], y1[i] + r1[i]) - ymin) / h))
        if c_lo < 0 or r_lo < 0 or c_hi >= nx or r_hi >= ny:
            continue
        uncovered = (
            table[r_hi + 1, c_hi + 1]
            - table[r_lo, c_hi + 1]
            - table[r_hi + 1, c_lo]
            + table[r_lo, c_lo]
        )
        if uncovered == 0:
            out[i] = True
            continue
        mx, my = 0.5 * (x0[i] + x1[i]), 0.5 * (y0[i] + y1[i])
        radius = 0.5 * np.hypot(x1[i] - x0[i], y1[i] - y0[i]) + max(r0[i], r1[i])
        c, r = int(np.floor((mx - xmin) / h)), int(np.floor((my - ymin) / h))
        off = np.hypot(mx - (xmin + (c + 0.5) * h), my - (ymin + (r + 0.5) * h))
        # The nearest uncovered cell's centre is depth·h away: its points, depth·h − h/√2.
        out[i] = radius * (1.0 + 1e-9) + off + half_diagonal <= depth[r, c] * h
    return out


def culled(
    ends: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray],
    covered: BoolArray,
    grid: Grid,
) -> BoolArray:
    """Pieces (end disks `ends`) lying inside the `covered` cells of `grid`: by bounding box,
    or by the disk holding the piece against the distance transform of the cells (the
    module docstring)."""
    xmin, ymin, h, nx, ny = grid
    table = np.zeros((ny + 1, nx + 1), dtype=np.int64)
    table[1:, 1:] = np.cumsum(np.cumsum(~covered, axis=0), axis=1)
    padded = np.zeros((ny + 2, nx + 2), dtype=bool)  # outside the grid is uncovered
    padded[1:-1, 1:-1] = covered
    depth = np.asarray(distance_transform_edt(padded), dtype=np.float64)[1:-1, 1:-1]
    return _culled(*ends, table, np.ascontiguousarray(depth), xmin, ymin, h, nx, ny)


@njit(cache=True)
def morton_codes(x: FloatArray, y: FloatArray) -> npt.NDArray[np.uint64]:
    """Z-order (Morton) codes of the points on a 65536 × 65536 grid over their extent."""
    n = len(x)
    codes = np.zeros(n, dtype=np.uint64)
    if n == 0:
        return codes
    x_lo, x_hi, y_lo, y_hi = x.min(), x.max(), y.min(), y.max()
    sx = 65535.0 / (x_hi - x_lo) if x_hi > x_lo else 0.0
    sy = 65535.0 / (y_hi - y_lo) if y_hi > y_lo else 0.0
    for i in range(n):
        qx, qy = np.uint64((x[i] - x_lo) * sx), np.uint64((y[i] - y_lo) * sy)
        code = np.uint64(0)
        for bit in range(16):
            code |= ((qx >> np.uint64(bit)) & np.uint64(1)) << np.uint64(2 * bit)
            code |= ((qy >> np.uint64(bit)) & np.uint64(1)) << np.uint64(2 * bit + 1)
        codes[i] = code
    return codes
