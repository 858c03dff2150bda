"""Per-mode network preparation, snapping and coverage."""

from __future__ import annotations

import networkx as nx
import pytest

from geoservice.core.network import ModeParams, network_params_from_config, prepare_mode_graph
from geoservice.errors import InvalidParameterError, OutsideCoverageError
from geoservice.runtime import Runtime
from geoservice.settings import Settings

NEVERS = (3.1597, 46.9896)  # place de l'Hôtel de Ville area, lon/lat


def _tiny() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=3.0, y=47.0)
    G.add_node(2, x=3.1, y=47.0)
    G.add_node(3, x=3.2, y=47.0)
    G.add_edge(1, 2, length=9000.0, highway="motorway")
    G.add_edge(2, 3, length=1000.0, highway=["secondary", "residential"])
    return G


def test_prepare_mode_graph_sets_travel_times_and_bans_classes() -> None:
    walk = ModeParams("walk", {}, 4.5, 4.5, frozenset({"motorway"}))
    H = prepare_mode_graph(_tiny(), walk)
    assert set(H.nodes) == {2, 3}  # node 1 only had the motorway
    assert H[2][3][0]["travel_time"] == pytest.approx(1000 / (4.5 / 3.6))
    drive = ModeParams("drive", {"motorway": 120.0, "secondary": 70.0, "residential": 30.0}, 40, 30)
    D = prepare_mode_graph(_tiny(), drive)
    assert D[1][2][0]["speed_kph"] == 120.0
    assert D[2][3][0]["speed_kph"] == 30.0  # slowest of the merged classes
    assert D[1][2][0]["travel_time"] == pytest.approx(270.0)
    assert D.graph["crs"] == "EPSG:4326"


def test_config_speeds_follow_french_rules(settings: Settings) -> None:
    params = network_params_from_config(settings.section("network"))
    drive = params.modes["drive"]
    assert drive.speed_for("motorway") <= 130  # legal limit
    assert drive.speed_for("secondary") <= 80  # two-lane roads since 2018
    assert drive.speed_for("residential") <= 50  # built-up areas
    for mode in ("bike", "walk"):
        assert {"motorway", "motorway_link"} <= params.modes[mode].banned
    assert params.modes["walk"].speed_for("secondary") == pytest.approx(4.5)
    assert params.modes["bike"].speed_for("trunk") == pytest.approx(15.0)


def test_bad_config_is_refused(settings: Settings) -> None:
    table = dict(settings.section("network"))
    table["max_snap_m"] = -1
    with pytest.raises(InvalidParameterError):
        network_params_from_config(table)


def test_walk_network_has_no_motorway(runtime: Runtime) -> None:
    assert runtime.network is not None
    walk = runtime.network.modes["walk"].G
    assert all(h != "motorway" for _, _, h in walk.edges(data="highway"))
    drive = runtime.network.modes["drive"].G
    assert any(h == "motorway" for _, _, h in drive.edges(data="highway"))


def test_origin_joins_its_nearest_nodes(runtime: Runtime) -> None:
    assert runtime.network is not None
    drive = runtime.network.modes["drive"]
    reach = drive.reach_from_lonlat(*NEVERS, limit_s=600)
    assert 1 <= len(reach.snap.positions) <= 4
    assert (reach.snap.distances_m <= 5000).all()
    first = reach.snap.positions[0]
    access_s = reach.snap.distances_m[0] * 1.3 / (30 / 3.6)
    assert reach.times_s[first] <= access_s + 1e-9


def test_point_far_from_the_network_is_outside_coverage(runtime: Runtime) -> None:
    assert runtime.network is not None
    drive = runtime.network.modes["drive"]
    with pytest.raises(OutsideCoverageError) as err:
        drive.reach_from_lonlat(2.3522, 48.8566)  # Paris
    assert err.value.distance_m is not None
    assert err.value.distance_m > 50_000  # the network reaches the Loiret, ~80 km away


def test_point_inside_hull_but_far_from_nodes_names_its_distance(runtime: Runtime) -> None:
    assert runtime.network is not None
    walk = runtime.network.modes["walk"]
    tight = type(walk.index)(walk.x_m, walk.y_m, max_snap_m=100.0)
    x, y = walk.x_m[0] + 150.0, walk.y_m[0] + 150.0
    nearest = tight.nearest(x, y).distances_m[0]
    assert nearest > 100
    with pytest.raises(OutsideCoverageError, match="more than the 100 m") as err:
        tight.snap(x, y)
    assert err.value.distance_m == pytest.approx(nearest)


def test_unknown_mode_lists_allowed(runtime: Runtime) -> None:
    assert runtime.network is not None
    with pytest.raises(InvalidParameterError, match="bike, drive, walk"):
        runtime.network.mode("plane")


def test_describe_counts_once_at_construction(runtime, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Regression (load test): /health counted the graph's edges on every call (~0.1 s)."""
    network = runtime.network
    expected = network.describe()
    assert expected["edges"] == network.G.number_of_edges()

    def refuse() -> int:
        raise AssertionError("describe() must not walk the graph again")

    monkeypatch.setattr(network.G, "number_of_edges", refuse)
    described = network.describe()
    assert described == expected
    described["modes"].clear()  # a copy: the next answer is whole again
    assert network.describe() == expected
