"""Loading the configured road network (``[network] source``) into a :class:`RoadNetwork`.

``source = "travelmapping"`` loads the embedded graph from ``data/roads/``; any other value is
the path of a graph file in the osmnx convention: GraphML (``.graphml``, as written by
``osmnx.save_graphml``) or OpenStreetMap XML (``.osm``, ``.xml``, read with
``osmnx.graph_from_xml``). ``.pbf`` files are read by ``geoservice.io.osm`` when available.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from geoservice.core.network import RoadNetwork, network_params_from_config
from geoservice.errors import InvalidParameterError, MissingDataError
from geoservice.io.travelmapping import load_travelmapping_graph
from geoservice.settings import Settings

TRAVELMAPPING = "travelmapping"


def load_graph_file(path: Path) -> nx.MultiDiGraph:
    """An osmnx-convention graph from a GraphML or OSM XML file (EPSG:4326)."""
    import osmnx as ox

    if not path.is_file():
        raise MissingDataError(f"road network file {path} not found")
    name = path.name.lower()
    if name.endswith((".graphml", ".graphml.gz")):
        G = ox.load_graphml(path)
    elif name.endswith((".osm", ".xml", ".osm.xml")):
        G = ox.graph_from_xml(path, retain_all=False)
    elif name.endswith(".pbf"):
        import importlib

        # geoservice.io.osm (the OSM loaders) provides the PBF reader when installed.
        osm = importlib.import_module("geoservice.io.osm")
        reader = getattr(osm, "graph_from_pbf", None)
        if reader is None:
            raise InvalidParameterError("network.source", "no PBF reader is installed")
        G = reader(path)
    else:
        msg = f"unsupported road network file {path.name!r}"
        raise InvalidParameterError("network.source", msg, allowed=[".graphml", ".osm", ".pbf"])
    G.graph.setdefault("name", f"OpenStreetMap graph {path.name}")
    G.graph.setdefault("limits", "")
    G.graph["source"] = path.name
    return G


def load_network_graph(settings: Settings) -> nx.MultiDiGraph:
    """The graph named by ``network.source`` (see module docstring)."""
    source = str(settings.get("network.source", TRAVELMAPPING))
    if source == TRAVELMAPPING:
        return load_travelmapping_graph(settings.data_dir)
    return load_graph_file(settings.path("network.source"))


def load_road_network(settings: Settings) -> RoadNetwork:
    """Load the configured graph and prepare every mode (routers, R-trees)."""
    params = network_params_from_config(settings.section("network"))
    return RoadNetwork(load_network_graph(settings), params)
