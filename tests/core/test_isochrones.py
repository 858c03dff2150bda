"""Isochrone polygons on the real Nièvre network."""

from __future__ import annotations

import itertools
import tomllib
from datetime import date

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geoservice.core.band_cover import culled, flat_hull_rings, piece_cover, ring_templates
from geoservice.core.band_pieces import (
    DEFAULT_QUAD_SEGS,
    BandPieces,
    Ends,
    band_ends,
    band_segments,
    drawn_pieces,
    hull_rings,
)
from geoservice.core.band_polygons import (
    DEFAULT_CELLS,
    band_geometries,
    band_geometry,
    covered_boxes,
    cull_grid,
    culled_union,
    inside_first_disk,
    isochrone_bands,
)
from geoservice.core.isochrones import IsochroneFeature, IsochroneLimits, compute_isochrones
from geoservice.core.network import ModeNetwork, Reach, RoadNetwork
from geoservice.core.population import PopulationIndex
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.core.timetable import Timetable
from geoservice.core.transit_isochrones import TransitDeparture
from geoservice.errors import DataError, InvalidParameterError, LimitExceededError
from geoservice.settings import Settings

BUDGETS_S = (900.0, 1800.0, 2700.0)


def _xy(lonlat: tuple[float, float]) -> tuple[float, float]:
    x, y = lambert93_from_wgs84(*lonlat)
    return float(x), float(y)


def test_nevers_30_minutes_by_car(network: RoadNetwork, commune_points: dict) -> None:
    features = compute_isochrones(network, [commune_points["Nevers"]], [1800.0], "drive")
    band = features[0].geometry  # EPSG:4326
    for name in ("Imphy", "Fourchambault", "Pougues-les-Eaux"):
        assert band.contains(shapely.Point(commune_points[name])), name
    for name in ("Château-Chinon (Ville)", "Clamecy"):
        assert not band.contains(shapely.Point(commune_points[name])), name


def test_nevers_to_chateau_chinon_by_car(network: RoadNetwork, commune_points: dict) -> None:
    drive = network.modes["drive"]
    reach = drive.reach_from_xy(*_xy(commune_points["Nevers"]))
    time_s = drive.travel_time_to_xy(reach, *_xy(commune_points["Château-Chinon (Ville)"]))
    assert 45 * 60 <= time_s <= 75 * 60


@pytest.mark.parametrize("origin", ["Nevers", "Clamecy", "Luzy"])
def test_bands_are_nested_and_walk_inside_drive(
    network: RoadNetwork, commune_points: dict, origin: str
) -> None:
    xy = _xy(commune_points[origin])
    bands = {
        m: isochrone_bands(network.modes[m], *xy, BUDGETS_S) for m in ("drive", "bike", "walk")
    }
    for mode, mode_bands in bands.items():
        assert [b.value_s for b in mode_bands] == list(BUDGETS_S)
        for small, large in itertools.pairwise(mode_bands):
            assert small.geometry.difference(large.geometry).area < 1.0, mode  # m²
            assert large.area_km2 > small.area_km2
    for slow, fast in (("walk", "bike"), ("bike", "drive"), ("walk", "drive")):
        for a, b in zip(bands[slow], bands[fast], strict=True):
            assert a.geometry.difference(b.geometry).area < 1.0, (slow, fast, a.value_s)
            assert b.area_km2 > a.area_km2


def _model_time_s(net: ModeNetwork, reach: Reach, budget_s: float, px: float, py: float) -> float:
    """Exact earliest arrival at (px, py) under the isochrone model, computed independently.

    Along a directed edge u → v the traveller is at p(s) at t_u + s·w and may leave the
    network to go straight at speed k; f(s) = t_u + s·w + |P − p(s)|/k is convex in s, and its
    minimum on [0, 1] has a closed form.
    """
    k = net.access_speed_mps / net.access_detour_factor
    r = net.router
    t_u = reach.times_s[r.edge_u]
    live = t_u < budget_s
    ux, uy = net.x_m[r.edge_u[live]], net.y_m[r.edge_u[live]]
    dx, dy = net.x_m[r.edge_v[live]] - ux, net.y_m[r.edge_v[live]] - uy
    w, t0 = r.edge_weight[live], t_u[live]
    length = np.hypot(dx, dy)
    safe = np.where(length > 0, length, 1.0)
    s0 = ((px - ux) * dx + (py - uy) * dy) / safe**2  # projection parameter
    h = np.abs((px - ux) * dy - (py - uy) * dx) / safe  # distance to the line
    c = 1.0 / k
    slope = c * length  # seconds per unit of s when moving straight along the edge
    with np.errstate(divide="ignore", invalid="ignore"):
        s_opt = np.where(slope > w, s0 - (w * h / length) / np.sqrt(slope**2 - w**2), 0.0)
    # The traveller cannot go past the point reached at the budget.
    s_max = np.where(w > 0, np.minimum(1.0, (budget_s - t0) / np.where(w > 0, w, 1.0)), 1.0)
    s = np.clip(np.nan_to_num(s_opt), 0.0, s_max)
    qx, qy = ux + s * dx, uy + s * dy
    via_edges = t0 + s * w + np.hypot(px - qx, py - qy) * c
    direct = np.hypot(px - reach.origin_m[0], py - reach.origin_m[1]) * c
    return float(min(via_edges.min(initial=np.inf), direct))


@pytest.mark.parametrize(("mode", "budget_s"), [("drive", 1800.0), ("walk", 2700.0)])
def test_sampled_points_are_reached_within_the_budget(
    network: RoadNetwork, commune_points: dict, mode: str, budget_s: float
) -> None:
    net = network.modes[mode]
    reach = net.reach_from_xy(*_xy(commune_points["Nevers"]), limit_s=budget_s)
    polygon = band_geometries(net, reach, [budget_s])[0]
    rng = np.random.default_rng(4)
    minx, miny, maxx, maxy = polygon.bounds
    xs = rng.uniform(minx, maxx, 600)
    ys = rng.uniform(miny, maxy, 600)
    inside = shapely.contains_xy(polygon, xs, ys)
    assert 50 < inside.sum() < 600
    # Inside: every point is reached within the budget. Tolerance 1 s (float rounding only:
    # the drawn disks are inscribed polygons, so the polygon never exceeds the model).
    for x, y in zip(xs[inside], ys[inside], strict=True):
        assert _model_time_s(net, reach, budget_s, x, y) <= budget_s + 1.0
    # Outside: no reachable pocket is missing, up to the inscribed-polygon gap of the largest
    # disk, r·(1 − cos(π / 4q)), converted to seconds off-network.
    k = net.access_speed_mps / net.access_detour_factor
    gap_s = budget_s * (1 - np.cos(np.pi / (4 * DEFAULT_QUAD_SEGS))) + 1.0
    for x, y in zip(xs[~inside], ys[~inside], strict=True):
        assert _model_time_s(net, reach, budget_s, x, y) >= budget_s - gap_s
    assert k > 0


def test_sampled_points_route_back_within_the_budget(
    network: RoadNetwork, commune_points: dict
) -> None:
    """Snapping sampled points to their nearest nodes and routing gives ≤ budget + tolerance.

    The polygon lets a traveller leave an edge anywhere, while a snapped point joins at a node:
    the difference is at most going from the leaving point back to the edge's start node and
    on off-network, ≤ 2 × edge length / k (k = off-network speed). The tolerance is that bound
    for the longest edge used by the band.
    """
    net = network.modes["drive"]
    budget_s = 1800.0
    reach = net.reach_from_xy(*_xy(commune_points["Nevers"]), limit_s=budget_s)
    polygon = band_geometries(net, reach, [budget_s])[0]
    k = net.access_speed_mps / net.access_detour_factor
    r = net.router
    used = reach.times_s[r.edge_u] < budget_s
    length = np.hypot(net.x_m[r.edge_v] - net.x_m[r.edge_u], net.y_m[r.edge_v] - net.y_m[r.edge_u])
    tolerance_s = float(np.max(2 * length[used] / k))
    (shapely.sample_points(polygon, 80, rng=7) if hasattr(shapely, "sample_points") else None)
    rng = np.random.default_rng(11)
    minx, miny, maxx, maxy = polygon.bounds
    xs, ys = rng.uniform(minx, maxx, 400), rng.uniform(miny, maxy, 400)
    keep = shapely.contains_xy(polygon, xs, ys)
    times = [net.travel_time_to_xy(reach, x, y) for x, y in zip(xs[keep], ys[keep], strict=True)]
    assert len(times) > 30
    assert max(times) <= budget_s + tolerance_s
    # Most points are within the budget itself, not only within the tolerance.
    assert np.mean(np.array(times) <= budget_s) > 0.8


def test_several_origins_and_properties(network: RoadNetwork, commune_points: dict) -> None:
    origins = [commune_points["Nevers"], commune_points["Cosne-Cours-sur-Loire"]]
    features = compute_isochrones(network, origins, [600.0, 1200.0], "bike")
    assert [(f.group_index, f.value_s) for f in features] == [
        (0, 600.0),
        (0, 1200.0),
        (1, 600.0),
        (1, 1200.0),
    ]
    for f in features:
        assert f.mode == "bike"
        assert f.center == origins[f.group_index]
        assert f.geometry.is_valid
        assert f.geometry.contains(shapely.Point(f.center))
        assert f.area_km2 > 0
        assert f.population is None  # no commune table given


def test_population_by_commune_area_share(
    network: RoadNetwork, communes_with_population: gpd.GeoDataFrame, commune_points: dict
) -> None:
    index = PopulationIndex(communes_with_population)
    assert index.total == 201_417  # SOURCES.md §2
    everything = shapely.box(0, 6_000_000, 1_300_000, 7_200_000)  # all of France, EPSG:2154
    assert index.population_within(everything) == pytest.approx(201_417)
    nevers = communes_with_population.to_crs("EPSG:2154").set_index("name").geometry["Nevers"]
    nevers_pop = float(communes_with_population.set_index("name")["population"]["Nevers"])
    assert index.population_within(nevers) == pytest.approx(nevers_pop, rel=1e-3)
    west_half = shapely.box(0, 0, nevers.centroid.x, 8_000_000).intersection(nevers)
    share = west_half.area / nevers.area
    assert index.population_within(west_half) == pytest.approx(nevers_pop * share, rel=1e-3)
    features = compute_isochrones(
        network, [commune_points["Nevers"]], [900.0, 1800.0], "drive", population=index
    )
    pops = [f.population for f in features]
    assert pops[0] is not None
    assert pops[1] is not None
    assert nevers_pop < pops[0] < pops[1] < 201_417


def _random_origins_xy(net: ModeNetwork, n: int, seed: int) -> list[tuple[float, float]]:
    """Random points near random nodes of `net` (EPSG:2154), inside its coverage."""
    rng = np.random.default_rng(seed)
    nodes = rng.choice(len(net.x_m), size=n, replace=False)
    offsets = rng.uniform(-800.0, 800.0, size=(n, 2))
    return [
        (float(net.x_m[i] + dx), float(net.y_m[i] + dy))
        for i, (dx, dy) in zip(nodes, offsets, strict=True)
    ]


@pytest.mark.parametrize("mode", ["drive", "bike", "walk"])
def test_culled_construction_equals_the_reference_union(network: RoadNetwork, mode: str) -> None:
    """band_geometries (pieces deep inside a grid-built polygon not unioned) = band_geometry
    (one union of every drawn piece), for random origins: the same point set, up to float
    rounding in GEOS."""
    net = network.modes[mode]
    budgets = [900.0, 2700.0] if mode == "drive" else [1800.0, 3600.0]
    culled_some = False
    for x, y in _random_origins_xy(net, 5, seed={"drive": 1, "bike": 2, "walk": 3}[mode]):
        reach = net.reach_from_xy(x, y, limit_s=max(budgets))
        for budget, fast in zip(budgets, band_geometries(net, reach, budgets), strict=True):
            reference = band_geometry(net, reach, budget)
            assert fast.is_valid
            assert fast.symmetric_difference(reference).area <= 1e-9 * reference.area + 1e-3
            assert shapely.hausdorff_distance(fast, reference) < 1e-3  # m
            assert shapely.get_num_interior_rings(shapely.get_parts(fast)).sum() == (
                shapely.get_num_interior_rings(shapely.get_parts(reference)).sum()
            )
    # The check is not vacuous: on the drive network the culling does drop pieces.
    if mode == "drive":
        pieces = BandPieces(net, reach, budgets[-1])
        ends = band_ends(pieces, reach, budgets[-1])
        polygons = _hull_pieces(*ends, DEFAULT_QUAD_SEGS)
        filler = _filler(ends, DEFAULT_QUAD_SEGS, DEFAULT_CELLS)
        culled_some = bool(shapely.contains(filler, polygons).sum() > len(polygons) // 4)
        assert culled_some
        # The compiled test drops only pieces the cells hold, and most of those.
        segs = band_segments(ends, DEFAULT_QUAD_SEGS)
        coords, offsets = flat_hull_rings(ends, segs, ring_templates(DEFAULT_QUAD_SEGS))
        grid = cull_grid(ends, DEFAULT_CELLS)
        dropped = culled(ends, piece_cover(coords, offsets, *ends[:3], grid), grid)
        held = shapely.contains(filler, drawn_pieces(ends, DEFAULT_QUAD_SEGS))
        assert not np.any(dropped & ~held)
        assert dropped.sum() > 0.8 * held.sum()


def _hull_pieces(
    x0: np.ndarray,
    y0: np.ndarray,
    r0: np.ndarray,
    x1: np.ndarray,
    y1: np.ndarray,
    r1: np.ndarray,
    quad_segs: int,
) -> np.ndarray:
    """The pieces of ``hull_rings`` (all with `quad_segs`) as shapely polygons."""
    coords, counts = hull_rings(x0, y0, r0, x1, y1, r1, quad_segs)
    rings = shapely.linearrings(coords, indices=np.repeat(np.arange(len(x0)), counts))
    return np.asarray(shapely.polygons(rings), dtype=object)


def _filler(ends: Ends, quad_segs: int, cells: int) -> shapely.Geometry:
    """The covered cells of the culling grid as one polygon."""
    segs = band_segments(ends, quad_segs)
    coords, offsets = flat_hull_rings(ends, segs, ring_templates(quad_segs))
    grid = cull_grid(ends, cells)
    covered = piece_cover(coords, offsets, *ends[:3], grid)
    assert covered.any()
    return shapely.union_all(shapely.box(*covered_boxes(covered, grid)))


def test_pieces_are_the_hulls_of_the_drawn_disks() -> None:
    """Each piece is exactly conv(P0 ∪ P1) of the two inscribed 4q-gons."""
    rng = np.random.default_rng(5)
    n = 300
    x0, y0, x1, y1 = rng.uniform(-2000.0, 2000.0, size=(4, n))
    r0, r1 = rng.uniform(1.0, 3000.0, size=(2, n))
    r1[:20] = r0[:20]  # equal radii
    x1[:10], y1[:10] = x0[:10], y0[:10]  # one centre
    for q in (3, 16):
        pieces = _hull_pieces(x0, y0, r0, x1, y1, r1, q)
        angles = np.linspace(0.0, 2 * np.pi, 4 * q, endpoint=False)
        disks = [
            shapely.polygons(
                np.stack(
                    [
                        x[:, None] + r[:, None] * np.cos(angles),
                        y[:, None] + r[:, None] * np.sin(angles),
                    ],
                    axis=2,
                )
            )
            for x, y, r in ((x0, y0, r0), (x1, y1, r1))
        ]
        hulls = shapely.convex_hull(shapely.union(*disks))
        assert shapely.is_valid(pieces).all()
        assert np.all(shapely.area(shapely.symmetric_difference(pieces, hulls)) < 1e-6)


def test_filler_lies_inside_the_drawn_pieces() -> None:
    """Every cell of the culling polygon lies inside one of the drawn pieces, and the
    rasterised pieces cover most of their union."""
    rng = np.random.default_rng(6)
    x0, y0 = rng.uniform(0.0, 20_000.0, size=(2, 80))
    x1, y1 = x0 + rng.uniform(-3000.0, 3000.0, 80), y0 + rng.uniform(-3000.0, 3000.0, 80)
    r0 = rng.uniform(100.0, 6000.0, size=80)
    r1 = r0 * rng.uniform(0.2, 1.0, size=80)
    ends = (x0, y0, r0, x1, y1, r1)
    for q in (3, 8):
        filler = _filler(ends, q, 64)
        pieces = shapely.union_all(drawn_pieces(ends, q))
        assert filler.difference(pieces).area < 1e-6
        assert filler.area > 0.6 * pieces.area


def test_flat_rings_are_the_numpy_rings() -> None:
    """The compiled rings are hull_rings' vertices, bit for bit, piece by piece."""
    rng = np.random.default_rng(7)
    n = 200
    x0, y0, x1, y1 = rng.uniform(-2000.0, 2000.0, size=(4, n))
    r0, r1 = rng.uniform(1.0, 3000.0, size=(2, n))
    r1[:20] = r0[:20]
    x1[:10], y1[:10] = x0[:10], y0[:10]
    segs = rng.integers(1, 4, size=n)
    coords, offsets = flat_hull_rings((x0, y0, r0, x1, y1, r1), segs, ring_templates(3))
    for q in (1, 2, 3):
        m = np.flatnonzero(segs == q)
        ref, counts = hull_rings(x0[m], y0[m], r0[m], x1[m], y1[m], r1[m], q)
        mine = np.concatenate([coords[offsets[i] : offsets[i + 1]] for i in m])
        assert np.array_equal(np.diff(offsets)[m], counts)
        assert np.array_equal(mine, ref)


def test_pieces_inside_the_origin_disk_are_not_drawn_and_change_nothing() -> None:
    """A piece whose end disks lie inside the circle inscribed in the origin's drawn disk is
    left out of the union (the walk bands' ≈ 15 %); one reaching past it, or lying on its
    edge, is drawn; the union is the GEOS union of every piece."""
    rng = np.random.default_rng(4)
    n = 300
    angle, dist = rng.uniform(0, 2 * np.pi, n), rng.uniform(0, 3_500, n)
    x0, y0 = dist * np.cos(angle), dist * np.sin(angle)
    x1, y1 = x0 + rng.normal(0, 400, n), y0 + rng.normal(0, 400, n)
    r0, r1 = rng.uniform(1, 900, n), rng.uniform(1, 900, n)
    radius = 3_000.0
    x0[:2], y0[:2], x1[:2], y1[:2], r0[:2], r1[:2] = 0.0, 0.0, 0.0, 0.0, radius, radius
    inner = radius * np.cos(np.pi / 12)
    x0[1], y0[1], x1[1], y1[1], r1[1] = inner - 100, 0.0, inner - 100, 0.0, 100.0  # tangent
    r0[1] = 100.0
    ends = (x0, y0, r0, x1, y1, r1)
    segs = band_segments(ends, DEFAULT_QUAD_SEGS)
    inside = inside_first_disk(ends, segs)
    reach0 = np.hypot(x0, y0) + r0 <= inner * (1 - 1e-9)
    reach1 = np.hypot(x1, y1) + r1 <= inner * (1 - 1e-9)
    assert np.array_equal(inside[2:], (reach0 & reach1)[2:])
    assert not inside[0]
    assert not inside[1]  # on the inscribed circle: kept
    assert 0.1 < inside.mean() < 0.9
    fast = culled_union(ends, DEFAULT_QUAD_SEGS)
    reference = shapely.union_all(drawn_pieces(ends, DEFAULT_QUAD_SEGS))
    assert fast.symmetric_difference(reference).area <= 1e-9 * reference.area
    # Not a disk first: nothing is left out.
    moved = (x0, y0, r0, x1 + np.r_[1.0, np.zeros(n - 1)], y1, r1)
    assert not inside_first_disk(moved, segs).any()


def test_union_of_parts_with_holes_equals_the_reference() -> None:
    """Two separate rings of pieces (each enclosing a hole), far apart: the Clipper2 union
    gives two polygons with one hole each, the same point set as a GEOS union."""
    angles = np.linspace(0.0, 2 * np.pi, 24, endpoint=False)
    x0, y0, x1, y1 = [], [], [], []
    for cx in (0.0, 50_000.0):
        x0 += list(cx + 5000 * np.cos(angles))
        y0 += list(5000 * np.sin(angles))
        x1 += list(cx + 5000 * np.cos(angles + 2 * np.pi / 24))
        y1 += list(5000 * np.sin(angles + 2 * np.pi / 24))
    r = np.full(len(x0), 400.0)
    ends = (np.array(x0), np.array(y0), r, np.array(x1), np.array(y1), r * 0.9)
    fast = culled_union(ends, DEFAULT_QUAD_SEGS)
    reference = shapely.union_all(_hull_pieces(*ends, DEFAULT_QUAD_SEGS))
    assert fast.is_valid
    assert fast.geom_type == "MultiPolygon"
    assert len(fast.geoms) == 2
    assert [len(p.interiors) for p in fast.geoms] == [1, 1]
    assert fast.symmetric_difference(reference).area <= 1e-9 * reference.area


def test_limits_are_read_from_config_limits_toml_only(settings: Settings) -> None:
    raw = tomllib.loads((settings.root / "config" / "limits.toml").read_text(encoding="utf-8"))
    limits = IsochroneLimits.from_sections(
        settings.section("isochrones"), settings.section("limits")
    )
    assert limits.max_locations == raw["isochrones"]["max_locations"]
    assert limits.max_bands == raw["isochrones"]["max_bands"]
    assert limits.max_minutes == raw["isochrones"]["max_minutes"]
    assert limits.compute_timeout_s == raw["limits"]["compute_timeout_s"]
    # No value is guessed when a key is missing.
    partial = {k: v for k, v in raw["isochrones"].items() if k != "max_bands"}
    with pytest.raises(DataError, match="max_bands"):
        IsochroneLimits.from_sections(partial, raw["limits"])
    with pytest.raises(DataError, match="compute_timeout_s"):
        IsochroneLimits.from_sections(raw["isochrones"], {})


def test_one_limit_check_for_every_mode(network: RoadNetwork) -> None:
    limits = IsochroneLimits(
        max_locations=1, max_bands=2, max_minutes=30, default_mode="drive", compute_timeout_s=None
    )
    nevers = (3.1597, 46.9896)
    for locations, budgets, field in (
        ([nevers, nevers], [600.0], "locations"),
        ([nevers], [300.0, 600.0, 900.0], "budgets_s"),
        ([nevers], [3600.0], "budgets_s"),
    ):
        with pytest.raises(LimitExceededError) as e:
            compute_isochrones(network, locations, budgets, "walk", limits=limits)
        assert e.value.field == field


def test_transit_and_road_bands_are_the_same_feature(
    network: RoadNetwork, timetable: Timetable, communes_with_population: gpd.GeoDataFrame
) -> None:
    """mode transit goes through the same builder: same feature type, population step."""
    i = timetable.stops_of_station("ter:StopArea:OCE87696005")[0]  # Nevers station
    origin = (float(timetable.stop_lon[i]), float(timetable.stop_lat[i]))
    population = PopulationIndex(communes_with_population)
    departure = TransitDeparture(timetable, date(2025, 2, 4), 8 * 3600)
    transit = compute_isochrones(
        network, [origin], [3600.0], "transit", transit=departure, population=population
    )
    walk = compute_isochrones(network, [origin], [3600.0], "walk", population=population)
    assert [type(f) for f in transit] == [IsochroneFeature] == [type(f) for f in walk]
    t, w = transit[0], walk[0]
    assert (t.mode, t.access_mode, w.access_mode) == ("transit", "walk", None)
    assert t.population is not None
    assert w.population is not None
    # The train to La Charité (24 min) carries the walker further than walking alone.
    assert t.area_km2 > w.area_km2 + 5
    assert t.population > w.population
    with pytest.raises(InvalidParameterError, match="departure"):
        compute_isochrones(network, [origin], [3600.0], "transit")
    with pytest.raises(InvalidParameterError, match="departure"):
        compute_isochrones(network, [origin], [3600.0], "walk", transit=departure)
    with pytest.raises(InvalidParameterError, match="statistic"):
        TransitDeparture(timetable, date(2025, 2, 4), 8 * 3600, statistic="mean")
    with pytest.raises(LimitExceededError, match="window_minutes"):
        TransitDeparture(timetable, date(2025, 2, 4), 8 * 3600, window_minutes=10_000)
