"""Road and transit matrices on the real Nièvre network, offers and timetable."""

from __future__ import annotations

from datetime import date

import networkx as nx
import numpy as np
import pytest

from geoservice.analytics.od_matrix import targets_from_xy
from geoservice.core.matrix import road_matrix
from geoservice.core.network import RoadNetwork, network_params_from_config
from geoservice.core.reachable import (
    egress_costs_s,
    offer_travel_times,
    route_to_offer,
)
from geoservice.core.transit_matrix import statistic_rank, transit_matrix
from geoservice.core.transit_reachable import transit_offer_times
from geoservice.errors import InvalidParameterError
from geoservice.runtime import Runtime
from geoservice.settings import Settings
from tests.core.points import random_points

TUESDAY = date(2025, 2, 4)


def _networkx_door_to_door(
    runtime: Runtime, mode: str, origin: tuple[float, float], dest: tuple[float, float]
) -> float:
    """The travel model rebuilt on the networkx graph: a virtual origin joined to its snap
    nodes by access legs, every node joined to the destination by its best egress leg, and
    the straight trip; then ``nx.dijkstra_path_length``."""
    assert runtime.network is not None
    net = runtime.network.mode(mode)
    r = net.router
    H = nx.MultiDiGraph()
    for u, v, w in net.G.edges(data="travel_time"):
        H.add_edge(u, v, travel_time=float(w))
    snap = net.index.snap(*origin, net.snap_candidates)
    for pos, d in zip(snap.positions, snap.distances_m, strict=True):
        H.add_edge("O", r.nodes[pos], travel_time=float(net.access_time_s(d)))
    cost, _ = egress_costs_s(net, np.array([dest[0]]), np.array([dest[1]]))
    best = np.full(r.node_count, np.inf)
    np.minimum.at(best, r.edge_u, cost[0])
    for pos in np.flatnonzero(np.isfinite(best)):
        H.add_edge(r.nodes[pos], "D", travel_time=float(best[pos]))
    straight = float(np.hypot(dest[0] - origin[0], dest[1] - origin[1]))
    H.add_edge("O", "D", travel_time=float(net.access_time_s(straight)))
    return float(nx.dijkstra_path_length(H, "O", "D", weight="travel_time"))


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_road_times_equal_networkx_on_random_pairs(runtime: Runtime, mode: str) -> None:
    assert runtime.network is not None
    origins = random_points(runtime, 4, seed=22)
    dests = random_points(runtime, 5, seed=23)
    targets = targets_from_xy(runtime.network, dests, [f"d{i}" for i in range(len(dests))])
    forward = road_matrix(targets, mode, origins, direction="forward")
    reverse = road_matrix(targets, mode, origins, direction="reverse")
    for i, o in enumerate(origins):
        for j, d in enumerate(dests):
            expected = _networkx_door_to_door(runtime, mode, o, d)
            assert forward.travel_time_s[i, j] == pytest.approx(expected, abs=0.5)
            assert reverse.travel_time_s[i, j] == pytest.approx(expected, abs=0.5)


def test_both_directions_and_the_ranking_agree_on_times_and_distances(runtime: Runtime) -> None:
    assert runtime.reachable is not None
    origins = random_points(runtime, 12, seed=5)
    forward = road_matrix(runtime.reachable, "bike", origins, direction="forward")
    reverse = road_matrix(runtime.reachable, "bike", origins, direction="reverse")
    assert forward.direction == "forward"
    assert reverse.direction == "reverse"
    np.testing.assert_allclose(forward.travel_time_s, reverse.travel_time_s, atol=1e-6)
    np.testing.assert_allclose(forward.distance_m, reverse.distance_m, atol=1e-3)
    # Row 0 against the ranking's own route rebuilt offer by offer.
    times = offer_travel_times(runtime.reachable, "bike", *origins[0])
    for k in range(0, len(times.rows), 7):
        route = route_to_offer(times, k)
        assert forward.travel_time_s[0, k] == pytest.approx(route.travel_time_s, abs=1e-6)
        assert forward.distance_m[0, k] == pytest.approx(route.distance_m, abs=1e-3)
    # auto picks the side with fewer searches: 12 origins < 176 offers → forward.
    assert road_matrix(runtime.reachable, "bike", origins[:2]).direction == "forward"
    assert road_matrix(runtime.reachable, "bike", origins, rows=[0, 1]).direction == "reverse"


def test_pairs_beyond_the_limit_are_inf_not_a_number(runtime: Runtime) -> None:
    assert runtime.reachable is not None
    origins = random_points(runtime, 3, seed=8)
    m = road_matrix(runtime.reachable, "walk", origins, limit_s=600.0, direction="reverse")
    full = road_matrix(runtime.reachable, "walk", origins)
    beyond = full.travel_time_s > 600
    assert beyond.any()
    assert np.isinf(m.travel_time_s[beyond]).all()
    assert np.isinf(m.distance_m[beyond]).all()
    np.testing.assert_allclose(m.travel_time_s[~beyond], full.travel_time_s[~beyond], atol=1e-6)


def test_window_of_one_minute_equals_the_transit_ranking(runtime: Runtime) -> None:
    tt, reachable = runtime.transit, runtime.reachable
    assert tt is not None
    assert reachable is not None
    origins = random_points(runtime, 6, seed=11)
    found = transit_matrix(
        tt, reachable, "bike", origins, 8 * 3600, TUESDAY, statistics=("best",), limit_s=5400
    )
    for i, (x, y) in enumerate(origins):
        ranking = transit_offer_times(
            tt, reachable, "bike", x, y, 8 * 3600, TUESDAY, limit_s=5400
        ).travel_time_s
        np.testing.assert_array_equal(
            np.isfinite(found.travel_time_s["best"][i]), np.isfinite(ranking)
        )
        ok = np.isfinite(ranking)
        np.testing.assert_allclose(found.travel_time_s["best"][i][ok], ranking[ok], atol=1e-6)


def test_window_statistics_are_the_per_minute_order_statistics(runtime: Runtime) -> None:
    tt, reachable = runtime.transit, runtime.reachable
    assert tt is not None
    assert reachable is not None
    origins = random_points(runtime, 2, seed=3)
    start, window = 7 * 3600, 30
    stats = ("best", "median", "p90", "p100")
    found = transit_matrix(
        tt, reachable, "walk", origins, start, TUESDAY, window_minutes=window,
        statistics=stats, limit_s=7200,
    )  # fmt: skip
    per_minute = np.stack(
        [
            transit_matrix(
                tt, reachable, "walk", origins, start + 60 * m, TUESDAY, statistics=("best",),
                limit_s=7200,
            ).travel_time_s["best"]
            for m in range(window)
        ]
    )  # fmt: skip
    ordered = np.sort(per_minute, axis=0)
    for name in stats:
        np.testing.assert_allclose(
            found.travel_time_s[name], ordered[statistic_rank(name, window)], atol=1e-6
        )
    assert (found.travel_time_s["best"] <= found.travel_time_s["median"]).all()


def test_statistic_ranks_follow_nearest_rank_percentiles() -> None:
    assert statistic_rank("best", 60) == 0
    assert statistic_rank("median", 60) == statistic_rank("p50", 60) == 29
    assert statistic_rank("median", 61) == statistic_rank("p50", 61) == 30
    assert statistic_rank("p100", 60) == 59
    assert statistic_rank("p1", 60) == 0
    with pytest.raises(InvalidParameterError, match="statistic"):
        statistic_rank("mean", 60)


def test_reverse_searches_follow_one_way_roads(runtime: Runtime, settings: Settings) -> None:
    """The embedded roads are all two-way: make a third of them one-way, then per-origin,
    per-destination (reversed graph) and networkx must still agree."""
    assert runtime.network is not None
    G = runtime.network.G.copy()
    rng = np.random.default_rng(7)
    pairs = sorted({(min(u, v), max(u, v)) for u, v in G.edges()})
    for k in rng.choice(len(pairs), size=len(pairs) // 3, replace=False):
        u, v = pairs[int(k)]
        G.remove_edges_from([(v, u, key) for key in list(G[v][u])])
    network = RoadNetwork(G, network_params_from_config(settings.section("network")))
    assert (
        network.mode("drive").router.edge_u.size < runtime.network.mode("drive").router.edge_u.size
    )
    origins = random_points(runtime, 3, seed=31)
    dests = random_points(runtime, 4, seed=32)
    targets = targets_from_xy(network, dests, [f"d{i}" for i in range(len(dests))])
    forward = road_matrix(targets, "drive", origins, direction="forward")
    reverse = road_matrix(targets, "drive", origins, direction="reverse")
    np.testing.assert_allclose(forward.travel_time_s, reverse.travel_time_s, atol=1e-6)
    np.testing.assert_allclose(forward.distance_m, reverse.distance_m, atol=1e-3)
    one_way = Runtime(settings=runtime.settings, network=network)
    for i, o in enumerate(origins):
        for j, d in enumerate(dests):
            expected = _networkx_door_to_door(one_way, "drive", o, d)
            assert forward.travel_time_s[i, j] == pytest.approx(expected, abs=0.5)
