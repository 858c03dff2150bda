"""Area of a polygon inside fixed small polygons (triangulated once), compiled.

Used for the census cells on the territory's border that a band's outline also crosses: the
part of such a cell inside the territory is fixed, so it is cut once into triangles
(:func:`triangles_of`, GEOS constrained Delaunay). The area of a band inside it is then the
sum over its triangles of the band's area inside each triangle, each found by clipping the
band's rings (Sutherland–Hodgman: first to the cell, then to the triangle — the clipped
rings may be degenerate along the clip's edges, but their signed areas sum to the area inside
a convex clip exactly, holes clockwise subtracting) — no geometry-library call per band.
Compiled with numba on first use (``cache=True``); nothing at import.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely
from numba import njit

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def triangles_of(parts: npt.NDArray[np.object_]) -> tuple[FloatArray, IntArray]:
    """Counter-clockwise triangles tiling each polygon of `parts`: their vertices, shape
    ``(T, 3, 2)``, and each part's range of triangles (``len(parts) + 1`` offsets)."""
    collections = shapely.constrained_delaunay_triangles(parts)
    triangles, part_of = shapely.get_parts(collections, return_index=True)
    coords = shapely.get_coordinates(shapely.get_exterior_ring(triangles)).reshape(-1, 4, 2)
    tri = np.ascontiguousarray(coords[:, :3, :])
    (ax, ay), (bx, by), (cx, cy) = tri[:, 0].T, tri[:, 1].T, tri[:, 2].T
    clockwise = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax) < 0
    tri[clockwise] = tri[clockwise][:, ::-1]
    offsets = np.zeros(len(parts) + 1, dtype=np.int64)
    np.add.at(offsets, part_of + 1, 1)
    return tri, np.cumsum(offsets)


@njit(cache=True)
def _clip(
    px: FloatArray, py: FloatArray, cx: FloatArray, cy: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Sutherland–Hodgman: the open ring (px, py) clipped to the convex counter-clockwise
    polygon (cx, cy)."""
    for e in range(len(cx)):
        n = len(px)
        if n == 0:
            break
        ax, ay = cx[e], cy[e]
        bx, by = cx[(e + 1) % len(cx)], cy[(e + 1) % len(cx)]
        ex, ey = bx - ax, by - ay
        ox, oy = np.empty(2 * n), np.empty(2 * n)
        k = 0
        sx, sy = px[n - 1], py[n - 1]
        s_side = ex * (sy - ay) - ey * (sx - ax)
        for i in range(n):
            qx, qy = px[i], py[i]
            q_side = ex * (qy - ay) - ey * (qx - ax)
            if (q_side >= 0) != (s_side >= 0):
                t = s_side / (s_side - q_side)
                ox[k], oy[k] = sx + t * (qx - sx), sy + t * (qy - sy)
                k += 1
            if q_side >= 0:
                ox[k], oy[k] = qx, qy
                k += 1
            sx, sy, s_side = qx, qy, q_side
        px, py = ox[:k], oy[:k]
    return px, py


@njit(cache=True)
def _signed_area(px: FloatArray, py: FloatArray) -> float:
    n = len(px)
    total = 0.0
    for i in range(n):
        j = i + 1 if i + 1 < n else 0
        total += px[i] * py[j] - px[j] * py[i]
    return 0.5 * total


@njit(cache=True)
def areas_in_parts(
    x: FloatArray,
    y: FloatArray,
    ring_offsets: IntArray,
    boxes: FloatArray,
    triangles: FloatArray,
    tri_lo: IntArray,
    tri_hi: IntArray,
) -> FloatArray:
    """Area of the polygon with these closed, oriented rings (exteriors counter-clockwise,
    holes clockwise) inside each part ``j``: the triangles ``tri_lo[j] … tri_hi[j]`` of
    `triangles`, lying in the box ``boxes[j] = (xmin, ymin, xmax, ymax)``."""
    out = np.zeros(len(boxes))
    for j in range(len(boxes)):
        x0, y0, x1, y1 = boxes[j, 0], boxes[j, 1], boxes[j, 2], boxes[j, 3]
        rect_x = np.array([x0, x1, x1, x0])
        rect_y = np.array([y0, y0, y1, y1])
        for r in range(len(ring_offsets) - 1):
            a, b = ring_offsets[r], ring_offsets[r + 1] - 1  # closed: last = first
            if b - a < 3:
                continue
            rx, ry = x[a:b], y[a:b]
            if rx.max() <= x0 or rx.min() >= x1 or ry.max() <= y0 or ry.min() >= y1:
                continue
            cx, cy = _clip(rx, ry, rect_x, rect_y)
            if len(cx) < 3:
                continue
            for t in range(tri_lo[j], tri_hi[j]):
                tx, ty = _clip(cx, cy, triangles[t, :, 0].copy(), triangles[t, :, 1].copy())
                if len(tx) >= 3:
                    out[j] += _signed_area(tx, ty)
    return out
