"""The pieces of an isochrone band: convex hulls of two end disks along each reached edge.

Model (documented in ``docs/isochrones.md``): a traveller goes from the origin to a network
node by an access leg, then along edges at the mode's speeds, and may leave the network at any
point to go straight on at the mode's *access speed* (divided by the access detour factor).
With a budget ``B`` the area reached is the union of

- the disk around the origin of radius ``B × v_access / detour`` (going straight off-network);
- for every directed edge (u → v) whose start is reached (``t_u < B``), the piece of the edge
  covered within the budget — the whole edge, or the part up to the point reached at ``B``
  (linear interpolation along the edge) — each point ``p(s)`` of it buffered by the radius
  ``r(s) = (B − t(s)) × v_access / detour`` still coverable off-network.

Since ``t(s)`` grows linearly along the edge, the union of the disks ``D(p(s), r(s))`` over the
piece is exactly the convex hull of the two end disks (a point in the hull is a convex
combination ``λa + (1−λ)b`` of points of the end disks, at distance ≤ ``λr₀ + (1−λ)r₁ = r(s)``
of ``p(s)``). So each piece is one convex polygon: the hull of its two end disks, drawn as
the exact hull of the two regular polygons inscribed in the circles (each with as few vertices
as keep it within the drawing gap of the band's largest disk, :func:`drawing_gap_m`).
The union of the pieces is :mod:`geoservice.core.band_polygons`'s. Geometry is EPSG:2154.
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import shapely
from numba import njit

from geoservice.core.network import ModeNetwork, Reach

#: Segments per quarter circle of the disks (inscribed polygons: radius error 1 − cos(π/4q)).
DEFAULT_QUAD_SEGS = 3
#: Smallest disk radius drawn, metres (keeps zero-margin pieces as thin polygons).
MIN_RADIUS_M = 1.0

#: End disks ``(x0, y0, r0, x1, y1, r1)`` of pieces, metres.
Ends = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def disk_template(quad_segs: int) -> tuple[np.ndarray, np.ndarray]:
    angles = np.linspace(0.0, 2 * np.pi, 4 * quad_segs, endpoint=False)
    return np.cos(angles), np.sin(angles)


def hull_rings(
    x0: np.ndarray,
    y0: np.ndarray,
    r0: np.ndarray,
    x1: np.ndarray,
    y1: np.ndarray,
    r1: np.ndarray,
    quad_segs: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Convex hulls of the disk pairs D(p0, r0), D(p1, r1), as hulls of inscribed polygons.

    Both disks are drawn as regular 4q-gons P0, P1 with the same vertex directions d_j
    (vertex j of P = c + r·d_j) and the same edge normals n_e (between vertices e and e+1).
    The hull of two homothetic convex polygons has only edges parallel to theirs plus two
    bridges: along edge normal n_e the hull's support is that of the polygon with the larger
    c·n_e + r·cos(π/4q). Vertex j of a polygon is a hull vertex iff that polygon wins at one
    of its two adjacent edges; where the winner changes at j, the hull goes from the previous
    winner's vertex j to the next winner's vertex j (a bridge). The result is exactly
    ``conv(P0 ∪ P1)``, so it contains both inscribed polygons, and it is inscribed in the
    true hull of the two disks (its vertices lie on the circles).

    Returns
    -------
    coords, counts
        The rings' vertices (m, counter-clockwise, not closed), piece after piece, and the
        number of vertices of each piece.
    """
    n_e = 4 * quad_segs
    cos_t, sin_t = disk_template(quad_segs)
    normal = np.linspace(0.0, 2 * np.pi, n_e, endpoint=False) + np.pi / n_e
    cos_n, sin_n = np.cos(normal), np.sin(normal)
    apothem = np.cos(np.pi / n_e)
    s0 = x0[:, None] * cos_n + y0[:, None] * sin_n + r0[:, None] * apothem
    s1 = x1[:, None] * cos_n + y1[:, None] * sin_n + r1[:, None] * apothem
    first_wins_next = s0 >= s1  # edge j (after vertex j)
    first_wins_prev = np.roll(first_wins_next, 1, axis=1)  # edge j - 1 (before vertex j)
    ax, ay = x0[:, None] + r0[:, None] * cos_t, y0[:, None] + r0[:, None] * sin_t
    bx, by = x1[:, None] + r1[:, None] * cos_t, y1[:, None] + r1[:, None] * sin_t
    # Slot 0: the previous edge's winner's vertex j; slot 1: the next winner's, if it changes.
    vx = np.stack([np.where(first_wins_prev, ax, bx), np.where(first_wins_next, ax, bx)], axis=2)
    vy = np.stack([np.where(first_wins_prev, ay, by), np.where(first_wins_next, ay, by)], axis=2)
    keep = np.stack([np.ones_like(first_wins_next), first_wins_prev != first_wins_next], axis=2)
    counts = keep.reshape(len(x0), -1).sum(axis=1)
    coords = np.stack([vx[keep], vy[keep]], axis=1)
    return coords, counts


def segments_for(r0: np.ndarray, r1: np.ndarray, quad_segs: int, gap_m: float) -> np.ndarray:
    """Segments per quarter circle for each piece: the fewest (1 … `quad_segs`) that keep
    both its inscribed polygons within `gap_m` of their circles, ``r·(1 − cos(π/4q)) ≤ gap``
    (compiled: one pass over the pieces)."""
    return _segments(
        np.asarray(r0, dtype=np.float64),
        np.asarray(r1, dtype=np.float64),
        quad_segs,
        _sag_factors(quad_segs),
        float(gap_m),
    )


@cache
def _sag_factors(quad_segs: int) -> np.ndarray:
    """``1 − cos(π/4q)`` for q = 0 … `quad_segs` (0 unused): how far inside its circle a
    polygon of q segments per quarter circle lies, per metre of radius."""
    factors = np.zeros(quad_segs + 1)
    for q in range(1, quad_segs + 1):
        factors[q] = 1.0 - np.cos(np.pi / (4 * q))
    return factors


@njit(cache=True)
def _segments(
    r0: np.ndarray, r1: np.ndarray, quad_segs: int, sag: np.ndarray, gap_m: float
) -> np.ndarray:
    q = np.full(len(r0), quad_segs, dtype=np.int64)
    for i in range(len(r0)):
        radius = max(r0[i], r1[i])
        for fewer in range(quad_segs - 1, 0, -1):
            if radius * sag[fewer] <= gap_m:
                q[i] = fewer
    return q


def drawing_gap_m(ends: Ends, quad_segs: int) -> float:
    """How far inside its circle the band's largest disk is drawn (m): ``R·(1 − cos(π/4q))``.

    The largest disk is the origin's, of radius ``budget × k``; every piece is drawn within
    this gap of its model (:func:`piece_rings`), the bound docs/isochrones.md states.
    """
    radius = float(np.max(np.maximum(ends[2], ends[5]), initial=0.0))
    return radius * (1.0 - float(np.cos(np.pi / (4 * quad_segs))))


def piece_rings(ends: Ends, segs: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Rings of the pieces with these `ends`, piece *i* drawn with ``segs[i]`` segments per
    quarter circle (see :func:`segments_for`).

    Returns the rings (m, counter-clockwise, not closed) and the index of the piece each
    ring draws.
    """
    x0, y0, r0, x1, y1, r1 = ends
    rings: list[np.ndarray] = []
    index: list[np.ndarray] = []
    for q in np.unique(segs):
        m = np.flatnonzero(segs == q)
        coords, counts = hull_rings(x0[m], y0[m], r0[m], x1[m], y1[m], r1[m], int(q))
        bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()
        rings += [coords[a:b] for a, b in itertools.pairwise(bounds)]
        index.append(m)
    return rings, np.concatenate(index) if index else np.zeros(0, dtype=np.int64)


def band_segments(ends: Ends, quad_segs: int) -> np.ndarray:
    """Segments per quarter circle of each piece of a band: as few as keep every piece
    within the drawing gap of the band's largest disk (:func:`drawing_gap_m`)."""
    return segments_for(ends[2], ends[5], quad_segs, drawing_gap_m(ends, quad_segs))


def drawn_pieces(ends: Ends, quad_segs: int) -> np.ndarray:
    """The pieces of a band as drawn (:func:`band_segments`), shapely polygons."""
    rings, index = piece_rings(ends, band_segments(ends, quad_segs))
    polygons = np.empty(len(rings), dtype=object)
    if rings:
        lengths = [len(r) for r in rings]
        closed = shapely.linearrings(
            np.concatenate(rings), indices=np.repeat(np.arange(len(rings)), lengths)
        )
        polygons[index] = shapely.polygons(closed)
    return polygons


class BandPieces:
    """The live directed edges of a reach, with what each band needs."""

    def __init__(self, net: ModeNetwork, reach: Reach, max_budget_s: float) -> None:
        router = net.router
        times = reach.times_s
        t_u = times[router.edge_u]
        # A piece u → v lies inside the piece v → u when u was reached from v over this very
        # edge (its disks are dominated at every budget): skip it. `reverse_weight` is inf
        # when there is no reverse edge.
        dominated = t_u >= times[router.edge_v] + net.reverse_weight - 1e-9
        live = (t_u < max_budget_s) & ~dominated
        self.t_u = t_u[live]
        self.w = router.edge_weight[live]
        u, v = router.edge_u[live], router.edge_v[live]
        self.x0, self.y0 = net.x_m[u], net.y_m[u]
        self.dx, self.dy = net.x_m[v] - self.x0, net.y_m[v] - self.y0
        self.k = net.access_speed_mps / net.access_detour_factor  # m off-network per s left

    def overlap(self, budget_s: float) -> float:
        """How deeply the pieces of the band at `budget_s` overlap: the sum over its pieces of
        ``(remaining time / budget)²`` — their start disks' area over the origin disk's
        (dimensionless; about how many pieces cover a point of the band). The exact union's
        cost grows with it (walking networks, where the off-network pace is close to the
        network's, reach thousands)."""
        rem = budget_s - self.t_u[self.t_u < budget_s]
        return float(np.sum((rem / budget_s) ** 2))


def band_ends(pieces: BandPieces, reach: Reach, budget_s: float) -> Ends:
    """End disks ``(x0, y0, r0, x1, y1, r1)`` (m) of every piece of the band at `budget_s`:
    the origin's disk first (a piece with both ends at the origin), then the edges'.

    A piece is the whole edge, or the part reached at `budget_s` (cut by linear
    interpolation); radii are the off-network distances still coverable at its ends, at
    least :data:`MIN_RADIUS_M` (compiled: one pass over the live edges)."""
    ox, oy = reach.origin_m
    radius = max(budget_s * pieces.k, MIN_RADIUS_M)
    return _band_ends(
        pieces.t_u,
        pieces.w,
        pieces.x0,
        pieces.y0,
        pieces.dx,
        pieces.dy,
        float(pieces.k),
        float(budget_s),
        float(ox),
        float(oy),
        float(radius),
    )


@njit(cache=True)
def _band_ends(
    t_u: np.ndarray,
    w: np.ndarray,
    x0: np.ndarray,
    y0: np.ndarray,
    dx: np.ndarray,
    dy: np.ndarray,
    k: float,
    budget_s: float,
    ox: float,
    oy: float,
    origin_r: float,
) -> Ends:
    n = 1
    for i in range(len(t_u)):
        if t_u[i] < budget_s:
            n += 1
    ax, ay, ar = np.empty(n), np.empty(n), np.empty(n)
    bx, by, br = np.empty(n), np.empty(n), np.empty(n)
    ax[0], ay[0], ar[0], bx[0], by[0], br[0] = ox, oy, origin_r, ox, oy, origin_r
    j = 1
    for i in range(len(t_u)):
        if t_u[i] < budget_s:
            rem = budget_s - t_u[i]
            frac = min(1.0, rem / w[i]) if w[i] > 0 else 1.0
            ax[j], ay[j] = x0[i], y0[i]
            bx[j], by[j] = x0[i] + frac * dx[i], y0[i] + frac * dy[i]
            ar[j] = max(rem * k, MIN_RADIUS_M)
            br[j] = max((rem - frac * w[i]) * k, MIN_RADIUS_M)
            j += 1
    return ax, ay, ar, bx, by, br
