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
the exact hull of the two regular polygons inscribed in the circles. A band is the union of
its pieces (holes kept: areas no piece covers); :func:`band_geometries` computes it without
unioning the pieces that lie inside a grid-built polygon already known to be in the band
(:func:`_culled_union`), the same point set as the direct union of :func:`band_geometry`.
Geometry is computed in EPSG:2154 (metres) and returned in that CRS; the web layer converts
to EPSG:4326.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from geoservice.core.deadline import Deadline
from geoservice.core.network import ModeNetwork, Reach, RoadNetwork
from geoservice.core.snapping import METRIC_CRS, geometry_to_wgs84, lambert93_from_wgs84
from geoservice.errors import DataError, InvalidParameterError, MissingColumnError

#: Segments per quarter circle of the disks (inscribed polygons: radius error 1 − cos(π/4q)).
DEFAULT_QUAD_SEGS = 3
#: Grid cells across a band's extent for the culling polygon of :func:`_culled_union`.
DEFAULT_CELLS = 128
#: Fewer pieces than this are unioned directly (culling would not pay).
MIN_PIECES_TO_CULL = 64
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


def _hull_pieces(
    x0: np.ndarray,
    y0: np.ndarray,
    r0: np.ndarray,
    x1: np.ndarray,
    y1: np.ndarray,
    r1: np.ndarray,
    quad_segs: int,
) -> np.ndarray:
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
    rings = shapely.linearrings(coords, indices=np.repeat(np.arange(len(x0)), counts))
    return np.asarray(shapely.polygons(rings), dtype=object)


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


def _filler(
    x0: np.ndarray, y0: np.ndarray, r0: np.ndarray, quad_segs: int, cells: int
) -> tuple[shapely.Geometry, np.ndarray, tuple[float, float, float, int, int]] | None:
    """A staircase polygon ``F`` inside the union of the drawn pieces, its cells (a boolean
    ``[row, column]`` grid) and the grid ``(xmin, ymin, h, nx, ny)``; None when empty.

    ``F`` is the union of the grid cells (`cells` across the pieces' extent) lying entirely
    inside one drawn start disk ``P(x0, y0, r0)`` of a piece (each piece contains its start
    disk). Only the largest start disk per cell is rasterised, and only disks of at least
    two cells' radius.
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
    covered = _covered_cells(x0[chosen], y0[chosen], r0[chosen], quad_segs, (xmin, ymin, h, nx, ny))
    # Runs of covered cells along each row become boxes; their union is F.
    padded = np.zeros((ny, nx + 2), dtype=np.int8)
    padded[:, 1:-1] = covered
    step = np.diff(padded, axis=1)
    rows, col_start = np.nonzero(step == 1)
    _, col_end = np.nonzero(step == -1)
    if len(rows) == 0:
        return None
    # Runs with the same columns in consecutive rows make one box.
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
    boxes = shapely.box(
        xmin + col_start[new] * h,
        ymin + rows[new] * h,
        xmin + col_end[new] * h,
        ymin + (row_top + 1) * h,
    )
    return shapely.union_all(boxes), covered, (xmin, ymin, h, nx, ny)


def _culled_union(ends: Ends, quad_segs: int, cells: int = DEFAULT_CELLS) -> shapely.Geometry:
    """``union_all`` of the pieces with these `ends`, exactly, without unioning the pieces
    deep inside it.

    A staircase polygon ``F`` inside the union is built from a grid (:func:`_filler`);
    every piece inside ``F`` is dropped (it adds nothing: ``F`` is part of the union) — first,
    without drawing it, when its bounding box only meets covered cells, then by an exact
    containment test; the others are unioned, and ``F`` fills the holes this leaves. The
    result is the same point set as the union of every piece (tested), with far fewer
    pieces in the GEOS union.
    """
    x0, y0, r0, x1, y1, r1 = ends
    if len(x0) < MIN_PIECES_TO_CULL:
        return shapely.union_all(_hull_pieces(*ends, quad_segs))
    filled = _filler(x0, y0, r0, quad_segs, cells)
    if filled is None:
        return shapely.union_all(_hull_pieces(*ends, quad_segs))
    filler, covered, (xmin, ymin, h, nx, ny) = filled
    # Bounding boxes made only of covered cells: inside F (summed-area table of the others).
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
    pieces = _hull_pieces(
        x0[drawn], y0[drawn], r0[drawn], x1[drawn], y1[drawn], r1[drawn], quad_segs
    )
    shapely.prepare(filler)
    kept = pieces[~shapely.contains(filler, pieces)]
    union = shapely.union_all(kept) if len(kept) else shapely.Polygon()
    if shapely.is_empty(union):
        return filler
    return _union_with_filler(union, filler)


def _union_with_filler(union: shapely.Geometry, filler: shapely.Geometry) -> shapely.Geometry:
    """``union ∪ filler`` when `filler` lies inside `union`'s outer rings (fills holes only).

    A hole inside `filler` disappears, a hole disjoint from it stays, a hole partly in it is
    replaced by its part outside `filler`. Falls back to a plain union otherwise.
    """
    parts = shapely.get_parts(union)
    shells = np.asarray(shapely.polygons(shapely.get_exterior_ring(parts)), dtype=object)
    outline = shapely.union_all(shells) if len(shells) > 1 else shells[0]
    if not shapely.contains(outline, filler):
        return shapely.union_all(np.array([union, filler], dtype=object))
    out = []
    for part in parts:
        n_holes = int(shapely.get_num_interior_rings(part))
        if n_holes == 0:
            out.append(part)
            continue
        holes = shapely.polygons(shapely.get_interior_ring(part, np.arange(n_holes)))
        inside = shapely.contains(filler, holes)
        apart = shapely.disjoint(filler, holes)
        mixed = ~inside & ~apart
        kept = [shapely.get_coordinates(h) for h in holes[apart]]
        polygon: shapely.Geometry = shapely.Polygon(shapely.get_coordinates(part.exterior), kept)
        if mixed.any():
            rest = shapely.difference(holes[mixed], filler)
            polygon = shapely.difference(polygon, shapely.union_all(rest))
        out.append(polygon)
    return shapely.union_all(np.array(out, dtype=object)) if len(out) > 1 else out[0]


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
    return shapely.union_all(_hull_pieces(*ends, quad_segs))


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
        Inhabitants inside (commune area share), or None without commune data.
    """

    group_index: int
    value_s: float
    mode: str
    center: tuple[float, float]
    geometry: shapely.Geometry
    area_km2: float
    population: float | None


def compute_isochrones(
    network: RoadNetwork,
    locations: Sequence[tuple[float, float]],
    budgets_s: Sequence[float],
    mode: str,
    *,
    population: PopulationIndex | None = None,
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
            features.append(
                IsochroneFeature(
                    group_index=i,
                    value_s=band.value_s,
                    mode=mode,
                    center=(float(lon), float(lat)),
                    geometry=geometry_to_wgs84(band.geometry),
                    area_km2=band.area_km2,
                    population=(
                        population.population_within(band.geometry)
                        if population is not None
                        else None
                    ),
                )
            )
    return features
