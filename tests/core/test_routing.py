"""The compiled routing engine agrees with networkx, the reference."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from geoservice.core.network import MODES, ModeParams, prepare_mode_graph
from geoservice.core.routing import Router, reference_travel_times
from geoservice.io.network import load_graph_file
from geoservice.runtime import Runtime


def _assert_same_times(router: Router, G: nx.MultiDiGraph, source: object, limit_s: float) -> None:
    expected = reference_travel_times(G, source, cutoff_s=limit_s)
    got = router.travel_times_from_node(source, limit_s=limit_s)
    assert got.keys() == expected.keys()
    worst = max(abs(got[n] - expected[n]) for n in expected)
    assert worst < 0.5  # to the second (in fact equal to float rounding)


@pytest.mark.parametrize("mode", MODES)
def test_engine_equals_networkx_on_embedded_network(runtime: Runtime, mode: str) -> None:
    assert runtime.network is not None
    net = runtime.network.modes[mode]
    rng = np.random.default_rng(58)
    nodes = list(net.G.nodes)
    for i in rng.choice(len(nodes), size=25, replace=False):
        _assert_same_times(net.router, net.G, nodes[i], limit_s=np.inf)
    # Bounded searches stop at the limit and agree below it.
    limit = {"drive": 1800.0, "bike": 3600.0, "walk": 7200.0}[mode]
    for i in rng.choice(len(nodes), size=10, replace=False):
        _assert_same_times(net.router, net.G, nodes[i], limit_s=limit)


def test_engine_equals_networkx_on_real_osm_graph_with_parallel_edges(raw_dir: Path) -> None:
    G = load_graph_file(raw_dir / "osm-fallback-not-nievre" / "gretz-armainvilliers-77_map.osm")
    params = ModeParams("drive", {"residential": 30.0, "tertiary": 60.0}, 40.0, 30.0)
    H = prepare_mode_graph(G, params)
    pairs = [(u, v) for u, v, k in H.edges(keys=True) if k > 0]
    assert pairs, "the OSM sample should hold parallel edges"
    router = Router(H)
    for source in list(H.nodes)[::15]:
        _assert_same_times(router, H, source, limit_s=np.inf)


def test_parallel_edges_take_the_fastest_and_self_loops_are_ignored() -> None:
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_edge("a", "b", travel_time=100.0)
    G.add_edge("a", "b", travel_time=40.0)
    G.add_edge("a", "a", travel_time=0.0)
    G.add_edge("b", "c", travel_time=0.0)
    G.add_edge("c", "a", travel_time=5.0)
    router = Router(G)
    assert router.travel_times_from_node("a") == {"a": 0.0, "b": 40.0, "c": 40.0}
    assert router.travel_times_from_node("b") == {"b": 0.0, "c": 0.0, "a": 5.0}
    assert reference_travel_times(G, "a") == {"a": 0.0, "b": 40.0, "c": 40.0}


def test_several_start_nodes_with_initial_times(runtime: Runtime) -> None:
    assert runtime.network is not None
    net = runtime.network.modes["drive"]
    nodes = list(net.G.nodes)
    starts = {nodes[10]: 120.0, nodes[2000]: 30.0, nodes[3000]: 600.0}
    got = net.router.travel_times_from_nodes(starts)
    expected = np.full(len(nodes), np.inf)
    for node, offset in starts.items():
        for target, t in reference_travel_times(net.G, node).items():
            pos = net.router.position[target]
            expected[pos] = min(expected[pos], t + offset)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    # Many starts (above the virtual-source slots): one compiled run for the times; scipy
    # runs once per start for the predecessors; the same times.
    many = {nodes[i]: float(i % 7) * 60 for i in range(0, 3300, 100)}
    assert len(many) > net.router.max_sources
    positions = [net.router.position[node] for node in many]
    fast = net.router.travel_times(positions, list(many.values()), limit_s=2400)
    slow, _ = net.router.travel_times_and_predecessors(positions, list(many.values()), limit_s=2400)
    np.testing.assert_allclose(fast, slow, atol=1e-6)
    assert np.array_equal(np.isfinite(fast), np.isfinite(slow))
    assert np.isfinite(net.router.travel_times_from_nodes(many)).all()


def test_no_start_reaches_nothing(runtime: Runtime) -> None:
    assert runtime.network is not None
    router = runtime.network.modes["walk"].router
    assert np.isinf(router.travel_times([])).all()


@pytest.mark.parametrize("mode", MODES)
def test_compiled_times_equal_scipy_search_bit_for_bit(runtime: Runtime, mode: str) -> None:
    """The compiled search of :meth:`Router.travel_times` gives exactly the times of scipy's
    Dijkstra from the virtual source (kept for the predecessors), starts, offsets and limits
    drawn at random, times exactly at the limit included."""
    assert runtime.network is not None
    router = runtime.network.modes[mode].router
    rng = np.random.default_rng(7)
    for _ in range(150):
        k = int(rng.integers(1, 6))
        starts = rng.integers(0, router.node_count, k)
        offsets = rng.uniform(0.0, 600.0, k)
        limit = float(rng.choice([np.inf, rng.uniform(0.0, 7200.0)]))
        fast = router.travel_times(starts, offsets, limit_s=limit)
        slow, _ = router.travel_times_and_predecessors(starts, offsets, limit_s=limit)
        assert np.array_equal(fast, slow)
        reached = fast[np.isfinite(fast)]
        if np.isfinite(limit) and len(reached) > 1:
            at_limit = float(np.sort(reached)[len(reached) // 2])
            exact = router.travel_times(starts, offsets, limit_s=at_limit)
            assert np.array_equal(exact, np.where(fast <= at_limit, fast, np.inf))
    # An offset above the limit starts nothing; the same start twice keeps its earliest time.
    assert np.isinf(router.travel_times([0], [100.0], limit_s=50.0)).all()
    twice = router.travel_times([3, 3], [80.0, 20.0], limit_s=600.0)
    assert twice[3] == 20.0
