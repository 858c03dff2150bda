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

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from manifold3d import CrossSection, FillRule, OpType
from numba import njit

from geoservice.core.band_contours import DEFAULT_CELLS_ACROSS, contoured_bands
from geoservice.core.band_cover import (
    Grid,
    culled,
    flat_hull_rings,
    morton_codes,
    piece_cover,
    ring_templates,
)
from geoservice.core.band_offload import BandOffload, OffloadError, PendingBands, helper_share
from geoservice.core.band_pieces import (
    DEFAULT_QUAD_SEGS,
    BandPieces,
    Ends,
    band_ends,
    band_segments,
    drawn_pieces,
)
from geoservice.core.deadline import Deadline
from geoservice.core.network import ModeNetwork, Reach
from geoservice.errors import InvalidParameterError

#: Grid cells across a band's extent for the culling polygon of :func:`culled_union`.
DEFAULT_CELLS = 64
#: Fewer pieces than this are unioned directly (culling would not pay). Measured on the
#: 4-band isochrones from the 12 largest towns (quiet machine, polygons of one request):
#: bike 3.2 ms with 64, 1.75 ms with 256; walk and car the same either way (0.6 and 20 ms).
MIN_PIECES_TO_CULL = 256
#: Rings unioned in one Clipper2 sweep, then outlines merged by this many at a time.
UNION_LEAF = 12
UNION_FAN = 8
#: Band constructions of :func:`isochrone_bands`.
CONSTRUCTIONS = ("auto", "exact", "raster")
#: An empty band (``shapely.Polygon()`` parses WKT each time: ≈ 20 µs).
_EMPTY = shapely.Polygon()


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


def _union_rings(ordered: list[np.ndarray]) -> CrossSection:
    """Union of simple polygons (rings of vertices, m) with Clipper2 (through manifold3d).

    Rings come spatially sorted; they are unioned by leaves of :data:`UNION_LEAF` in one
    sweep each (non-zero fill), then pairwise-ish up a tree of fan :data:`UNION_FAN`: each
    union meets only nearby, already merged outlines.
    """
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


def polygons_from_sections(sections: Sequence[CrossSection]) -> list[shapely.Geometry]:
    """Shapely (Multi)Polygons from Clipper2 cross-sections, built together (one shapely
    call for the rings of all of them, one validity check).

    Outer contours run counter-clockwise (positive area), holes clockwise. With one outer
    contour (the usual band) every hole is its own; otherwise the cross-section is split
    into its connected parts, each one outer contour and its holes
    (:func:`_multipolygon_from_cross_section`).
    """
    out: list[shapely.Geometry] = [_EMPTY] * len(sections)
    rings: list[np.ndarray] = []
    ring_of: list[int] = []  # the polygon (index in `built`) each ring belongs to
    built: list[int] = []  # the section of each polygon built together
    for i, cs in enumerate(sections):
        contours = [c for c in cs.to_polygons() if len(c) >= 3]
        if not contours:
            continue
        if len(contours) == 1 and cs.area() > 0:
            ordered = contours
        else:
            signed = np.array([_signed_area(c) for c in contours])
            outer = np.flatnonzero(signed > 0)
            if len(outer) != 1:
                out[i] = _multipolygon_from_cross_section(cs)
                continue
            shell = int(outer[0])
            ordered = [contours[shell], *contours[:shell], *contours[shell + 1 :]]
        rings += ordered
        ring_of += [len(built)] * len(ordered)
        built.append(i)
    if built:
        lengths = [len(r) for r in rings]
        closed = np.asarray(
            shapely.linearrings(
                np.concatenate(rings), indices=np.repeat(np.arange(len(rings)), lengths)
            ),
            dtype=object,
        )
        polygons = np.asarray(shapely.polygons(closed, indices=np.asarray(ring_of)), dtype=object)
        for i, polygon in zip(built, polygons.tolist(), strict=True):
            out[i] = polygon
    for i in np.flatnonzero(~shapely.is_valid(np.asarray(out, dtype=object))).tolist():
        # vertices touching after rounding: rare
        out[i] = shapely.make_valid(out[i], method="structure", keep_collapsed=False)
    return out


def _multipolygon_from_cross_section(cs: CrossSection) -> shapely.Geometry:
    """A cross-section of several outer contours: one polygon per connected part."""
    parts = []
    for part in cs.decompose():
        rings = [c for c in part.to_polygons() if len(c) >= 3]
        areas = [_signed_area(c) for c in rings]
        shell = int(np.argmax(areas))
        parts.append(shapely.Polygon(rings[shell], rings[:shell] + rings[shell + 1 :]))
    return shapely.MultiPolygon(parts)


def _signed_area(ring: np.ndarray) -> float:
    """Shoelace area of a ring (m²): positive when counter-clockwise."""
    x, y = ring[:, 0], ring[:, 1]
    inner = float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))
    return 0.5 * (inner + float(x[-1] * y[0] - x[0] * y[-1]))


def cull_grid(ends: Ends, cells: int) -> Grid:
    """A grid of `cells` across the pieces' extent: ``(xmin, ymin, h, nx, ny)``."""
    x0, y0, r0, x1, y1, r1 = ends
    xmin = float(min(np.min(x0 - r0), np.min(x1 - r1)))
    xmax = float(max(np.max(x0 + r0), np.max(x1 + r1)))
    ymin = float(min(np.min(y0 - r0), np.min(y1 - r1)))
    ymax = float(max(np.max(y0 + r0), np.max(y1 + r1)))
    h = max(xmax - xmin, ymax - ymin, 1.0) / cells
    return xmin, ymin, h, int(np.ceil((xmax - xmin) / h)), int(np.ceil((ymax - ymin) / h))


def culled_union(ends: Ends, quad_segs: int, cells: int = DEFAULT_CELLS) -> shapely.Geometry:
    """The union of the pieces with these `ends`, exactly, without drawing the pieces deep
    inside it (:func:`union_section` as a shapely polygon)."""
    return polygons_from_sections([union_section(ends, quad_segs, cells)])[0]


def union_section(ends: Ends, quad_segs: int, cells: int = DEFAULT_CELLS) -> CrossSection:
    """The union of the pieces with these `ends`, exactly, without drawing the pieces deep
    inside it, as a Clipper2 cross-section.

    A piece inside the origin's disk is not drawn (:func:`inside_first_disk`). From
    :data:`MIN_PIECES_TO_CULL` pieces on, a grid of cells known to lie in the union is built
    from the pieces themselves
    (:func:`~geoservice.core.band_cover.piece_cover`); a piece lying in such cells adds
    nothing and is not drawn (:func:`~geoservice.core.band_cover.culled`). The remaining
    pieces and the covered cells (as disjoint boxes) are unioned by Clipper2
    (:func:`_union_rings`). The result is the same point set as the GEOS union of every
    piece (:func:`band_geometry`, tested).
    """
    x0, y0, r0, x1, y1, _ = ends
    segs = band_segments(ends, quad_segs)
    coords, offsets = flat_hull_rings(ends, segs, ring_templates(quad_segs))
    drawn = ~inside_first_disk(ends, segs)
    bounds = offsets.tolist()
    rings = [coords[bounds[i] : bounds[i + 1]] for i in np.flatnonzero(drawn).tolist()]
    cx, cy = 0.5 * (x0[drawn] + x1[drawn]), 0.5 * (y0[drawn] + y1[drawn])
    if len(rings) >= MIN_PIECES_TO_CULL:
        grid = cull_grid(ends, cells)
        covered = piece_cover(coords, offsets, x0, y0, r0, grid)
        if covered.any():
            drawn &= ~culled(ends, covered, grid)
            bx0, by0, bx1, by1 = covered_boxes(covered, grid)
            boxes = np.stack([bx0, by0, bx1, by0, bx1, by1, bx0, by1], axis=1).reshape(-1, 4, 2)
            rings = [coords[bounds[i] : bounds[i + 1]] for i in np.flatnonzero(drawn).tolist()]
            rings += list(boxes)
            cx = np.concatenate([0.5 * (x0[drawn] + x1[drawn]), 0.5 * (bx0 + bx1)])
            cy = np.concatenate([0.5 * (y0[drawn] + y1[drawn]), 0.5 * (by0 + by1)])
    order = np.argsort(morton_codes(cx, cy), kind="stable").tolist()
    return _union_rings([rings[i] for i in order])


def inside_first_disk(ends: Ends, segs: np.ndarray) -> np.ndarray:
    """The pieces that lie inside the first piece when it is a disk (the origin's, the
    largest of a band): their end disks inside the circle inscribed in its drawn polygon
    (radius × cos(π/4q), less a relative 10⁻⁹ for rounding). A piece is drawn inside its
    end disks, so it adds nothing to the union: it is not drawn (≈ 15 % of a walk band's
    pieces)."""
    x0, y0, r0, x1, y1, r1 = ends
    if len(x0) < 2 or x0[0] != x1[0] or y0[0] != y1[0] or r0[0] != r1[0]:
        return np.zeros(len(x0), dtype=bool)
    inner = float(r0[0] * np.cos(np.pi / (4 * int(segs[0]))) * (1.0 - 1e-9))
    return _inside_disk(x0, y0, r0, x1, y1, r1, float(x0[0]), float(y0[0]), inner)


@njit(cache=True)
def _inside_disk(
    x0: np.ndarray,
    y0: np.ndarray,
    r0: np.ndarray,
    x1: np.ndarray,
    y1: np.ndarray,
    r1: np.ndarray,
    cx: float,
    cy: float,
    radius: float,
) -> np.ndarray:
    inside = np.zeros(len(x0), dtype=np.bool_)
    for i in range(1, len(x0)):
        inside[i] = (
            np.hypot(x0[i] - cx, y0[i] - cy) + r0[i] <= radius
            and np.hypot(x1[i] - cx, y1[i] - cy) + r1[i] <= radius
        )
    return inside


def warm_union() -> None:
    """Load the compiled kernels of :func:`culled_union` (numba's cache) now: one union of
    a small made-up band (pieces from one point, enough of them to be culled), and one
    whose first piece is a disk (:func:`inside_first_disk`)."""
    n = MIN_PIECES_TO_CULL
    angle = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    zero, radius = np.zeros(n), np.full(n, 500.0)
    culled_union((zero, zero, radius, 1e3 * np.cos(angle), 1e3 * np.sin(angle), radius / 2), 3)
    disk = (zero[:2], zero[:2], radius[:2], np.array([0.0, 10.0]), zero[:2], np.array([500.0, 9.0]))
    culled_union(disk, 3)


def band_geometries(
    net: ModeNetwork,
    reach: Reach,
    budgets_s: Sequence[float],
    *,
    quad_segs: int = DEFAULT_QUAD_SEGS,
    cells: int = DEFAULT_CELLS,
    deadline: Deadline | None = None,
    pieces: BandPieces | None = None,
    offload: BandOffload | None = None,
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
    pieces
        The reach's pieces for the largest budget, if already built.
    offload
        A helper that unions some of the bands in another process meanwhile
        (:mod:`geoservice.core.band_offload`), when the bands hold at least its
        ``min_pieces`` pieces; the same polygons either way.

    Returns
    -------
    list of shapely geometries
        One (Multi)Polygon per budget, in the order of `budgets_s`.
    """
    budgets = [float(b) for b in budgets_s]
    if not budgets or min(budgets) <= 0:
        raise InvalidParameterError("budgets_s", f"time budgets must be > 0 s, got {budgets}")
    if pieces is None:
        pieces = BandPieces(net, reach, max(budgets))
    ends = [band_ends(pieces, reach, b) for b in budgets]
    away: list[int] = []
    pending: PendingBands | None = None
    sizes = [len(e[0]) for e in ends]
    if offload is not None and len(budgets) > 1 and sum(sizes) >= offload.min_pieces:
        away = helper_share(sizes)
        pending = offload.start([ends[i] for i in away], quad_segs, cells)
        away = away if pending is not None else []
    out: dict[int, shapely.Geometry] = {}
    here: dict[int, CrossSection] = {}
    try:
        for i in range(len(budgets)):
            if i not in away:
                if deadline is not None:
                    deadline.check("isochrone computation")
                here[i] = union_section(ends[i], quad_segs, cells)
    finally:
        if pending is not None:  # always collected: the helper is then free again
            with contextlib.suppress(OffloadError):  # unioned here below, the same way
                out.update(zip(away, pending.result(), strict=True))
    for i in away:
        if i not in out:
            if deadline is not None:
                deadline.check("isochrone computation")
            here[i] = union_section(ends[i], quad_segs, cells)
    out.update(zip(here, polygons_from_sections(list(here.values())), strict=True))
    return [out[i] for i in range(len(budgets))]


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
    raster_min_overlap: float | None = None,
    cells_across: int = DEFAULT_CELLS_ACROSS,
    offload: BandOffload | None = None,
) -> list[IsochroneBand]:
    """Nested isochrone bands around a point of EPSG:2154, smallest budget first.

    One bounded Dijkstra run (limit = the largest budget) serves every band. The polygons
    are the exact union of the pieces (``construction="exact"``) or the travel-time field
    contoured at each budget (``"raster"``, :mod:`geoservice.core.band_contours`, within a
    stated bound); ``"auto"`` takes the raster when the mode network has at least
    `raster_min_nodes` nodes, or when the pieces of the largest band overlap at least
    `raster_min_overlap` deep (:meth:`~geoservice.core.band_pieces.BandPieces.overlap`;
    None: never). The exact union may share its bands with `offload`
    (:func:`band_geometries`).

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
    pieces = None
    if construction == "auto" and not large and raster_min_overlap is not None:
        pieces = BandPieces(net, reach, budgets[-1])
        large = pieces.overlap(budgets[-1]) >= raster_min_overlap
    if construction == "raster" or (construction == "auto" and large):
        contoured = contoured_bands(
            net, reach, budgets, cells_across=cells_across, deadline=deadline
        )
        return [IsochroneBand(c.value_s, c.geometry, c.error_s) for c in contoured]
    geometries = band_geometries(
        net, reach, budgets, quad_segs=quad_segs, deadline=deadline, pieces=pieces, offload=offload
    )
    return [IsochroneBand(b, g) for b, g in zip(budgets, geometries, strict=True)]
