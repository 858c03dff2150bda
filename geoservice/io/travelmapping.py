"""The embedded road network: Travel Mapping waypoint files → a compact graph in ``data/roads/``.

Source: ``travelmapping-roads/`` of the raw sources (SOURCES.md §9), route files ``*.wpt`` of
the Travel Mapping project (``TravelMapping/HighwayData``), positions derived from
OpenStreetMap. Each file lists the waypoints of one route in order; waypoints where routes meet
have exactly the same coordinates, so junctions join on the exact (lat, lon) without snapping.

The build writes two small CSV files (deterministic bytes):

- ``roads/travelmapping_nodes.csv``: ``node, lon, lat`` (WGS 84, degrees, as published);
- ``roads/travelmapping_edges.csv``: one row per pair of consecutive waypoints (undirected,
  ``u < v``), ``u, v, chord_m, length_m, highway, ref``.

:func:`load_travelmapping_graph` turns them into an osmnx-convention ``MultiDiGraph`` with both
directions of every edge.

Road class from the Travel Mapping system (documented in ``data/README.md``): ``fraa``
(autoroutes) → ``motorway``, ``fran`` (routes nationales) → ``trunk``, every département D-road
system → ``secondary``. ``length`` is the geodesic chord between the two waypoints (WGS 84
ellipsoid) times a detour factor (``network.travelmapping.detour_factor``), calibrated on the
chord-vs-road figures of SOURCES.md §9.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
from pyproj import Geod

from geoservice.errors import ChecksumMismatchError, DataError, MissingDataError
from geoservice.io.build_steps import BuildContext, StepResult
from geoservice.io.manifest import sha256_file

#: Folder of the Travel Mapping sources inside the raw directory.
RAW_SUBDIR = "travelmapping-roads"
#: sha256 of ``travelmapping-roads/MANIFEST.sha256`` as staged (checked 2026-11-25). SOURCES.md §9
#: quotes e51e0ae5…96ef for it, which these bytes do not reproduce; every one of the 548 files
#: it lists does match its line, so the manifest is pinned here by its observed digest.
MANIFEST_SHA256 = "87645c3e15dc53bc4fe9bf5c194380768857d062567a0d47d7e742dd58bb1857"
#: Output folder and files inside ``data/``.
OUT_SUBDIR = "roads"
NODES_FILE = "travelmapping_nodes.csv"
EDGES_FILE = "travelmapping_edges.csv"

#: Travel Mapping system → OSM ``highway`` class.
HIGHWAY_BY_SYSTEM: Mapping[str, str] = {
    "fraa": "motorway",
    "fran": "trunk",
}
#: Département D-road systems (``fra<region>d<dept>``) are all ``secondary``.
D_ROAD_HIGHWAY = "secondary"
#: When routes share a chord, the edge keeps the highest class.
HIGHWAY_RANK: Mapping[str, int] = {"motorway": 0, "trunk": 1, "secondary": 2}

NETWORK_NAME = "Travel Mapping main roads of the Nièvre (A, N, D)"
NETWORK_LIMITS = (
    "main roads only (A, N, D); no urban streets, no communal roads; edges are straight "
    "chords between junctions lengthened by a detour factor"
)
ATTRIBUTION = "© OpenStreetMap contributors; Travel Mapping project (TravelMapping/HighwayData)"

_URL_RE = re.compile(r"lat=(-?[0-9.]+)&lon=(-?[0-9.]+)")
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Waypoint:
    """One waypoint of a route file: its label and exact published coordinates (degrees)."""

    label: str
    lat: float
    lon: float


def read_manifest(raw_root: Path) -> dict[str, str]:
    """Relative path → sha256 from ``MANIFEST.sha256``, after checking the manifest itself."""
    path = raw_root / "MANIFEST.sha256"
    if not path.is_file():
        raise MissingDataError(f"{path} not found: the Travel Mapping sources are not staged")
    actual = sha256_file(path)
    if actual != MANIFEST_SHA256:
        msg = f"{path}: sha256 {actual} differs from the pinned {MANIFEST_SHA256}"
        raise ChecksumMismatchError(msg)
    manifest: dict[str, str] = {}
    for line in path.read_text(encoding="ascii").splitlines():
        if not line.strip():
            continue
        sha, rel = line.split(maxsplit=1)
        manifest[rel.strip()] = sha
    return manifest


def _read_verified(raw_root: Path, rel: str, manifest: Mapping[str, str]) -> str:
    path = raw_root / rel
    expected = manifest.get(rel)
    if expected is None:
        raise DataError(f"{rel} is not listed in {RAW_SUBDIR}/MANIFEST.sha256")
    actual = sha256_file(path)
    if actual != expected:
        raise ChecksumMismatchError(f"{path}: sha256 {actual} differs from manifest {expected}")
    return path.read_text(encoding="utf-8-sig")


def parse_wpt(text: str) -> list[Waypoint]:
    """Waypoints of a ``.wpt`` file: ``LABEL [ALT_LABELS…] URL`` per line, in route order."""
    points: list[Waypoint] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        match = _URL_RE.search(parts[-1])
        if match is None:
            raise DataError(f"line {number}: no lat/lon in {line!r}")
        points.append(Waypoint(parts[0], float(match.group(1)), float(match.group(2))))
    return points


def parse_systems(texts: Iterable[str]) -> dict[str, tuple[str, str]]:
    """File root → (system, route) from ``_systems/<system>.csv`` tables (``;``-separated)."""
    routes: dict[str, tuple[str, str]] = {}
    for text in texts:
        for row in csv.DictReader(io.StringIO(text), delimiter=";"):
            routes[row["fileNameRoot"]] = (row["system"], row["route"])
    return routes


def highway_from_system(system: str) -> str:
    """OSM ``highway`` class of a Travel Mapping system (``fraa`` → ``motorway``…)."""
    if system in HIGHWAY_BY_SYSTEM:
        return HIGHWAY_BY_SYSTEM[system]
    if re.fullmatch(r"fra[a-z]{3}d[0-9]{2}", system):
        return D_ROAD_HIGHWAY
    raise DataError(f"unknown Travel Mapping system {system!r}")


def geodesic_m(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    """Geodesic distance on the WGS 84 ellipsoid, metres."""
    _, _, dist = _GEOD.inv(lon1, lat1, lon2, lat2)
    return np.asarray(dist, dtype=float)


@dataclass(frozen=True)
class TravelMappingTables:
    """The parsed network: node and edge rows, ready to be written."""

    nodes: list[tuple[int, float, float]]  # node, lon, lat
    edges: list[tuple[int, int, float, float, str, str]]  # u, v, chord_m, length_m, highway, ref
    sources: dict[str, str]


def tables_from_raw(raw_dir: Path, detour_factor: float) -> TravelMappingTables:
    """Read and check every Travel Mapping file, build node and edge tables.

    Parameters
    ----------
    raw_dir
        The raw sources folder (holding ``travelmapping-roads/``).
    detour_factor
        Road length / chord length applied to every edge (≥ 1).
    """
    if not detour_factor >= 1.0:
        raise DataError(f"detour factor must be ≥ 1, got {detour_factor!r}")
    raw_root = raw_dir / RAW_SUBDIR
    manifest = read_manifest(raw_root)
    sources = {f"{RAW_SUBDIR}/MANIFEST.sha256": MANIFEST_SHA256}
    system_rels = sorted(
        rel
        for rel in manifest
        if rel.startswith("hwy_data/_systems/") and not rel.endswith("_con.csv")
    )
    routes = parse_systems(_read_verified(raw_root, rel, manifest) for rel in system_rels)
    wpt_rels = sorted(rel for rel in manifest if rel.endswith(".wpt"))
    routes_points: list[tuple[str, str, list[Waypoint]]] = []
    for rel in wpt_rels:
        root = Path(rel).name.removesuffix(".wpt")
        if root not in routes:
            raise DataError(f"{rel}: file root {root!r} is in no _systems/*.csv table")
        system, route = routes[root]
        text = _read_verified(raw_root, rel, manifest)
        routes_points.append((highway_from_system(system), route, parse_wpt(text)))
    for rel in [*system_rels, *wpt_rels]:
        sources[f"{RAW_SUBDIR}/{rel}"] = manifest[rel]

    coords = sorted({(p.lat, p.lon) for _, _, pts in routes_points for p in pts})
    node_of = {c: i for i, c in enumerate(coords)}
    best: dict[tuple[int, int], tuple[str, set[str]]] = {}
    for highway, route, pts in routes_points:
        for a, b in itertools.pairwise(pts):
            u, v = node_of[(a.lat, a.lon)], node_of[(b.lat, b.lon)]
            if u == v:
                continue
            key = (min(u, v), max(u, v))
            old_highway, refs = best.get(key, (highway, set()))
            if HIGHWAY_RANK[highway] < HIGHWAY_RANK[old_highway]:
                old_highway = highway
            best[key] = (old_highway, refs | {route})
    keys = sorted(best)
    lat = np.array([c[0] for c in coords])
    lon = np.array([c[1] for c in coords])
    u_arr = np.array([k[0] for k in keys])
    v_arr = np.array([k[1] for k in keys])
    chord = geodesic_m(lon[u_arr], lat[u_arr], lon[v_arr], lat[v_arr])
    edges = [
        (u, v, round(float(c), 1), round(float(c) * detour_factor, 1), best[(u, v)][0], ref)
        for (u, v), c in zip(keys, chord, strict=True)
        for ref in [";".join(sorted(best[(u, v)][1], key=_route_sort_key))]
    ]
    nodes = [(i, c[1], c[0]) for i, c in enumerate(coords)]
    return TravelMappingTables(nodes=nodes, edges=edges, sources=sources)


def _route_sort_key(route: str) -> tuple[str, int, str]:
    match = re.fullmatch(r"([A-Z]+)([0-9]+)(.*)", route)
    if match is None:
        return (route, 0, "")
    return (match.group(1), int(match.group(2)), match.group(3))


def write_tables(tables: TravelMappingTables, out_dir: Path) -> list[Path]:
    """Write the node and edge CSV files into ``out_dir/roads/``; return their paths."""
    folder = out_dir / OUT_SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    nodes_path = folder / NODES_FILE
    edges_path = folder / EDGES_FILE
    with nodes_path.open("w", encoding="utf-8", newline="\n") as f:
        f.write("node,lon,lat\n")
        for node, lon, lat in tables.nodes:
            f.write(f"{node},{lon:.6f},{lat:.6f}\n")
    with edges_path.open("w", encoding="utf-8", newline="\n") as f:
        f.write("u,v,chord_m,length_m,highway,ref\n")
        for u, v, chord_m, length_m, highway, ref in tables.edges:
            f.write(f"{u},{v},{chord_m:.1f},{length_m:.1f},{highway},{ref}\n")
    return [nodes_path, edges_path]


def build_roads(ctx: BuildContext) -> StepResult:
    """Build step ``roads``: Travel Mapping waypoints → ``data/roads/*.csv``."""
    detour = float(ctx.settings.get("network.travelmapping.detour_factor", 1.07))
    tables = tables_from_raw(ctx.raw_dir, detour)
    ctx.echo(
        f"    {len(tables.nodes):,} nodes, {len(tables.edges):,} road segments "
        f"(detour factor {detour})"
    )
    outputs = write_tables(tables, ctx.out_dir)
    return StepResult(outputs=outputs, sources=tables.sources)


def load_travelmapping_graph(data_dir: Path) -> nx.MultiDiGraph:
    """The embedded network as an osmnx-convention graph (EPSG:4326, both directions).

    Node attributes ``x`` (lon), ``y`` (lat); edge attributes ``length`` (m, chord × detour
    factor), ``chord_m``, ``highway``, ``ref``. Graph attributes ``crs``, ``name``, ``limits``,
    ``source``, ``attribution``.
    """
    folder = data_dir / OUT_SUBDIR
    nodes_path, edges_path = folder / NODES_FILE, folder / EDGES_FILE
    for path in (nodes_path, edges_path):
        if not path.is_file():
            msg = f"{path} is missing: run `geoservice data build` to create it"
            raise MissingDataError(msg)
    G = nx.MultiDiGraph(
        crs="EPSG:4326",
        name=NETWORK_NAME,
        limits=NETWORK_LIMITS,
        source="travelmapping",
        attribution=ATTRIBUTION,
    )
    with nodes_path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            G.add_node(int(row["node"]), x=float(row["lon"]), y=float(row["lat"]))
    with edges_path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            u, v = int(row["u"]), int(row["v"])
            attrs = {
                "length": float(row["length_m"]),
                "chord_m": float(row["chord_m"]),
                "highway": row["highway"],
                "ref": row["ref"],
            }
            G.add_edge(u, v, key=0, **attrs)
            G.add_edge(v, u, key=0, **attrs)
    return G
