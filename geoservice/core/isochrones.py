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
regular polygons inscribed in the circles. Everything is unioned with
:func:`shapely.union_all`, which keeps holes (areas no piece covers). Geometry is computed in
EPSG:2154 (metres) and returned in that CRS; the web layer converts to EPSG:4326.
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
#: Largest interval between two checkpoints of the incremental construction, seconds.
DEFAULT_STEP_S = 300.0
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
    """Convex hulls of the disk pairs D(p0, r0), D(p1, r1), as inscribed polygons.

    Both disks are drawn as regular polygons with the same vertex directions d_j; the hull's
    vertex in direction d_j is the vertex j of the disk with the larger support c·d_j + r, so
    each hull is the convex polygon of those winners, in angular order.
    """
    cos_t, sin_t = _disk_template(quad_segs)
    support0 = x0[:, None] * cos_t + y0[:, None] * sin_t + r0[:, None]
    support1 = x1[:, None] * cos_t + y1[:, None] * sin_t + r1[:, None]
    first = support0 >= support1
    px = np.where(first, x0[:, None] + r0[:, None] * cos_t, x1[:, None] + r1[:, None] * cos_t)
    py = np.where(first, y0[:, None] + r0[:, None] * sin_t, y1[:, None] + r1[:, None] * sin_t)
    ring = np.stack(
        [np.concatenate([px, px[:, :1]], axis=1), np.concatenate([py, py[:, :1]], axis=1)], axis=2
    )
    return np.asarray(shapely.polygons(ring), dtype=object)


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

    def polygons(self, mask: np.ndarray, budget_s: float, quad_segs: int) -> np.ndarray:
        """Pieces of the edges in `mask` at `budget_s` (whole or cut at the budget)."""
        rem = budget_s - self.t_u[mask]
        w = self.w[mask]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(w > 0, np.minimum(1.0, rem / np.where(w > 0, w, 1.0)), 1.0)
        x0, y0 = self.x0[mask], self.y0[mask]
        x1, y1 = x0 + frac * self.dx[mask], y0 + frac * self.dy[mask]
        r0 = np.maximum(rem * self.k, MIN_RADIUS_M)
        r1 = np.maximum((rem - frac * w) * self.k, MIN_RADIUS_M)
        return _hull_pieces(x0, y0, r0, x1, y1, r1, quad_segs)


def _union_into(base: shapely.Geometry, polygons: np.ndarray) -> shapely.Geometry:
    """``base ∪ polygons``, skipping the polygons already inside `base` (cheap test first)."""
    if len(polygons) == 0:
        return base
    shapely.prepare(base)
    outside = polygons[~shapely.contains(base, polygons)]
    if len(outside) == 0:
        return base
    return shapely.union_all(np.append(outside, np.array([base], dtype=object)))


def band_geometries(
    net: ModeNetwork,
    reach: Reach,
    budgets_s: Sequence[float],
    *,
    quad_segs: int = DEFAULT_QUAD_SEGS,
    step_s: float = DEFAULT_STEP_S,
    deadline: Deadline | None = None,
) -> list[shapely.Geometry]:
    """Areas reached within each budget (EPSG:2154), from one :class:`Reach`.

    Incremental construction, exact for the model of the module docstring: for an edge fully
    traversed by budget ``b``, its piece at ``b + Δ`` is its piece at ``b`` grown by the disk
    of radius ``Δ·k`` (the hull of two disks, both radii + ``Δ·k``, is the Minkowski sum of
    the hull and that disk), and a buffer distributes over a union. So the region ``F`` of
    the origin disk and the fully traversed edges is carried from checkpoint to checkpoint
    (every `step_s` seconds and at every budget) as ``buffer(F, Δ·k) ∪ pieces of the edges
    completed in between``; a band is ``F ∪ pieces of the edges cut by its budget``. Each
    union then only involves a thin front of small pieces instead of every reached edge.

    Parameters
    ----------
    net
        The mode network the reach was computed on.
    reach
        Travel times from the origin (computed with a limit ≥ the largest budget).
    budgets_s
        Time budgets, seconds (> 0).
    quad_segs
        Polygon segments per quarter circle of the disks and buffers.
    step_s
        Largest interval between checkpoints, seconds.
    deadline
        Checked at every checkpoint (:class:`~geoservice.errors.DeadlineExceededError`).

    Returns
    -------
    list of shapely geometries
        One (Multi)Polygon per budget, in the order of `budgets_s`.
    """
    budgets = [float(b) for b in budgets_s]
    if not budgets or min(budgets) <= 0:
        raise InvalidParameterError("range", f"time budgets must be > 0 s, got {budgets}")
    top = max(budgets)
    pieces = _Pieces(net, reach, top)
    k = pieces.k
    checkpoints = sorted({*budgets, *np.arange(step_s, top, step_s).tolist()})
    t_end = pieces.t_u + pieces.w
    ox, oy = reach.origin_m
    region: shapely.Geometry | None = None
    previous = 0.0
    out: dict[float, shapely.Geometry] = {}
    for b in checkpoints:
        if deadline is not None:
            deadline.check("isochrone computation")
        if region is None:
            grown = shapely.Point(ox, oy).buffer(max(b * k, MIN_RADIUS_M), quad_segs=quad_segs)
            completed = t_end <= b
        else:
            grown = shapely.buffer(region, (b - previous) * k, quad_segs=quad_segs)
            completed = (t_end <= b) & (t_end > previous)
        region = _union_into(grown, pieces.polygons(completed, b, quad_segs))
        if b in budgets:
            cut = (pieces.t_u < b) & (t_end > b)
            out[b] = _union_into(region, pieces.polygons(cut, b, quad_segs))
        previous = b
    return [out[b] for b in budgets]


def band_geometry(
    net: ModeNetwork,
    reach: Reach,
    budget_s: float,
    *,
    quad_segs: int = DEFAULT_QUAD_SEGS,
) -> shapely.Geometry:
    """Area reached within `budget_s` seconds (EPSG:2154), from a :class:`Reach`.

    Direct construction: the union of every piece at once (the reference for
    :func:`band_geometries`, which gives the same area faster).
    """
    if budget_s <= 0:
        raise InvalidParameterError("range", f"a time budget must be > 0 s, got {budget_s}")
    pieces = _Pieces(net, reach, budget_s)
    polys = pieces.polygons(np.ones(len(pieces.t_u), dtype=bool), budget_s, quad_segs)
    ox, oy = reach.origin_m
    origin = shapely.Point(ox, oy).buffer(
        max(budget_s * pieces.k, MIN_RADIUS_M), quad_segs=quad_segs
    )
    return shapely.union_all(np.append(polys, np.array([origin], dtype=object)))


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
