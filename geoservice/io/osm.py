"""OpenStreetMap road networks: local ``.osm`` / ``.osm.pbf`` files, Overpass downloads, GraphML.

Every function returns the project's road-graph convention (osmnx's): a
``networkx.MultiDiGraph`` with graph attribute ``crs`` = ``"EPSG:4326"``, node attributes
``x`` (longitude) and ``y`` (latitude), and edge attributes ``length`` (metres, float),
``highway`` (one OSM class string), ``ref`` (route number string, ``""`` when none),
``oneway`` (bool) and, for edges merged by simplification, ``geometry`` (a LineString in
EPSG:4326).

Downloading is separated from building, as in osmnx. Whatever the source, the raw data
becomes Overpass-style response JSON (``{"elements": [{"type": "node", ...}, ...]}``):

- a ``.osm`` XML file is parsed by osmnx's own XML reader,
- a ``.osm.pbf`` file is read with pyosmium (:func:`_overpass_json_from_pbf`),
- a download is the Overpass server's answer (osmnx ``graph_from_polygon``),

and osmnx's graph builder (``_create_graph``, then the largest weakly connected component
and ``simplify_graph``, the steps of ``osmnx.graph_from_xml``) turns it into a graph.
Local files are filtered by the same way filters osmnx sends to Overpass for the requested
``network_type`` (see :data:`NETWORK_TYPES` and ``docs/osm-networks.md``), so a file and a
download of the same area give the same graph. Finally :func:`_normalise_graph` enforces
the convention (single ``highway`` string, ``ref`` string, upper-case ``crs``).

Only this module touches the network, and only when a ``graph_from_place`` or
``graph_from_polygon`` function is called (the ``geoservice network fetch`` command);
the service itself never downloads.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import osmnx as ox
import shapely
from osmnx import _osm_xml, _overpass, simplification, truncate
from osmnx import graph as ox_graph
from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError
from shapely import MultiPolygon, Polygon

from geoservice.errors import (
    DataError,
    InvalidParameterError,
    MissingDataError,
    ServiceUnavailableError,
)

#: The network types a graph can be built for. Each uses osmnx's Overpass way filter of
#: the same name (``osmnx._overpass._get_network_filter``); ``walk`` ignores one-way tags.
NETWORK_TYPES = ("drive", "bike", "walk", "all")

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

# Edge attributes load_graph converts from their GraphML text (osmnx converts length,
# speed_kph, travel_time, oneway, osmid... itself).
_EDGE_DTYPES: dict[str, Any] = {"length": float, "highway": str, "ref": str}

# One clause of an Overpass way filter: ["key"] or ["key"!~"regex"] / ["key"~"regex"].
_CLAUSE = re.compile(r'\["(?P<key>[^"]+)"(?:(?P<op>!?~|!?=)"(?P<value>[^"]*)")?\]')


# --------------------------------------------------------------------------- filters


def check_network_type(network_type: str) -> str:
    """Return `network_type` if it is one of :data:`NETWORK_TYPES`, else raise.

    Raises
    ------
    InvalidParameterError
        Naming the bad value and the allowed ones.
    """
    if network_type not in NETWORK_TYPES:
        msg = f"unknown network type {network_type!r}"
        raise InvalidParameterError("network_type", msg, allowed=NETWORK_TYPES)
    return network_type


def way_filter_clauses(network_type: str) -> list[tuple[str, str, str]]:
    """The Overpass way filter osmnx uses for `network_type`, as ``(key, op, value)`` clauses.

    ``op`` is ``""`` (the key must exist), ``"~"`` / ``"!~"`` (the value must / must not
    match the regular expression, unanchored, as Overpass does), ``"="`` or ``"!="``.
    """
    text = _overpass._get_network_filter(check_network_type(network_type))
    clauses = [(m["key"], m["op"] or "", m["value"] or "") for m in _CLAUSE.finditer(text)]
    if "".join(m.group(0) for m in _CLAUSE.finditer(text)) != text:  # pragma: no cover
        # an osmnx upgrade changed the filter syntax: refuse rather than filter wrongly
        raise DataError(f"cannot parse osmnx's {network_type!r} way filter: {text}")
    return clauses


def way_matches(tags: Mapping[str, str], clauses: Iterable[tuple[str, str, str]]) -> bool:
    """Whether a way with `tags` passes every clause, with Overpass's semantics.

    A negated clause (``!~``, ``!=``) passes when the key is absent.
    """
    for key, op, value in clauses:
        present = key in tags
        if op == "":
            ok = present
        elif op == "~":
            ok = present and re.search(value, tags[key]) is not None
        elif op == "!~":
            ok = not present or re.search(value, tags[key]) is None
        elif op == "=":
            ok = present and tags[key] == value
        else:  # "!="
            ok = not present or tags[key] != value
        if not ok:
            return False
    return True


def filter_overpass_json(response_json: Mapping[str, Any], network_type: str) -> dict[str, Any]:
    """Keep the ways of `network_type` and the nodes they use, as Overpass would answer.

    Parameters
    ----------
    response_json
        Overpass-style JSON: ``{"elements": [...]}`` with ``node`` elements (``id``,
        ``lat``, ``lon``, optional ``tags``) and ``way`` elements (``id``, ``nodes``,
        optional ``tags``); other elements are dropped.
    network_type
        One of :data:`NETWORK_TYPES`.
    """
    clauses = way_filter_clauses(network_type)
    elements = response_json.get("elements", [])
    ways = [e for e in elements if e["type"] == "way" and way_matches(e.get("tags", {}), clauses)]
    present = {e["id"] for e in elements if e["type"] == "node"}
    ways, cut = _complete_ways(ways, present)
    if cut:
        msg = (
            f"{cut} OSM way(s) use nodes absent from the data (an extract cut at its border?): "
            "each keeps its longest stretch of present nodes, or is dropped; use an extract "
            "made with complete ways (osmium extract --strategy complete_ways) to avoid this"
        )
        warnings.warn(msg, UserWarning, stacklevel=2)
    used = {ref for w in ways for ref in w["nodes"]}
    nodes = [e for e in elements if e["type"] == "node" and e["id"] in used]
    return {"elements": nodes + ways}


def _complete_ways(
    ways: Iterable[dict[str, Any]], present: set[int]
) -> tuple[list[dict[str, Any]], int]:
    """Ways cut to their longest run of `present` nodes (dropped below 2), and how many were cut.

    osmnx needs the coordinates of every node of a way; a stretch with a missing node cannot
    be measured, so it is left out rather than bridged by a straight line.
    """
    kept: list[dict[str, Any]] = []
    cut = 0
    for way in ways:
        refs = way["nodes"]
        if all(r in present for r in refs):
            kept.append(way)
            continue
        cut += 1
        best: list[int] = []
        run: list[int] = []
        for r in [*refs, None]:  # None closes the last run
            if r is not None and r in present:
                run.append(r)
                continue
            if len(run) > len(best):
                best = run
            run = []
        if len(best) >= 2:
            kept.append({**way, "nodes": best})
    return kept, cut


# --------------------------------------------------------------------------- builder


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
    return _normalise_graph(G, network_type=network_type, source=source)


def _normalise_graph(G: nx.MultiDiGraph, *, network_type: str, source: str) -> nx.MultiDiGraph:
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


# --------------------------------------------------------------------------- local files


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
    import osmium

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
    import geopandas as gpd

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


# --------------------------------------------------------------------------- downloads


# requests' errors derive from OSError; osmnx reports bad answers with its own classes
_DOWNLOAD_ERRORS = (OSError, InsufficientResponseError, ResponseStatusCodeError)


def _offline_message(service: str, e: BaseException) -> str:
    return (
        f"could not download the network from {service} ({type(e).__name__}: {e}); check the "
        "internet connection, or build the network from a local file with --osm-file"
    )


def _require_overpass() -> None:
    """Fail fast when the Overpass server cannot be reached.

    osmnx asks the server's ``/status`` endpoint for a slot before each query and, when that
    fails, waits 60 s before trying the query anyway; one quick request here spares that wait.
    """
    url = str(ox.settings.overpass_url).rstrip("/") + "/status"
    try:
        with urllib.request.urlopen(url, timeout=15):
            pass
    except urllib.error.HTTPError:
        return  # the server answered: let osmnx deal with its status
    except OSError as e:  # URLError (DNS, refused, timeout) derives from OSError
        raise ServiceUnavailableError(_offline_message(f"Overpass ({url})", e)) from e


def graph_from_polygon(
    polygon: Polygon | MultiPolygon, *, network_type: str = "drive"
) -> nx.MultiDiGraph:
    """Download the road network inside `polygon` (EPSG:4326) from Overpass with osmnx.

    Needs the internet; used by ``geoservice network fetch`` only, never per request.

    Raises
    ------
    ServiceUnavailableError
        When Overpass cannot be reached or answers with an error.
    InvalidParameterError
        When `polygon` is not a valid Polygon/MultiPolygon.
    """
    check_network_type(network_type)
    if not isinstance(polygon, Polygon | MultiPolygon):
        kind = getattr(polygon, "geom_type", type(polygon).__name__)
        raise InvalidParameterError("polygon", f"a Polygon or MultiPolygon is needed, not {kind}")
    if not polygon.is_valid:
        reason = shapely.is_valid_reason(polygon)
        raise InvalidParameterError("polygon", f"the polygon is not valid: {reason}")
    _require_overpass()
    try:
        G = ox.graph_from_polygon(polygon, network_type=network_type)
    except _DOWNLOAD_ERRORS as e:
        raise ServiceUnavailableError(_offline_message("Overpass", e)) from e
    return _normalise_graph(G, network_type=network_type, source="overpass")


def graph_from_place(name: str, *, network_type: str = "drive") -> nx.MultiDiGraph:
    """Geocode `name` with Nominatim, then download its road network (see `graph_from_polygon`).

    Raises
    ------
    ServiceUnavailableError
        When Nominatim or Overpass cannot be reached.
    InvalidParameterError
        When Nominatim finds no polygon for `name`.
    """
    check_network_type(network_type)
    try:
        places = ox.geocoder.geocode_to_gdf(name)
    except (InsufficientResponseError, TypeError) as e:
        # osmnx: no result (InsufficientResponseError) or a result that is not a polygon
        raise InvalidParameterError("place", f"no boundary polygon for {name!r}: {e}") from e
    except OSError as e:
        msg = (
            f"could not geocode {name!r} with Nominatim ({type(e).__name__}: {e}); check the "
            "internet connection, or build the network from a local file with --osm-file"
        )
        raise ServiceUnavailableError(msg) from e
    G = graph_from_polygon(places.union_all(), network_type=network_type)
    G.graph["source"] = f"overpass: {name}"
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
