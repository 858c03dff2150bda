"""The pure builder: Overpass-style JSON → the project's road graph (osmnx's convention).

A ``networkx.MultiDiGraph`` with graph attribute ``crs`` = ``"EPSG:4326"``, node attributes
``x`` (longitude) and ``y`` (latitude), and edge attributes ``length`` (metres, float),
``highway`` (one OSM class string), ``ref`` (route number string, ``""`` when none),
``oneway`` (bool) and, for edges merged by simplification, ``geometry`` (a LineString in
EPSG:4326).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import networkx as nx
import osmnx as ox
from osmnx import graph as ox_graph
from osmnx import simplification, truncate
from osmnx._errors import InsufficientResponseError

from geoservice.errors import DataError
from geoservice.io.osm_filter import check_network_type, filter_overpass_json

CRS = "EPSG:4326"

#: OSM highway classes from most to least important: an edge that simplification merged
#: from ways of several classes keeps the most important one (values not listed rank last).
HIGHWAY_RANK = (
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "road",
    "busway",
    "track",
    "cycleway",
    "bridleway",
    "path",
    "footway",
    "pedestrian",
    "steps",
    "corridor",
    "elevator",
)


def graph_from_overpass_json(
    response_jsons: Iterable[Mapping[str, Any]],
    *,
    network_type: str = "drive",
    source: str = "",
) -> nx.MultiDiGraph:
    """Build the road graph from Overpass-style response JSON (the pure builder).

    The ways are filtered for `network_type` (a no-op on an Overpass answer to the same
    filter), then osmnx builds the graph, keeps its largest weakly connected component and
    simplifies it, exactly as ``osmnx.graph_from_xml`` does.

    Parameters
    ----------
    response_jsons
        One or more Overpass-style responses (see :func:`filter_overpass_json`).
    network_type
        One of :data:`NETWORK_TYPES`.
    source
        Recorded as graph attribute ``source`` (a file name, a place name...).

    Raises
    ------
    DataError
        When no way of `network_type` is present.
    """
    check_network_type(network_type)
    filtered = [filter_overpass_json(r, network_type) for r in response_jsons]
    if not any(any(e["type"] == "way" for e in r["elements"]) for r in filtered):
        raise DataError(f"no OSM way of network type {network_type!r} in {source or 'input'}")
    bidirectional = network_type in ox.settings.bidirectional_network_types
    try:
        G = ox_graph._create_graph(filtered, bidirectional)
    except InsufficientResponseError as e:  # pragma: no cover - guarded above
        raise DataError(f"no usable OSM data in {source or 'input'}: {e}") from e
    G = truncate.largest_component(G, strongly=False)
    G = simplification.simplify_graph(G)
    return normalise_graph(G, network_type=network_type, source=source)


def normalise_graph(G: nx.MultiDiGraph, *, network_type: str, source: str) -> nx.MultiDiGraph:
    """Enforce the project's convention on an osmnx graph, in place; return it.

    ``highway`` lists (edges merged from ways of several classes) become the most
    important class (:data:`HIGHWAY_RANK`); ``ref`` lists become ``"A;B"`` (OSM's
    multi-value separator), a missing ``ref`` becomes ``""``; other list attributes are
    sorted so that saved files do not depend on set ordering.
    """
    rank = {name: i for i, name in enumerate(HIGHWAY_RANK)}
    for _, _, data in G.edges(data=True):
        highway = data.get("highway", "")
        if isinstance(highway, list):
            highway = min(highway, key=lambda h: (rank.get(h, len(rank)), h))
        data["highway"] = str(highway)
        ref = data.get("ref", "")
        if isinstance(ref, list):
            ref = ";".join(sorted({str(r) for r in ref}))
        data["ref"] = str(ref)
        data["length"] = float(data["length"])
        for key, value in data.items():
            if isinstance(value, list):
                data[key] = sorted(value, key=str)
    G.graph["crs"] = CRS
    G.graph["network_type"] = network_type
    if source:
        G.graph["source"] = source
    return G


def iter_graph_summary(G: nx.MultiDiGraph) -> Iterator[str]:
    """Human-readable lines describing `G` (node/edge counts, total length, classes)."""
    lengths_m = [float(d["length"]) for _, _, d in G.edges(data=True)]
    classes: dict[str, int] = {}
    for _, _, d in G.edges(data=True):
        classes[d.get("highway", "")] = classes.get(d.get("highway", ""), 0) + 1
    yield f"{len(G):,} nodes, {len(lengths_m):,} edges, {sum(lengths_m) / 1000:,.1f} km of edges"
    top = sorted(classes.items(), key=lambda kv: (-kv[1], kv[0]))
    yield "edges by highway class: " + ", ".join(f"{k} {v}" for k, v in top)
