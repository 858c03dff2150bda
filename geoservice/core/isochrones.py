"""Isochrone polygons built from the reachable network (not a hull of reached nodes).

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
as keep it within the drawing gap of the band's largest disk, :func:`_drawing_gap_m`). A band
is the union of its pieces (holes kept: areas no piece covers); :func:`band_geometries`
computes it with Clipper2 without drawing the pieces that lie inside grid cells already known
to be in the band (:func:`_culled_union`), the same point set as the GEOS union of every piece
in :func:`band_geometry`.
Geometry is computed in EPSG:2154 (metres) and returned in that CRS; the web layer converts
to EPSG:4326.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from manifold3d import CrossSection, FillRule, OpType

from geoservice.core.deadline import Deadline
from geoservice.core.network import ModeNetwork, Reach, RoadNetwork
from geoservice.core.population import PopulationCounter, count_population
from geoservice.core.snapping import METRIC_CRS, geometry_to_wgs84, lambert93_from_wgs84
from geoservice.errors import DataError, InvalidParameterError, MissingColumnError

#: Segments per quarter circle of the disks (inscribed polygons: radius error 1 − cos(π/4q)).
DEFAULT_QUAD_SEGS = 3
#: Grid cells across a band's extent for the culling polygon of :func:`_culled_union`.
DEFAULT_CELLS = 64
#: Fewer pieces than this are unioned directly (culling would not pay).
MIN_PIECES_TO_CULL = 64
#: Rings unioned in one Clipper2 sweep, then outlines merged by this many at a time.
UNION_LEAF = 12
UNION_FAN = 8
#: Smallest disk radius drawn, metres (keeps zero-margin pieces as thin polygons).
MIN_RADIUS_M = 1.0


@dataclass(frozen=True)
class IsochroneBand:
    """One band of an isochrone.

    Attributes
    ----------
    value_s
        The time budget, seconds.
    geometry
        The area reached within the budget, EPSG:2154 (Polygon or MultiPolygon, maybe empty).
    """

    value_s: float
    geometry: shapely.Geometry

    @property
    def area_km2(self) -> float:
        """Area of the band, km²."""
        return float(shapely.area(self.geometry)) / 1e6


def _disk_template(quad_segs: int) -> tuple[np.ndarray, np.ndarray]:
    angles = np.linspace(0.0, 2 * np.pi, 4 * quad_segs, endpoint=False)
    return np.cos(angles), np.sin(angles)


def _hull_rings(
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
    cos_t, sin_t = _disk_template(quad_segs)
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


def _segments_for(r0: np.ndarray, r1: np.ndarray, quad_segs: int, gap_m: float) -> np.ndarray:
    """Segments per quarter circle for each piece: the fewest (1 … `quad_segs`) that keep
    both its inscribed polygons within `gap_m` of their circles, ``r·(1 − cos(π/4q)) ≤ gap``."""
    radius = np.maximum(r0, r1)
    q = np.full(len(radius), quad_segs, dtype=np.int64)
    for fewer in range(quad_segs - 1, 0, -1):
        q[radius * (1.0 - np.cos(np.pi / (4 * fewer))) <= gap_m] = fewer
    return q


def _drawing_gap_m(ends: Ends, quad_segs: int) -> float:
    """How far inside its circle the band's largest disk is drawn (m): ``R·(1 − cos(π/4q))``.

    The largest disk is the origin's, of radius ``budget × k``; every piece is drawn within
    this gap of its model (:func:`_piece_rings`), the bound docs/isochrones.md states.
    """
    radius = float(np.max(np.maximum(ends[2], ends[5]), initial=0.0))
    return radius * (1.0 - float(np.cos(np.pi / (4 * quad_segs))))


def _piece_rings(ends: Ends, segs: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Rings of the pieces with these `ends`, piece *i* drawn with ``segs[i]`` segments per
    quarter circle (see :func:`_segments_for`).

    Returns the rings (m, counter-clockwise, not closed) and the index of the piece each
    ring draws.
    """
    x0, y0, r0, x1, y1, r1 = ends
    rings: list[np.ndarray] = []
    index: list[np.ndarray] = []
    for q in np.unique(segs):
        m = np.flatnonzero(segs == q)
        coords, counts = _hull_rings(x0[m], y0[m], r0[m], x1[m], y1[m], r1[m], int(q))
        bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()
        rings += [coords[a:b] for a, b in itertools.pairwise(bounds)]
        index.append(m)
    return rings, np.concatenate(index) if index else np.zeros(0, dtype=np.int64)


def _band_segments(ends: Ends, quad_segs: int) -> np.ndarray:
    """Segments per quarter circle of each piece of a band: as few as keep every piece
    within the drawing gap of the band's largest disk (:func:`_drawing_gap_m`)."""
    return _segments_for(ends[2], ends[5], quad_segs, _drawing_gap_m(ends, quad_segs))


def _drawn_pieces(ends: Ends, quad_segs: int) -> np.ndarray:
    """The pieces of a band as drawn (:func:`_band_segments`), shapely polygons."""
    rings, index = _piece_rings(ends, _band_segments(ends, quad_segs))
    polygons = np.empty(len(rings), dtype=object)
    if rings:
        lengths = [len(r) for r in rings]
        closed = shapely.linearrings(
            np.concatenate(rings), indices=np.repeat(np.arange(len(rings)), lengths)
        )
        polygons[index] = shapely.polygons(closed)
    return polygons


class _Pieces:
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

    def ends(
        self, mask: np.ndarray, budget_s: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """End disks ``(x0, y0, r0, x1, y1, r1)`` (m) of the pieces in `mask` at `budget_s`.

        A piece is the whole edge, or the part reached at `budget_s` (cut by linear
        interpolation); radii are the off-network distances still coverable at its ends,
        at least :data:`MIN_RADIUS_M`.
        """
        rem = budget_s - self.t_u[mask]
        w = self.w[mask]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(w > 0, np.minimum(1.0, rem / np.where(w > 0, w, 1.0)), 1.0)
        x0, y0 = self.x0[mask], self.y0[mask]
        x1, y1 = x0 + frac * self.dx[mask], y0 + frac * self.dy[mask]
        r0 = np.maximum(rem * self.k, MIN_RADIUS_M)
        r1 = np.maximum((rem - frac * w) * self.k, MIN_RADIUS_M)
        return x0, y0, r0, x1, y1, r1


Ends = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
#: A grid ``(xmin, ymin, h, nx, ny)``: square cells of side ``h`` (m), row-major.
Grid = tuple[float, float, float, int, int]


def _band_ends(pieces: _Pieces, reach: Reach, budget_s: float) -> Ends:
    """End disks ``(x0, y0, r0, x1, y1, r1)`` (m) of every piece of the band at `budget_s`:
    the origin's disk first (a piece with both ends at the origin), then the edges'."""
    x0, y0, r0, x1, y1, r1 = pieces.ends(pieces.t_u < budget_s, budget_s)
    ox, oy = reach.origin_m
    radius = max(budget_s * pieces.k, MIN_RADIUS_M)
    return (
        np.concatenate([[ox], x0]),
        np.concatenate([[oy], y0]),
        np.concatenate([[radius], r0]),
        np.concatenate([[ox], x1]),
        np.concatenate([[oy], y1]),
        np.concatenate([[radius], r1]),
    )


def _covered_cells(
    cx: np.ndarray,
    cy: np.ndarray,
    r: np.ndarray,
    quad_segs: int,
    grid: tuple[float, float, float, int, int],
) -> np.ndarray:
    """Cells of `grid` lying entirely inside at least one drawn disk (regular 4q-gon).

    `grid` is ``(xmin, ymin, h, nx, ny)``: square cells of side `h` (m), row-major
    ``[row, column]``. A cell square lies in the half-plane ``n·(x − c) ≤ r·cos(π/4q)`` of an
    edge of the polygon iff its centre lies in it shrunk by ``h/2·(|n_x| + |n_y|)``; the
    cells of each row whose centres meet every edge's condition form one run, marked with a
    difference array (vectorised over every disk and row).
    """
    xmin, ymin, h, nx, ny = grid
    n_e = 4 * quad_segs
    normal = np.linspace(0.0, 2 * np.pi, n_e, endpoint=False) + np.pi / n_e
    cos_n, sin_n = np.cos(normal), np.sin(normal)
    apothem = np.cos(np.pi / n_e)
    shrink = 0.5 * h * (np.abs(cos_n) + np.abs(sin_n))
    row_lo = np.maximum(np.ceil((cy - r * apothem - ymin) / h - 0.5).astype(np.int64), 0)
    row_hi = np.minimum(np.floor((cy + r * apothem - ymin) / h - 0.5).astype(np.int64), ny - 1)
    counts = np.maximum(row_hi - row_lo + 1, 0)
    disk = np.repeat(np.arange(len(cx)), counts)
    first = np.cumsum(counts) - counts
    rows = row_lo[disk] + (np.arange(int(counts.sum())) - first[disk])
    dy = ymin + (rows + 0.5) * h - cy[disk]
    bound = (r[disk] * apothem)[:, None] - shrink[None, :] - dy[:, None] * sin_n[None, :]
    right = cos_n > 0  # no normal is vertical: (e + 1/2)·2π/4q is never ±π/2
    dx_hi = np.min(bound[:, right] / cos_n[right], axis=1)
    dx_lo = np.max(bound[:, ~right] / cos_n[~right], axis=1)
    col_lo = np.maximum(np.ceil((cx[disk] + dx_lo - xmin) / h - 0.5 + 1e-9).astype(np.int64), 0)
    col_hi = np.minimum(
        np.floor((cx[disk] + dx_hi - xmin) / h - 0.5 - 1e-9).astype(np.int64), nx - 1
    )
    run = col_lo <= col_hi
    starts = np.bincount(rows[run] * (nx + 1) + col_lo[run], minlength=ny * (nx + 1))
    ends = np.bincount(rows[run] * (nx + 1) + col_hi[run] + 1, minlength=ny * (nx + 1))
    diff = (starts - ends).reshape(ny, nx + 1)
    return np.cumsum(diff, axis=1)[:, :nx] > 0


def _cover(
    x0: np.ndarray, y0: np.ndarray, r0: np.ndarray, quad_segs: int | np.ndarray, cells: int
) -> tuple[np.ndarray, Grid] | None:
    """Cells of a grid (`cells` across the pieces' extent) lying entirely inside one drawn
    start disk ``P(x0, y0, r0)`` of a piece (each piece contains its start disk), and the
    grid ``(xmin, ymin, h, nx, ny)``; None when no cell is covered.

    `quad_segs` is the segments per quarter circle the disks are drawn with (one for all, or
    one per disk). Only the largest start disk per cell is rasterised, and only disks of at
    least two cells' radius.
    """
    xmin, xmax = float(np.min(x0 - r0)), float(np.max(x0 + r0))
    ymin, ymax = float(np.min(y0 - r0)), float(np.max(y0 + r0))
    h = max(xmax - xmin, ymax - ymin, 1.0) / cells
    nx, ny = int(np.ceil((xmax - xmin) / h)), int(np.ceil((ymax - ymin) / h))
    big = np.flatnonzero(r0 >= 2 * h)
    if len(big) == 0:
        return None
    cell = np.floor((x0[big] - xmin) / h).astype(np.int64) * (ny + 1) + np.floor(
        (y0[big] - ymin) / h
    ).astype(np.int64)
    order = np.lexsort((-r0[big], cell))
    first = np.ones(len(order), dtype=bool)
    first[1:] = cell[order][1:] != cell[order][:-1]
    chosen = big[order[first]]
    grid = (xmin, ymin, h, nx, ny)
    segs = np.broadcast_to(np.asarray(quad_segs, dtype=np.int64), r0.shape)[chosen]
    covered = np.zeros((ny, nx), dtype=bool)
    for q in np.unique(segs):
        m = chosen[segs == q]
        covered |= _covered_cells(x0[m], y0[m], r0[m], int(q), grid)
    if not covered.any():
        return None
    return covered, grid


def _covered_boxes(
    covered: np.ndarray, grid: Grid
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The covered cells as disjoint boxes ``(x_lo, y_lo, x_hi, y_hi)`` (m): runs of covered
    cells along each row, runs with the same columns in consecutive rows merged."""
    xmin, ymin, h, nx, ny = grid
    padded = np.zeros((ny, nx + 2), dtype=np.int8)
    padded[:, 1:-1] = covered
    step = np.diff(padded, axis=1)
    rows, col_start = np.nonzero(step == 1)
    _, col_end = np.nonzero(step == -1)
    order = np.lexsort((rows, col_end, col_start))
    rows, col_start, col_end = rows[order], col_start[order], col_end[order]
    new = np.ones(len(rows), dtype=bool)
    new[1:] = (
        (col_start[1:] != col_start[:-1])
        | (col_end[1:] != col_end[:-1])
        | (rows[1:] != rows[:-1] + 1)
    )
    group = np.cumsum(new) - 1
    row_top = np.zeros(int(group[-1]) + 1, dtype=np.int64)
    np.maximum.at(row_top, group, rows)
    return (
        xmin + col_start[new] * h,
        ymin + rows[new] * h,
        xmin + col_end[new] * h,
        ymin + (row_top + 1) * h,
    )


def _morton_order(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices sorting the points along a Z-order (Morton) curve: neighbours stay close."""
    codes = np.zeros(len(x), dtype=np.uint64)
    for v, shift in ((x, 0), (y, 1)):
        span = float(np.ptp(v)) if len(v) else 0.0
        q = ((v - np.min(v, initial=0.0)) / (span if span > 0 else 1.0) * 65535.0).astype(np.uint64)
        q = (q | (q << np.uint64(8))) & np.uint64(0x00FF00FF)
        q = (q | (q << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        q = (q | (q << np.uint64(2))) & np.uint64(0x33333333)
        q = (q | (q << np.uint64(1))) & np.uint64(0x55555555)
        codes |= q << np.uint64(shift)
    return np.argsort(codes, kind="stable")


def _union_rings(rings: list[np.ndarray], order: np.ndarray) -> CrossSection:
    """Union of simple polygons (rings of vertices, m) with Clipper2 (through manifold3d).

    Rings are taken in `order` (spatially sorted), unioned by leaves of
    :data:`UNION_LEAF` in one sweep each (non-zero fill), then pairwise-ish up a tree of fan
    :data:`UNION_FAN`: each union meets only nearby, already merged outlines.
    """
    ordered = [rings[i] for i in order]
    level = [
        CrossSection(ordered[i : i + UNION_LEAF], FillRule.NonZero)
        for i in range(0, len(ordered), UNION_LEAF)
    ]
    while len(level) > 1:
        level = [
            CrossSection.batch_boolean(level[i : i + UNION_FAN], OpType.Add)
            if i + 1 < len(level)
            else level[i]
            for i in range(0, len(level), UNION_FAN)
        ]
    return level[0] if level else CrossSection()


def _polygon_from_cross_section(cs: CrossSection) -> shapely.Geometry:
    """A shapely (Multi)Polygon from a Clipper2 cross-section.

    Outer contours run counter-clockwise (positive area), holes clockwise. With one outer
    contour (the usual band) every hole is its own; otherwise the cross-section is split
    into its connected parts, each one outer contour and its holes.
    """
    contours = [c for c in cs.to_polygons() if len(c) >= 3]
    if not contours:
        return shapely.Polygon()
    signed = np.array([_signed_area(c) for c in contours])
    outer = np.flatnonzero(signed > 0)
    if len(outer) == 1:
        holes = [c for i, c in enumerate(contours) if i != outer[0]]
        geometry: shapely.Geometry = shapely.Polygon(contours[outer[0]], holes)
    else:
        parts = []
        for part in cs.decompose():
            rings = [c for c in part.to_polygons() if len(c) >= 3]
            areas = [_signed_area(c) for c in rings]
            shell = int(np.argmax(areas))
            parts.append(
                shapely.Polygon(rings[shell], [c for i, c in enumerate(rings) if i != shell])
            )
        geometry = shapely.MultiPolygon(parts)
    if not shapely.is_valid(geometry):  # vertices touching after rounding: rare
        geometry = shapely.make_valid(geometry, method="structure", keep_collapsed=False)
    return geometry


def _signed_area(ring: np.ndarray) -> float:
    """Shoelace area of a ring (m²): positive when counter-clockwise."""
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def _culled_union(ends: Ends, quad_segs: int, cells: int = DEFAULT_CELLS) -> shapely.Geometry:
    """The union of the pieces with these `ends`, exactly, without drawing the pieces deep
    inside it.

    A grid of cells known to lie in the union is built from the start disks
    (:func:`_cover`); a piece whose bounding box meets only such cells adds nothing and is
    not drawn (summed-area table of the other cells). The remaining pieces and the covered
    cells (as disjoint boxes) are unioned by Clipper2 (:func:`_union_rings`). The result is
    the same point set as the GEOS union of every piece (:func:`band_geometry`, tested).
    """
    x0, y0, r0, x1, y1, r1 = ends
    segs = _band_segments(ends, quad_segs)
    drawn = np.ones(len(x0), dtype=bool)
    boxes: list[np.ndarray] = []
    cover = _cover(x0, y0, r0, segs, cells) if len(x0) >= MIN_PIECES_TO_CULL else None
    if cover is not None:
        covered, grid = cover
        xmin, ymin, h, nx, ny = grid
        col_lo = np.floor((np.minimum(x0 - r0, x1 - r1) - xmin) / h).astype(np.int64)
        col_hi = np.floor((np.maximum(x0 + r0, x1 + r1) - xmin) / h).astype(np.int64)
        row_lo = np.floor((np.minimum(y0 - r0, y1 - r1) - ymin) / h).astype(np.int64)
        row_hi = np.floor((np.maximum(y0 + r0, y1 + r1) - ymin) / h).astype(np.int64)
        on_grid = (col_lo >= 0) & (row_lo >= 0) & (col_hi < nx) & (row_hi < ny)
        table = np.zeros((ny + 1, nx + 1), dtype=np.int64)
        table[1:, 1:] = np.cumsum(np.cumsum(~covered, axis=0), axis=1)
        c0, c1 = np.clip(col_lo, 0, nx - 1), np.clip(col_hi, 0, nx - 1) + 1
        r_0, r_1 = np.clip(row_lo, 0, ny - 1), np.clip(row_hi, 0, ny - 1) + 1
        uncovered = table[r_1, c1] - table[r_0, c1] - table[r_1, c0] + table[r_0, c0]
        drawn = ~(on_grid & (uncovered == 0))
        bx0, by0, bx1, by1 = _covered_boxes(covered, grid)
        corners = np.stack([bx0, by0, bx1, by0, bx1, by1, bx0, by1], axis=1)
        boxes = list(corners.reshape(-1, 4, 2))
        box_cx, box_cy = 0.5 * (bx0 + bx1), 0.5 * (by0 + by1)
    else:
        box_cx = box_cy = np.zeros(0)
    rings, index = _piece_rings(
        (x0[drawn], y0[drawn], r0[drawn], x1[drawn], y1[drawn], r1[drawn]), segs[drawn]
    )
    rings += boxes
    cx = np.concatenate([(0.5 * (x0 + x1))[drawn][index], box_cx])
    cy = np.concatenate([(0.5 * (y0 + y1))[drawn][index], box_cy])
    return _polygon_from_cross_section(_union_rings(rings, _morton_order(cx, cy)))


def band_geometries(
    net: ModeNetwork,
    reach: Reach,
    budgets_s: Sequence[float],
    *,
    quad_segs: int = DEFAULT_QUAD_SEGS,
    cells: int = DEFAULT_CELLS,
    deadline: Deadline | None = None,
) -> list[shapely.Geometry]:
    """Areas reached within each budget (EPSG:2154), from one :class:`Reach`.

    Each band is the union of its drawn pieces (see the module docstring), the same point
    set as :func:`band_geometry`, computed with :func:`_culled_union`: the pieces lying
    inside a grid-built polygon already known to be in the union are not unioned.

    Parameters
    ----------
    net
        The mode network the reach was computed on.
    reach
        Travel times from the origin (computed with a limit ≥ the largest budget).
    budgets_s
        Time budgets, seconds (> 0).
    quad_segs
        Polygon segments per quarter circle of the disks.
    cells
        Grid cells across a band's extent for the culling polygon (speed only).
    deadline
        Checked before every band (:class:`~geoservice.errors.DeadlineExceededError`).

    Returns
    -------
    list of shapely geometries
        One (Multi)Polygon per budget, in the order of `budgets_s`.
    """
    budgets = [float(b) for b in budgets_s]
    if not budgets or min(budgets) <= 0:
        raise InvalidParameterError("range", f"time budgets must be > 0 s, got {budgets}")
    pieces = _Pieces(net, reach, max(budgets))
    out = []
    for b in budgets:
        if deadline is not None:
            deadline.check("isochrone computation")
        out.append(_culled_union(_band_ends(pieces, reach, b), quad_segs, cells))
    return out


def band_geometry(
    net: ModeNetwork,
    reach: Reach,
    budget_s: float,
    *,
    quad_segs: int = DEFAULT_QUAD_SEGS,
) -> shapely.Geometry:
    """Area reached within `budget_s` seconds (EPSG:2154), from a :class:`Reach`.

    Reference construction: one GEOS union of every drawn piece (the reference for
    :func:`band_geometries`, which gives the same area faster).
    """
    if budget_s <= 0:
        raise InvalidParameterError("range", f"a time budget must be > 0 s, got {budget_s}")
    ends = _band_ends(_Pieces(net, reach, budget_s), reach, budget_s)
    return shapely.union_all(_drawn_pieces(ends, quad_segs))


def isochrone_bands(
    net: ModeNetwork,
    x_m: float,
    y_m: float,
    budgets_s: Sequence[float],
    *,
    quad_segs: int = DEFAULT_QUAD_SEGS,
    field: str = "location",
    deadline: Deadline | None = None,
) -> list[IsochroneBand]:
    """Nested isochrone bands around a point of EPSG:2154, smallest budget first.

    One bounded Dijkstra run (limit = the largest budget) serves every band.

    Raises
    ------
    OutsideCoverageError
        The point is outside the network's coverage (see :mod:`geoservice.core.snapping`).
    """
    budgets = sorted(float(b) for b in budgets_s)
    if not budgets:
        raise InvalidParameterError("range", "at least one time budget is needed")
    reach = net.reach_from_xy(x_m, y_m, limit_s=budgets[-1], field=field)
    geometries = band_geometries(net, reach, budgets, quad_segs=quad_segs, deadline=deadline)
    return [IsochroneBand(b, g) for b, g in zip(budgets, geometries, strict=True)]


class PopulationIndex:
    """Commune polygons in EPSG:2154 with their population, for areal weighting.

    The population inside a polygon is the sum over communes of
    ``population × area(commune ∩ polygon) / area(commune)``: inhabitants are assumed evenly
    spread within each commune (documented in ``docs/isochrones.md``).

    Parameters
    ----------
    communes
        Polygons with a CRS and a ``population`` column (e.g. ``Runtime.communes``).
    """

    def __init__(self, communes: gpd.GeoDataFrame) -> None:
        if communes.crs is None:
            raise DataError("the commune frame has no CRS: refusing to guess")
        if "population" not in communes.columns:
            raise MissingColumnError("the commune frame has no 'population' column")
        projected = communes.to_crs(METRIC_CRS)
        self.geometries = np.asarray(projected.geometry.values, dtype=object)
        self.population = projected["population"].to_numpy(dtype=float)
        self.areas_m2 = shapely.area(self.geometries)
        self.tree = shapely.STRtree(self.geometries)
        shapely.prepare(self.geometries)

    @property
    def total(self) -> float:
        """Total population of the communes."""
        return float(self.population.sum())

    def population_within(self, polygon: shapely.Geometry) -> float:
        """Inhabitants inside `polygon` (EPSG:2154), by commune area share."""
        if shapely.is_empty(polygon):
            return 0.0
        hits = self.tree.query(polygon, predicate="intersects")
        if len(hits) == 0:
            return 0.0
        inside = shapely.contains(polygon, self.geometries[hits])
        share = np.ones(len(hits))
        partial = ~inside
        if partial.any():
            cut = shapely.intersection(self.geometries[hits[partial]], polygon)
            share[partial] = shapely.area(cut) / self.areas_m2[hits[partial]]
        return float(np.sum(self.population[hits] * np.clip(share, 0.0, 1.0)))


@dataclass(frozen=True)
class IsochroneFeature:
    """One band of one origin, ready to serve.

    Attributes
    ----------
    group_index
        Index of the origin in the request.
    value_s
        The time budget, seconds.
    mode
        The travel mode.
    center
        The origin, (lon, lat) EPSG:4326.
    geometry
        The band, EPSG:4326.
    area_km2
        Its area (computed in EPSG:2154), km².
    population
        Inhabitants inside (census grid, area share), or None without population data.
    population_by_age
        The same by age band (``under_15``, ``15_64``, ``65_plus``), or None.
    """

    group_index: int
    value_s: float
    mode: str
    center: tuple[float, float]
    geometry: shapely.Geometry
    area_km2: float
    population: float | None
    population_by_age: dict[str, float] | None = None


def compute_isochrones(
    network: RoadNetwork,
    locations: Sequence[tuple[float, float]],
    budgets_s: Sequence[float],
    mode: str,
    *,
    population: PopulationCounter | None = None,
    quad_segs: int = DEFAULT_QUAD_SEGS,
    deadline: Deadline | None = None,
) -> list[IsochroneFeature]:
    """Isochrone bands for several origins (lon, lat in EPSG:4326) and budgets (s).

    Features come by origin, then by increasing budget. A point outside the network's
    coverage raises :class:`~geoservice.errors.OutsideCoverageError` naming ``locations.<i>``;
    past `deadline`, :class:`~geoservice.errors.DeadlineExceededError` stops the work.
    """
    net = network.mode(mode)
    features: list[IsochroneFeature] = []
    for i, (lon, lat) in enumerate(locations):
        x, y = lambert93_from_wgs84(lon, lat)
        bands = isochrone_bands(
            net,
            float(x),
            float(y),
            budgets_s,
            quad_segs=quad_segs,
            field=f"locations.{i}",
            deadline=deadline,
        )
        for band in bands:
            count = count_population(population, band.geometry)
            features.append(
                IsochroneFeature(
                    group_index=i,
                    value_s=band.value_s,
                    mode=mode,
                    center=(float(lon), float(lat)),
                    geometry=geometry_to_wgs84(band.geometry),
                    area_km2=band.area_km2,
                    population=None if count is None else count.total,
                    population_by_age=None if count is None else count.by_age(),
                )
            )
    return features
