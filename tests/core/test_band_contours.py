"""The raster construction of large-network isochrones (``core.band_contours``): its bound.

The model (``core.band_pieces``): reach a network point q at t(q) (linear along each reached
edge), then go straight off-network at the access pace 1/k. Here the travel time T(p) of the
model is computed exactly for sample points (minimum over every piece of a convex function
of the leaving point, in closed form), and the raster bands are checked against it: inside
a band ⇒ T ≤ budget + ε, and T ≤ budget − ε ⇒ inside, with ε the bound each band states.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import shapely

from geoservice.core.band_contours import contoured_bands
from geoservice.core.band_pieces import BandPieces
from geoservice.core.band_polygons import isochrone_bands
from geoservice.core.isochrones import IsochroneLimits, compute_isochrones
from geoservice.core.network import ModeNetwork, NetworkParams, Reach, RoadNetwork
from geoservice.core.snapping import lambert93_from_wgs84, wgs84_from_lambert93

BUDGETS_S = [600.0, 1200.0, 1800.0]


def model_times_s(
    net: ModeNetwork, reach: Reach, budget_s: float, px: np.ndarray, py: np.ndarray
) -> np.ndarray:
    """Exact travel time of the model at points (px, py), EPSG:2154 (inf beyond budget)."""
    pieces = BandPieces(net, reach, budget_s)
    k = pieces.k
    ox, oy = reach.origin_m
    best = np.hypot(px - ox, py - oy) / k
    length = np.hypot(pieces.dx, pieces.dy)
    ok = length > 0
    t_u, w, L = pieces.t_u[ok], pieces.w[ok], length[ok]
    ux, uy = pieces.dx[ok] / L, pieces.dy[ok] / L
    reach_m = np.minimum(L, (budget_s - t_u) / np.where(w > 0, w, 1.0) * L)
    pace = w / L
    for i in range(len(px)):
        ax, ay = px[i] - pieces.x0[ok], py[i] - pieces.y0[ok]
        along = ax * ux + ay * uy
        perp = np.abs(ax * uy - ay * ux)
        ratio = np.minimum(pace * k, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            sigma = np.where(ratio < 1, along - perp * ratio / np.sqrt(1 - ratio**2), 0.0)
        sigma = np.clip(sigma, 0.0, reach_m)
        t = t_u + sigma * pace + np.hypot(along - sigma, perp) / k
        best[i] = min(best[i], float(t.min(initial=np.inf)))
    return best


def check_bound(net: ModeNetwork, x: float, y: float, n_points: int, seed: int) -> float:
    reach = net.reach_from_xy(x, y, limit_s=max(BUDGETS_S))
    bands = contoured_bands(net, reach, BUDGETS_S, cells_across=128)
    rng = np.random.default_rng(seed)
    worst = 0.0
    for band in bands:
        assert band.error_s > 0
        xmin, ymin, xmax, ymax = shapely.bounds(band.geometry)
        px = rng.uniform(xmin - 500, xmax + 500, n_points)
        py = rng.uniform(ymin - 500, ymax + 500, n_points)
        t = model_times_s(net, reach, band.value_s, px, py)
        inside = shapely.contains_xy(band.geometry, px, py)
        assert inside.any()
        assert np.all(t[inside] <= band.value_s + band.error_s), "inside but not reached"
        assert np.all(inside[t <= band.value_s - band.error_s]), "reached but outside"
        worst = max(worst, float(np.max(t[inside] - band.value_s, initial=0.0)) / band.error_s)
    return worst


def grid_network(
    params: NetworkParams, side: int, hole: bool = False, highway: str | None = None
) -> RoadNetwork:
    """GENERATED square street grid around Nevers (200 m blocks; every 5th street secondary,
    or all of class `highway`); with `hole`, the middle third has no streets (a lake)."""
    cx, cy = lambert93_from_wgs84(3.1597, 46.9896)
    G = nx.MultiDiGraph(crs="EPSG:4326", name="GENERATED grid")
    lo, hi = side // 3, 2 * side // 3

    def absent(i: int, j: int) -> bool:
        return hole and lo < i < hi and lo < j < hi

    for i in range(side):
        for j in range(side):
            if absent(i, j):
                continue
            lon, lat = wgs84_from_lambert93(
                float(cx) + (i - side / 2) * 200, float(cy) + (j - side / 2) * 200
            )
            G.add_node(i * side + j, x=float(lon), y=float(lat))
    for i in range(side):
        for j in range(side):
            for di, dj in ((1, 0), (0, 1)):
                a, b = (i, j), (i + di, j + dj)
                if b[0] >= side or b[1] >= side or absent(*a) or absent(*b):
                    continue
                h = "secondary" if (j if di else i) % 5 == 0 else "residential"
                h = highway or h
                u, v = a[0] * side + a[1], b[0] * side + b[1]
                G.add_edge(u, v, length=200.0, highway=h)
                G.add_edge(v, u, length=200.0, highway=h)
    return RoadNetwork(G, params)


@pytest.fixture(scope="module")
def grid_net(network: RoadNetwork) -> RoadNetwork:
    return grid_network(network.params, 40)


@pytest.mark.parametrize("seed", [1, 2])
def test_bound_on_a_generated_grid(grid_net: RoadNetwork, seed: int) -> None:
    net = grid_net.mode("drive")
    rng = np.random.default_rng(seed)
    i = int(rng.integers(net.router.node_count))
    worst = check_bound(net, float(net.x_m[i]) + 37, float(net.y_m[i]) + 23, 400, seed)
    assert worst < 1.0


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_bound_on_the_real_embedded_network(network: RoadNetwork, mode: str) -> None:
    net = network.mode(mode)
    x, y = lambert93_from_wgs84(3.1597, 46.9896)  # Nevers
    check_bound(net, float(x), float(y), 300, 7)


def test_unreached_middle_is_a_hole(network: RoadNetwork) -> None:
    # Motorways (120 km/h) around a 4 km lake, from the middle of its west shore: in 280 s
    # the car goes round (2 × 4 km, 240 s), but the lake's centre is 2 km off-network at
    # 30 km/h ÷ 1.3 (312 s): a hole of the band, which surrounds it.
    side = 60
    p = network.params
    drive = NetworkParams(
        p.source,
        p.max_snap_m,
        p.snap_candidates,
        p.access_detour_factor,
        {"drive": p.modes["drive"]},
    )
    grid = grid_network(drive, side, hole=True, highway="motorway")
    net = grid.mode("drive")
    start = net.router.position[20 * side + 30]
    reach = net.reach_from_xy(float(net.x_m[start]), float(net.y_m[start]), limit_s=280.0)
    (band,) = contoured_bands(net, reach, [280.0], cells_across=200)
    assert band.error_s < 312.0 - 280.0
    centre = net.router.position[20 * side + 30]
    lake = shapely.Point(float(net.x_m[centre]) + 2000, float(net.y_m[centre]))
    assert not band.geometry.contains(lake)
    holes = [shapely.Polygon(r) for p in shapely.get_parts(band.geometry) for r in p.interiors]
    assert any(h.contains(lake) for h in holes)


def test_raster_is_close_to_the_exact_union_and_selected_by_size(network: RoadNetwork) -> None:
    x, y = lambert93_from_wgs84(3.1597, 46.9896)
    net = network.mode("drive")
    exact = isochrone_bands(net, float(x), float(y), BUDGETS_S, construction="exact")
    raster = isochrone_bands(net, float(x), float(y), BUDGETS_S, construction="raster")
    for e, r in zip(exact, raster, strict=True):
        assert e.error_s is None
        assert r.error_s is not None
        iou = shapely.area(shapely.intersection(e.geometry, r.geometry)) / shapely.area(
            shapely.union(e.geometry, r.geometry)
        )
        assert iou > 0.95
    limits = IsochroneLimits(5, 6, 120, "drive", None, raster_min_nodes=1000)
    (feature,) = compute_isochrones(network, [(3.1597, 46.9896)], [1800.0], "drive", limits=limits)
    (band,) = [r for r in raster if r.value_s == 1800.0]
    assert feature.area_km2 == pytest.approx(band.area_km2, rel=1e-6)
    big = IsochroneLimits(5, 6, 120, "drive", None, raster_min_nodes=10**9)
    (feature,) = compute_isochrones(network, [(3.1597, 46.9896)], [1800.0], "drive", limits=big)
    assert feature.area_km2 == pytest.approx(exact[2].area_km2, rel=1e-6)


def test_raster_is_selected_by_the_overlap_of_the_pieces(network: RoadNetwork) -> None:
    """``raster_min_overlap`` switches a small network to the raster when its pieces overlap
    deeply (the measured overlap is the sum of (remaining / budget)² over the pieces)."""
    x, y = lambert93_from_wgs84(3.1597, 46.9896)
    net = network.mode("drive")
    reach = net.reach_from_xy(float(x), float(y), limit_s=1800.0)
    pieces = BandPieces(net, reach, 1800.0)
    overlap = pieces.overlap(1800.0)
    rem = 1800.0 - reach.times_s[net.router.edge_u]
    assert 0 < overlap <= float(np.sum((rem[rem > 0] / 1800.0) ** 2)) + 1e-9
    assert pieces.overlap(900.0) < overlap
    bands = {
        threshold: isochrone_bands(
            net, float(x), float(y), [1800.0], raster_min_overlap=threshold, cells_across=256
        )[0]
        for threshold in (overlap * 0.99, overlap * 1.01)
    }
    assert bands[overlap * 0.99].error_s is not None  # raster
    assert bands[overlap * 1.01].error_s is None  # exact union
    limits = IsochroneLimits(5, 6, 120, "drive", None, 10**9, 256, raster_min_overlap=0.0)
    (feature,) = compute_isochrones(network, [(3.1597, 46.9896)], [1800.0], "drive", limits=limits)
    assert feature.area_km2 == pytest.approx(bands[overlap * 0.99].area_km2, rel=1e-6)
