"""The band polygon engine: the area reached within each budget, from one network search.

A band is the union of its pieces (:mod:`geoservice.core.band_pieces`: one convex polygon per
reached edge, plus the origin's disk), holes kept (areas no piece covers).
:func:`band_geometries` computes it with Clipper2 (through ``manifold3d``) without drawing the
pieces that lie inside grid cells already known to be in the band (:func:`culled_union`), the
same point set as the GEOS union of every piece in :func:`band_geometry`, the reference.
Geometry is computed in EPSG:2154 (metres) and returned in that CRS; serving converts it to
EPSG:4326.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from manifold3d import CrossSection, FillRule, OpType

from geoservice.core.band_contours import DEFAULT_CELLS_ACROSS, contoured_bands
from geoservice.core.band_pieces import (
    DEFAULT_QUAD_SEGS,
    BandPieces,
    Ends,
    band_ends,
    band_segments,
    drawn_pieces,
    piece_rings,
)
from geoservice.core.deadline import Deadline
from geoservice.core.network import ModeNetwork, Reach
from geoservice.errors import InvalidParameterError

#: Grid cells across a band's extent for the culling polygon of :func:`culled_union`.
DEFAULT_CELLS = 64
#: Fewer pieces than this are unioned directly (culling would not pay).
MIN_PIECES_TO_CULL = 64
#: Rings unioned in one Clipper2 sweep, then outlines merged by this many at a time.
UNION_LEAF = 12
UNION_FAN = 8
#: Band constructions of :func:`isochrone_bands`.
CONSTRUCTIONS = ("auto", "exact", "raster")
#: A grid ``(xmin, ymin, h, nx, ny)``: square cells of side ``h`` (m), row-major.
Grid = tuple[float, float, float, int, int]


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
    #: Raster construction only: the bound ε (s) of :mod:`geoservice.core.band_contours`.
    error_s: float | None = None

    @property
    def area_km2(self) -> float:
        """Area of the band, km²."""
        return float(shapely.area(self.geometry)) / 1e6


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


def grid_cover(
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


def covered_boxes(
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


def culled_union(ends: Ends, quad_segs: int, cells: int = DEFAULT_CELLS) -> shapely.Geometry:
    """The union of the pieces with these `ends`, exactly, without drawing the pieces deep
    inside it.

    A grid of cells known to lie in the union is built from the start disks
    (:func:`grid_cover`); a piece whose bounding box meets only such cells adds nothing and is
    not drawn (summed-area table of the other cells). The remaining pieces and the covered
    cells (as disjoint boxes) are unioned by Clipper2 (:func:`_union_rings`). The result is
    the same point set as the GEOS union of every piece (:func:`band_geometry`, tested).
    """
    x0, y0, r0, x1, y1, r1 = ends
    segs = band_segments(ends, quad_segs)
    drawn = np.ones(len(x0), dtype=bool)
    boxes: list[np.ndarray] = []
    cover = grid_cover(x0, y0, r0, segs, cells) if len(x0) >= MIN_PIECES_TO_CULL else None
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
        bx0, by0, bx1, by1 = covered_boxes(covered, grid)
        corners = np.stack([bx0, by0, bx1, by0, bx1, by1, bx0, by1], axis=1)
        boxes = list(corners.reshape(-1, 4, 2))
        box_cx, box_cy = 0.5 * (bx0 + bx1), 0.5 * (by0 + by1)
    else:
        box_cx = box_cy = np.zeros(0)
    rings, index = piece_rings(
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
    set as :func:`band_geometry`, computed with :func:`culled_union`: the pieces lying
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
        raise InvalidParameterError("budgets_s", f"time budgets must be > 0 s, got {budgets}")
    pieces = BandPieces(net, reach, max(budgets))
    out = []
    for b in budgets:
        if deadline is not None:
            deadline.check("isochrone computation")
        out.append(culled_union(band_ends(pieces, reach, b), quad_segs, cells))
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
        raise InvalidParameterError("budget_s", f"a time budget must be > 0 s, got {budget_s}")
    ends = band_ends(BandPieces(net, reach, budget_s), reach, budget_s)
    return shapely.union_all(drawn_pieces(ends, quad_segs))


def isochrone_bands(
    net: ModeNetwork,
    x_m: float,
    y_m: float,
    budgets_s: Sequence[float],
    *,
    quad_segs: int = DEFAULT_QUAD_SEGS,
    deadline: Deadline | None = None,
    construction: str = "auto",
    raster_min_nodes: int | None = None,
    cells_across: int = DEFAULT_CELLS_ACROSS,
) -> list[IsochroneBand]:
    """Nested isochrone bands around a point of EPSG:2154, smallest budget first.

    One bounded Dijkstra run (limit = the largest budget) serves every band. The polygons
    are the exact union of the pieces (``construction="exact"``) or the travel-time field
    contoured at each budget (``"raster"``, :mod:`geoservice.core.band_contours`, within a
    stated bound); ``"auto"`` takes the raster when the mode network has at least
    `raster_min_nodes` nodes (None: never).

    Raises
    ------
    OutsideCoverageError
        The point is outside the network's coverage (see :mod:`geoservice.core.snapping`).
    """
    budgets = sorted(float(b) for b in budgets_s)
    if not budgets:
        raise InvalidParameterError("budgets_s", "at least one time budget is needed")
    if construction not in CONSTRUCTIONS:
        msg = f"unknown construction {construction!r}"
        raise InvalidParameterError("construction", msg, allowed=CONSTRUCTIONS)
    reach = net.reach_from_xy(x_m, y_m, limit_s=budgets[-1])
    large = raster_min_nodes is not None and net.router.node_count >= raster_min_nodes
    if construction == "raster" or (construction == "auto" and large):
        contoured = contoured_bands(
            net, reach, budgets, cells_across=cells_across, deadline=deadline
        )
        return [IsochroneBand(c.value_s, c.geometry, c.error_s) for c in contoured]
    geometries = band_geometries(net, reach, budgets, quad_segs=quad_segs, deadline=deadline)
    return [IsochroneBand(b, g) for b, g in zip(budgets, geometries, strict=True)]
