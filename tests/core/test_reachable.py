"""Reachable-offer ranking on the real Nièvre network and offers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from geoservice.core.band_pieces import MIN_RADIUS_M
from geoservice.core.egress import egress_costs_s
from geoservice.core.isochrones import compute_isochrones
from geoservice.core.network import MODES, RoadNetwork
from geoservice.core.offer_selection import OfferSelection, select_offers
from geoservice.core.reachable import (
    nearest_offer_per_kind,
    offer_travel_times,
    rank_reachable_offers,
    route_to_offer,
)
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.core.snapping import lambert93_from_wgs84, wgs84_from_lambert93
from geoservice.errors import InvalidParameterError, OutsideCoverageError
from geoservice.runtime import Runtime
from tests.core.points import random_points

CLAMECY, LUZY, NEVERS = "58079", "58149", "58194"
#: Coulanges-lès-Nevers: no library of its own, next to Nevers.
COULANGES = "58088"


@pytest.fixture(scope="module")
def commune_xy(runtime: Runtime) -> dict[str, tuple[float, float]]:
    """Representative point of each commune, EPSG:2154 (the API's commune origin)."""
    points = runtime.communes.geometry.to_crs("EPSG:2154").representative_point()
    return {c: (p.x, p.y) for c, p in zip(runtime.communes["code"], points, strict=True)}


# --- dates -----------------------------------------------------------------------------------


# --- the travel model ------------------------------------------------------------------------


def _brute_force_times(
    reachable: ReachableOffers, mode: str, x: float, y: float, limit_s: float
) -> np.ndarray:
    """Every (offer, edge) pair and the direct leg, without the egress-node reduction."""
    net = reachable.network.modes[mode]
    times = net.reach_from_xy(x, y, limit_s=limit_s).times_s
    egress, _ = reachable.tables(mode)
    cost, _ = egress_costs_s(net, egress.x_m, egress.y_m)
    via = (times[net.router.edge_u][None, :] + cost).min(axis=1)
    direct = net.access_time_s(np.hypot(egress.x_m - x, egress.y_m - y))
    best = np.minimum(via, direct)
    return np.where(best <= limit_s, best, np.inf)


@pytest.mark.parametrize("mode", MODES)
def test_egress_nodes_give_the_exact_times(
    runtime: Runtime, reachable: ReachableOffers, mode: str
) -> None:
    limit_s = 7200.0
    reached = 0
    for x, y in random_points(runtime, 8, seed=5):
        fast = offer_travel_times(reachable, mode, x, y, limit_s=limit_s).travel_time_s
        exact = _brute_force_times(reachable, mode, x, y, limit_s)
        assert np.array_equal(np.isfinite(fast), np.isfinite(exact))
        finite = np.isfinite(exact)
        reached += int(finite.sum())
        np.testing.assert_allclose(fast[finite], exact[finite], rtol=0, atol=1e-6)
    assert reached > 20


def test_ranking_agrees_with_the_isochrones(
    runtime: Runtime, network: RoadNetwork, reachable: ReachableOffers
) -> None:
    """An offer ranked within T lies inside the T isochrone, and an offer inside is ranked.

    Both use one model, so they agree up to how the polygon is drawn, both bounded:

    - pieces are hulls of disks drawn as inscribed regular polygons with 4q vertices: a point
      whose time is ≤ T − T·(1 − cos(π/4q)) is inside (the largest disk has radius T·k);
    - disks are at least MIN_RADIUS_M wide and the polygon is served in EPSG:4326 (its
      vertices exactly reprojected, its sides straight in degrees: < 0.01 m off at these
      lengths), so a point inside has a time ≤ T + 2 m / k.

    With q = 16 the first margin is 0.12 % of T. Offers in neither margin must agree exactly.
    """
    quad_segs = 16
    budgets_s = (900.0, 1800.0)
    checked = disagree = inside_total = 0
    for x, y in random_points(runtime, 25, seed=42):
        lon, lat = (float(v) for v in wgs84_from_lambert93(x, y))
        for mode in MODES:
            net = network.modes[mode]
            k = net.access_speed_mps / net.access_detour_factor
            try:
                bands = compute_isochrones(network, [(lon, lat)], budgets_s, mode, quad_segs=16)
            except OutsideCoverageError:
                continue
            times = offer_travel_times(reachable, mode, x, y, limit_s=max(budgets_s))
            ids = times.egress.offer_ids
            points = reachable.offers.geometry
            for band in bands:
                budget = band.value_s
                ranked = rank_reachable_offers(reachable, mode, (x, y), max_minutes=budget / 60)
                ranked_ids = set(ids[ranked.rows])
                inside = shapely.contains_xy(band.geometry, points.x, points.y)
                inside_total += int(inside.sum())
                outside_margin = budget * (1 - np.cos(np.pi / (4 * quad_segs)))
                inside_margin = (MIN_RADIUS_M + 1.0) / k
                for i, offer_id in enumerate(ids):
                    t = times.travel_time_s[i]
                    checked += 1
                    if inside[i]:
                        assert t <= budget + inside_margin, (mode, offer_id, t, budget)
                    elif t <= budget - outside_margin:
                        pytest.fail(f"{mode}: {offer_id} at {t:.1f} s is outside {budget} s")
                    ranked_here = t <= budget
                    assert (offer_id in ranked_ids) == ranked_here
                    if ranked_here != bool(inside[i]):
                        disagree += 1
    assert checked > 10_000
    assert inside_total > 500  # the polygons do hold offers: the check is not vacuous
    # Disagreements are only offers within the drawing margins: very few.
    assert disagree <= checked * 0.002


# --- ranking ---------------------------------------------------------------------------------


def test_ranking_is_sorted_with_ties_broken_by_offer_id(
    reachable: ReachableOffers, commune_xy: dict[str, tuple[float, float]]
) -> None:
    ranked = rank_reachable_offers(reachable, "drive", commune_xy[NEVERS], max_minutes=60)
    assert ranked.total == len(ranked.rows) > 20
    ids = reachable.offers["offer_id"].to_numpy()[ranked.rows]
    keys = [(r.travel_time_s, i) for r, i in zip(ranked.routes, ids, strict=True)]
    assert keys == sorted(keys)
    # Offers at one point (two museums of Château-Chinon share theirs) tie: by id.
    times = pd.Series([r.travel_time_s for r in ranked.routes], index=ids)
    tied = times[times.duplicated(keep=False)]
    assert len(tied) >= 2
    for _, group in tied.groupby(tied):
        positions = [list(ids).index(i) for i in group.index]
        assert list(ids[sorted(positions)]) == sorted(group.index)
    again = rank_reachable_offers(reachable, "drive", commune_xy[NEVERS], max_minutes=60)
    assert np.array_equal(again.rows, ranked.rows)


def test_routes_add_up(
    reachable: ReachableOffers, commune_xy: dict[str, tuple[float, float]]
) -> None:
    origin = commune_xy[CLAMECY]
    ranked = rank_reachable_offers(
        reachable, "drive", origin, max_minutes=45, limit=15, with_geometry=True
    )
    assert len(ranked.rows) == 15
    frame = ranked.to_frame(reachable.offers)
    times = offer_travel_times(reachable, "drive", *origin, limit_s=45 * 60)
    for row, route in zip(ranked.rows, ranked.routes, strict=True):
        assert route.travel_time_s == pytest.approx(times.travel_time_s[row], abs=1e-6)
        legs = route.access_s + route.network_s + route.egress_s
        assert legs == pytest.approx(route.travel_time_s, abs=1e-6)
        ox, oy = origin
        px, py = times.egress.x_m[row], times.egress.y_m[row]
        assert route.distance_m >= np.hypot(px - ox, py - oy) - 1e-6
        assert route.geometry is not None
        line_x, line_y = lambert93_from_wgs84(*np.asarray(route.geometry.coords).T)
        assert np.hypot(line_x[0] - ox, line_y[0] - oy) < 0.01  # starts at the origin
        assert np.hypot(line_x[-1] - px, line_y[-1] - py) < 0.01  # ends at the offer
        chord_m = float(np.sum(np.hypot(np.diff(line_x), np.diff(line_y))))
        assert chord_m <= route.distance_m + 1e-6  # lengths include detour factors ≥ 1
        if route.network_s > 0:
            assert route.route_refs
    assert list(frame.columns[-7:]) == [
        "travel_time_s",
        "distance_m",
        "access_s",
        "network_s",
        "egress_s",
        "route_refs",
        "path",
    ]


def test_nothing_reachable_is_an_empty_ranking(
    reachable: ReachableOffers, commune_xy: dict[str, tuple[float, float]]
) -> None:
    cinemas = select_offers(reachable.offers, OfferSelection(categories=("cinema",)))
    ranked = rank_reachable_offers(
        reachable, "walk", commune_xy[COULANGES], max_minutes=1, mask=cinemas
    )
    assert ranked.total == 0
    assert len(ranked.rows) == 0
    with pytest.raises(InvalidParameterError):
        rank_reachable_offers(reachable, "walk", commune_xy[COULANGES], max_minutes=0)
    with pytest.raises(OutsideCoverageError):
        rank_reachable_offers(reachable, "drive", (400_000.0, 6_400_000.0), max_minutes=30)


# --- real geography --------------------------------------------------------------------------


def _first_cinema(reachable: ReachableOffers, origin: tuple[float, float], mode: str) -> str:
    cinemas = select_offers(reachable.offers, OfferSelection(categories=("cinema",)))
    ranked = rank_reachable_offers(reachable, mode, origin, max_minutes=60, mask=cinemas)
    return str(reachable.offers["commune_code"].iloc[ranked.rows[0]])


def test_from_clamecy_by_car_the_first_cinema_is_in_clamecy(
    reachable: ReachableOffers, commune_xy: dict[str, tuple[float, float]]
) -> None:
    assert _first_cinema(reachable, commune_xy[CLAMECY], "drive") == CLAMECY


@pytest.mark.parametrize("mode", MODES)
def test_from_luzy_the_nearest_cinema_is_in_luzy(
    reachable: ReachableOffers, commune_xy: dict[str, tuple[float, float]], mode: str
) -> None:
    nearest = nearest_offer_per_kind(
        reachable, mode, commune_xy[LUZY], themes=(), categories=("cinema",)
    )
    assert nearest[0].commune_code == LUZY
    assert _first_cinema(reachable, commune_xy[LUZY], mode) == LUZY


def test_a_commune_without_library_reaches_one_next_door(
    runtime: Runtime, reachable: ReachableOffers, commune_xy: dict[str, tuple[float, float]]
) -> None:
    libraries = runtime.offers[runtime.offers["category"] == "library"]
    assert COULANGES not in set(libraries["commune_code"])
    polygons = runtime.communes.set_index("code").geometry
    (nearest,) = nearest_offer_per_kind(
        reachable, "drive", commune_xy[COULANGES], themes=(), categories=("library",)
    )
    assert nearest.commune_code is not None
    assert nearest.travel_time_s is not None
    assert nearest.commune_code != COULANGES
    assert polygons[COULANGES].touches(polygons[nearest.commune_code])  # a neighbour
    # Plausible: not faster than 90 km/h crow-flies, not slower than 20 km/h.
    row = int(np.flatnonzero(reachable.offers["offer_id"] == nearest.offer_id)[0])
    ox, oy = commune_xy[COULANGES]
    px, py = lambert93_from_wgs84(
        reachable.offers.geometry.x.iloc[row], reachable.offers.geometry.y.iloc[row]
    )
    crow_m = float(np.hypot(px - ox, py - oy))
    assert crow_m / (90 / 3.6) <= nearest.travel_time_s <= crow_m / (20 / 3.6)
    assert nearest.travel_time_s < 15 * 60


def test_most_communes_without_library_reach_one_in_a_neighbour(
    runtime: Runtime, reachable: ReachableOffers, commune_xy: dict[str, tuple[float, float]]
) -> None:
    with_library = set(runtime.offers.loc[runtime.offers["category"] == "library", "commune_code"])
    polygons = runtime.communes.set_index("code").geometry
    without = [c for c in runtime.communes["code"] if c not in with_library]
    assert len(without) > 100
    neighbour = 0
    for code in without:
        (nearest,) = nearest_offer_per_kind(
            reachable, "drive", commune_xy[code], themes=(), categories=("library",)
        )
        assert nearest.travel_time_s is not None
        assert nearest.travel_time_s < 30 * 60
        neighbour += bool(polygons[code].touches(polygons[nearest.commune_code]))
    assert neighbour / len(without) > 0.75


# --- nearest of each kind --------------------------------------------------------------------


def test_nearest_of_each_kind_is_the_first_of_its_ranking(
    runtime: Runtime, reachable: ReachableOffers, commune_xy: dict[str, tuple[float, float]]
) -> None:
    vocabulary = runtime.settings.get("themes.vocabulary")
    origin = commune_xy[CLAMECY]
    nearest = nearest_offer_per_kind(
        reachable,
        "bike",
        origin,
        themes=vocabulary,
        categories=("museum", "cinema", "library", "festival"),
    )
    assert [n.value for n in nearest] == [*vocabulary, "museum", "cinema", "library", "festival"]
    offers = reachable.offers
    for n in nearest:
        if n.kind == "theme":
            mask = offers["themes"].map(lambda ts, v=n.value: v in ts).to_numpy()
        else:
            mask = select_offers(offers, OfferSelection(categories=(n.value,)))
        ranked = rank_reachable_offers(reachable, "bike", origin, max_minutes=600, mask=mask)
        if not mask.any():
            assert n.offer_id is None
            continue
        assert n.offer_id == offers["offer_id"].iloc[ranked.rows[0]]
        assert n.travel_time_s == pytest.approx(ranked.routes[0].travel_time_s, abs=1e-6)


@pytest.mark.parametrize("mode", MODES)
def test_nearest_table_matches_a_search_per_request(
    runtime: Runtime, reachable: ReachableOffers, mode: str
) -> None:
    """The precomputed reverse tables give what one forward search per origin gives."""
    themes = tuple(runtime.settings.get("themes.vocabulary"))
    categories = ("museum", "cinema", "library", "festival")
    members = reachable.members(themes, categories)
    found = 0
    for x, y in random_points(runtime, 15, seed=9):
        nearest = nearest_offer_per_kind(
            reachable, mode, (x, y), themes=themes, categories=categories
        )
        times = offer_travel_times(reachable, mode, x, y).travel_time_s
        for n, member in zip(nearest, members, strict=True):
            candidates = np.where(member, times, np.inf)
            if not np.isfinite(candidates).any():
                assert n.offer_id is None
                continue
            found += 1
            assert n.travel_time_s == pytest.approx(candidates.min(), abs=1e-6)
            best = np.flatnonzero(candidates <= candidates.min() + 1e-6)
            assert n.offer_id in set(reachable.offers["offer_id"].iloc[best])
    assert found > 100


def test_predecessors_rebuild_the_fastest_paths(
    network: RoadNetwork, commune_xy: dict[str, tuple[float, float]]
) -> None:
    net = network.modes["drive"]
    snap = net.index.snap(*commune_xy[LUZY], 4)
    starts = net.access_time_s(snap.distances_m)
    times, pred = net.router.travel_times_and_predecessors(snap.positions, starts, limit_s=1800)
    assert np.array_equal(times, net.router.travel_times(snap.positions, starts, limit_s=1800))
    r = net.router
    weights = {(u, v): w for u, v, w in zip(r.edge_u, r.edge_v, r.edge_weight, strict=True)}
    reached = np.flatnonzero(np.isfinite(times))
    assert len(reached) > 50
    for v in reached:
        u = pred[v]
        if u < 0:
            assert v in set(snap.positions.tolist())
        else:
            assert times[v] == pytest.approx(times[u] + weights[(u, v)], abs=1e-6)


def test_a_route_leaving_mid_edge(
    reachable: ReachableOffers, commune_xy: dict[str, tuple[float, float]]
) -> None:
    """Offers often leave the network between two junctions: s strictly inside (0, 1)."""
    times = offer_travel_times(reachable, "drive", *commune_xy[NEVERS], limit_s=3600)
    fractions = []
    for i in np.flatnonzero(times.edge >= 0)[:60]:
        route = route_to_offer(times, int(i))
        assert route.travel_time_s == pytest.approx(times.travel_time_s[i], abs=1e-6)
        e = int(times.edge[i])
        _, s = egress_costs_s(
            times.net,
            times.egress.x_m[[times.rows[i]]],
            times.egress.y_m[[times.rows[i]]],
            np.array([e]),
            pairwise=True,
        )
        fractions.append(float(s[0]))
    assert any(0 < f < 1 for f in fractions)
