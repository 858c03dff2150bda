"""OpenStreetMap road networks: the public functions of the four ``io.osm_*`` modules.

Every function returns the project's road-graph convention (osmnx's): a
``networkx.MultiDiGraph`` with graph attribute ``crs`` = ``"EPSG:4326"``, node attributes
``x`` (longitude) and ``y`` (latitude), and edge attributes ``length`` (metres, float),
``highway`` (one OSM class string), ``ref`` (route number string, ``""`` when none),
``oneway`` (bool) and, for edges merged by simplification, ``geometry`` (a LineString in
EPSG:4326).

Downloading is separated from building, as in osmnx. Whatever the source, the raw data
becomes Overpass-style response JSON (``{"elements": [{"type": "node", ...}, ...]}``):

- a ``.osm`` XML file is parsed by osmnx's own XML reader,
- a ``.osm.pbf`` file is read with pyosmium (:mod:`geoservice.io.osm_files`),
- a download is the Overpass server's answer (osmnx ``graph_from_polygon``),

and osmnx's graph builder (``_create_graph``, then the largest weakly connected component
and ``simplify_graph``, the steps of ``osmnx.graph_from_xml``) turns it into a graph.
Local files are filtered by the same way filters osmnx sends to Overpass for the requested
``network_type`` (:mod:`geoservice.io.osm_filter`, ``docs/osm-networks.md``), so a file and a
download of the same area give the same graph. Finally :func:`normalise_graph` enforces
the convention (single ``highway`` string, ``ref`` string, upper-case ``crs``).

Only :mod:`geoservice.io.osm_download` touches the network, and only when
``graph_from_place`` or ``graph_from_polygon`` is called (the ``geoservice network fetch``
command); the service itself never downloads.
"""

from __future__ import annotations

from geoservice.io.osm_download import graph_from_place, graph_from_polygon
from geoservice.io.osm_files import (
    GRAPHML_SUFFIX,
    GRAPHML_SUFFIXES,
    NETWORK_FILE_SUFFIXES,
    OSM_PBF_SUFFIXES,
    OSM_XML_SUFFIXES,
    graph_from_osm_file,
    graph_from_pbf,
    load_graph,
    load_network_file,
    polygon_from_file,
    save_graph,
)
from geoservice.io.osm_filter import (
    NETWORK_TYPES,
    check_network_type,
    complete_ways,
    filter_overpass_json,
    way_filter_clauses,
    way_matches,
)
from geoservice.io.osm_graph import (
    CRS,
    HIGHWAY_RANK,
    graph_from_overpass_json,
    iter_graph_summary,
    normalise_graph,
)

__all__ = [
    "CRS",
    "GRAPHML_SUFFIX",
    "GRAPHML_SUFFIXES",
    "HIGHWAY_RANK",
    "NETWORK_FILE_SUFFIXES",
    "NETWORK_TYPES",
    "OSM_PBF_SUFFIXES",
    "OSM_XML_SUFFIXES",
    "check_network_type",
    "complete_ways",
    "filter_overpass_json",
    "graph_from_osm_file",
    "graph_from_overpass_json",
    "graph_from_pbf",
    "graph_from_place",
    "graph_from_polygon",
    "iter_graph_summary",
    "load_graph",
    "load_network_file",
    "normalise_graph",
    "polygon_from_file",
    "save_graph",
    "way_filter_clauses",
    "way_matches",
]
