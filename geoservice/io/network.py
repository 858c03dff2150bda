"""Loading the configured road network (``[network] source``) into a :class:`RoadNetwork`.

``source = "travelmapping"`` loads the embedded graph from ``data/roads/``; any other value is
the path of a graph file in the osmnx convention, read by :mod:`geoservice.io.osm`: GraphML
(``.graphml``, ``.graphml.gz``, as written by ``geoservice network fetch``) or OpenStreetMap
XML (``.osm``, ``.xml``...) or PBF (``.osm.pbf``, ``.pbf``) filtered with osmnx's way filter
``network.osm_network_type`` (default ``"all"``: every mode is served from the one graph).
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from geoservice.core.network import RoadNetwork, network_params_from_config
from geoservice.errors import MissingDataError
from geoservice.io.osm_files import load_network_file
from geoservice.io.travelmapping import load_travelmapping_graph
from geoservice.settings import Settings

TRAVELMAPPING = "travelmapping"


def load_graph_file(path: Path, network_type: str = "all") -> nx.MultiDiGraph:
    """An osmnx-convention graph from a GraphML, OSM XML or OSM PBF file (EPSG:4326).

    `network_type` selects the ways of an OSM file (see ``geoservice.io.osm``); a GraphML
    file is loaded as it was saved.
    """
    if not path.is_file():
        raise MissingDataError(f"road network file {path} not found")
    G = load_network_file(path, network_type=network_type)
    G.graph.setdefault("name", f"OpenStreetMap graph {path.name}")
    G.graph.setdefault("limits", "")
    G.graph["source"] = path.name
    return G


def load_network_graph(settings: Settings) -> nx.MultiDiGraph:
    """The graph named by ``network.source`` (see module docstring)."""
    source = str(settings.get("network.source", TRAVELMAPPING))
    if source == TRAVELMAPPING:
        return load_travelmapping_graph(settings.data_dir)
    network_type = str(settings.get("network.osm_network_type", "all"))
    return load_graph_file(settings.path("network.source"), network_type=network_type)


def load_road_network(settings: Settings) -> RoadNetwork:
    """Load the configured graph and prepare every mode (routers, R-trees)."""
    params = network_params_from_config(settings.section("network"))
    return RoadNetwork(load_network_graph(settings), params)
