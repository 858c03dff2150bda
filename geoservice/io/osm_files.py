"""Local OpenStreetMap files (``.osm`` XML, ``.osm.pbf``) and saved graphs (GraphML).

An OSM XML file is parsed by osmnx's own XML reader, a PBF file by pyosmium (ways first,
then only the nodes they use); both become Overpass-style JSON handed to the pure builder
(:mod:`geoservice.io.osm_graph`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import osmium
import osmnx as ox
from osmnx import _osm_xml
from shapely import MultiPolygon, Polygon

from geoservice.errors import DataError, InvalidParameterError, MissingDataError
from geoservice.io.osm_filter import check_network_type, way_filter_clauses, way_matches
from geoservice.io.osm_graph import CRS, graph_from_overpass_json

#: File name endings read as OSM XML (osmnx reader, bz2/gz decompressed on the fly).
OSM_XML_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".xml")
#: File name endings read as OSM PBF (pyosmium).
OSM_PBF_SUFFIXES = (".osm.pbf", ".pbf")
#: File name ending of saved graphs.
GRAPHML_SUFFIX = ".graphml"
#: File name endings of saved graphs (networkx compresses / decompresses ``.gz`` itself).
GRAPHML_SUFFIXES = (GRAPHML_SUFFIX, ".graphml.gz")
#: Every network file ending :func:`load_network_file` accepts.
NETWORK_FILE_SUFFIXES = (*GRAPHML_SUFFIXES, *OSM_XML_SUFFIXES, *OSM_PBF_SUFFIXES)

# Edge attributes load_graph converts from their GraphML text (osmnx converts length,
# speed_kph, travel_time, oneway, osmid... itself).
_EDGE_DTYPES: dict[str, Any] = {"length": float, "highway": str, "ref": str}


def _has_suffix(path: Path, suffixes: Iterable[str]) -> bool:
    name = path.name.lower()
    return any(name.endswith(s) for s in suffixes)


def _require_file(path: Path, kind: str = "network file") -> None:
    if not path.is_file():
        raise MissingDataError(f"{kind} {path} not found")


def _overpass_json_from_xml(path: Path) -> dict[str, Any]:
    """Overpass-style JSON of an OSM XML file, read by osmnx's own XML reader."""
    try:
        # osmnx's reader (the first step of osmnx.graph_from_xml); pinned osmnx==2.1.1
        return _osm_xml._overpass_json_from_xml(path, "utf-8")
    except Exception as e:  # SAX/ElementTree/Unicode errors have no common base
        raise DataError(f"cannot read OSM XML file {path}: {e}") from e


def _overpass_json_from_pbf(path: Path, network_type: str) -> dict[str, Any]:
    """Overpass-style JSON of the ways of `network_type` in an OSM PBF file, and their nodes.

    Two passes with pyosmium: the ways first (filtered as Overpass would), then only the
    nodes they use, so memory stays proportional to the network, not to the file.
    """
    clauses = way_filter_clauses(network_type)
    ways: list[dict[str, Any]] = []
    try:
        for w in osmium.FileProcessor(str(path), osmium.osm.WAY):
            if not isinstance(w, osmium.osm.Way):  # pragma: no cover - filtered by the reader
                continue
            tags = {t.k: t.v for t in w.tags}
            if way_matches(tags, clauses):
                ways.append(
                    {"type": "way", "id": w.id, "nodes": [n.ref for n in w.nodes], "tags": tags}
                )
        used = {ref for way in ways for ref in way["nodes"]}
        nodes: list[dict[str, Any]] = []
        for n in osmium.FileProcessor(str(path), osmium.osm.NODE):
            if not isinstance(n, osmium.osm.Node):  # pragma: no cover - filtered by the reader
                continue
            if n.id in used and n.location.valid():
                node: dict[str, Any] = {
                    "type": "node",
                    "id": n.id,
                    "lat": n.location.lat,
                    "lon": n.location.lon,
                }
                if len(n.tags):
                    node["tags"] = {t.k: t.v for t in n.tags}
                nodes.append(node)
    except RuntimeError as e:  # libosmium reports corrupt or unreadable files so
        raise DataError(f"cannot read OSM PBF file {path}: {e}") from e
    return {"elements": nodes + ways}


def graph_from_osm_file(path: str | Path, *, network_type: str = "drive") -> nx.MultiDiGraph:
    """Build the road graph of a local OpenStreetMap file.

    Parameters
    ----------
    path
        An OSM XML file (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.xml``; read by osmnx) or an OSM
        PBF file (``.osm.pbf``, ``.pbf``; read by pyosmium).
    network_type
        One of :data:`NETWORK_TYPES`; selects the ways with osmnx's filter of that name.

    Returns
    -------
    networkx.MultiDiGraph
        Node ids are OSM node ids; coordinates in EPSG:4326; edge ``length`` in metres.

    Raises
    ------
    MissingDataError
        When `path` does not exist.
    InvalidParameterError
        When the file name has none of the OSM suffixes, or `network_type` is unknown.
    DataError
        When the file cannot be parsed or holds no way of `network_type`.
    """
    path = Path(path)
    check_network_type(network_type)
    if _has_suffix(path, OSM_PBF_SUFFIXES):
        _require_file(path)
        response = _overpass_json_from_pbf(path, network_type)
    elif _has_suffix(path, OSM_XML_SUFFIXES):
        _require_file(path)
        response = _overpass_json_from_xml(path)
    else:
        allowed = (*OSM_XML_SUFFIXES, *OSM_PBF_SUFFIXES)
        msg = f"unknown OSM file type {path.name!r}"
        raise InvalidParameterError("path", msg, allowed=allowed)
    return graph_from_overpass_json([response], network_type=network_type, source=path.name)


def graph_from_pbf(path: str | Path, *, network_type: str = "drive") -> nx.MultiDiGraph:
    """Build the road graph of a local ``.osm.pbf`` file (see :func:`graph_from_osm_file`).

    Raises
    ------
    InvalidParameterError
        When the file name does not end with ``.pbf``.
    """
    path = Path(path)
    if not _has_suffix(path, OSM_PBF_SUFFIXES):
        msg = f"not an OSM PBF file: {path.name!r}"
        raise InvalidParameterError("path", msg, allowed=OSM_PBF_SUFFIXES)
    return graph_from_osm_file(path, network_type=network_type)


def save_graph(G: nx.MultiDiGraph, path: str | Path) -> Path:
    """Save `G` as GraphML with osmnx (every attribute as text); return the path.

    A ``.graphml.gz`` path is gzip-compressed (by networkx).

    Raises
    ------
    InvalidParameterError
        When `path` does not end with ``.graphml``.
    """
    path = Path(path)
    if not _has_suffix(path, GRAPHML_SUFFIXES):
        msg = f"a saved graph must be a GraphML file, not {path.name!r}"
        raise InvalidParameterError("path", msg, allowed=GRAPHML_SUFFIXES)
    ox.save_graphml(G, path)
    return path


def load_graph(path: str | Path) -> nx.MultiDiGraph:
    """Load a graph saved by :func:`save_graph` (or ``osmnx.save_graphml``).

    Attribute types are restored: node ``x``, ``y`` and edge ``length`` float, ``oneway``
    bool, ``highway`` and ``ref`` str, ``geometry`` LineString. Node ids must be integers,
    as osmnx requires.

    Raises
    ------
    MissingDataError
        When `path` does not exist.
    DataError
        When the file is not a readable osmnx GraphML graph.
    """
    path = Path(path)
    _require_file(path)
    try:
        G = ox.load_graphml(path, edge_dtypes=_EDGE_DTYPES)
    except Exception as e:  # XML, type-conversion and WKT errors have no common base
        raise DataError(f"cannot read GraphML graph {path}: {e}") from e
    for _, _, data in G.edges(data=True):
        data.setdefault("ref", "")
    if str(G.graph.get("crs", "")).upper() != CRS:
        raise DataError(f"graph {path} has crs {G.graph.get('crs')!r}, expected {CRS}")
    G.graph["crs"] = CRS
    return G


def load_network_file(path: str | Path, network_type: str = "drive") -> nx.MultiDiGraph:
    """Load a road network from any supported file, dispatching on its suffix.

    ``.graphml`` / ``.graphml.gz`` → :func:`load_graph` (`network_type` is ignored: the
    graph is what was saved); ``.osm`` / ``.osm.bz2`` / ``.osm.gz`` / ``.xml`` /
    ``.osm.pbf`` / ``.pbf`` → :func:`graph_from_osm_file`.

    Raises
    ------
    InvalidParameterError
        When the suffix is none of :data:`NETWORK_FILE_SUFFIXES`.
    MissingDataError
        When `path` does not exist.
    """
    path = Path(path)
    if _has_suffix(path, GRAPHML_SUFFIXES):
        return load_graph(path)
    if _has_suffix(path, (*OSM_XML_SUFFIXES, *OSM_PBF_SUFFIXES)):
        return graph_from_osm_file(path, network_type=network_type)
    msg = f"unknown network file type {path.name!r}"
    raise InvalidParameterError("path", msg, allowed=NETWORK_FILE_SUFFIXES)


def polygon_from_file(path: str | Path) -> Polygon | MultiPolygon:
    """The union of the polygons of a vector file (GeoJSON...), in EPSG:4326.

    Raises
    ------
    MissingDataError
        When `path` does not exist.
    DataError
        When the file has no CRS, cannot be read, or holds no polygon.
    """
    path = Path(path)
    _require_file(path, "polygon file")
    try:
        frame = gpd.read_file(path)
    except Exception as e:  # pyogrio raises its own DataSourceError / driver errors
        raise DataError(f"cannot read polygon file {path}: {e}") from e
    if frame.crs is None:
        raise DataError(f"polygon file {path} has no CRS")
    shape = frame.to_crs(CRS).union_all()
    if not isinstance(shape, Polygon | MultiPolygon) or shape.is_empty:
        kind = "empty" if shape.is_empty else shape.geom_type
        raise DataError(f"polygon file {path} holds no polygon (union is {kind})")
    return shape
