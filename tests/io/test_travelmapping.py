"""The embedded Travel Mapping road network: parsing, topology, determinism, loading."""

from __future__ import annotations

import shutil
from pathlib import Path

import networkx as nx
import pytest

from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.errors import ChecksumMismatchError, DataError
from geoservice.io.build_steps import BuildContext
from geoservice.io.manifest import sha256_file
from geoservice.io.travelmapping import (
    EDGES_FILE,
    NODES_FILE,
    OUT_SUBDIR,
    build_roads,
    highway_from_system,
    load_travelmapping_graph,
    parse_wpt,
    read_manifest,
)
from geoservice.runtime import Runtime
from geoservice.settings import Settings


@pytest.fixture(scope="module")
def built(settings: Settings, raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("roads")
    build_roads(BuildContext(settings=settings, raw_dir=raw_dir, out_dir=out, echo=lambda _: None))
    return out


def test_topology_matches_sources_md(built: Path) -> None:
    G = load_travelmapping_graph(built)
    undirected = nx.Graph(G)
    # SOURCES.md §9: 3,330 nodes, 4,148 edges, one connected component.
    assert undirected.number_of_nodes() == 3330
    assert undirected.number_of_edges() == 4148
    assert nx.number_connected_components(undirected) == 1
    assert G.number_of_edges() == 2 * 4148  # both directions


def test_build_is_deterministic_and_matches_committed_files(
    built: Path, settings: Settings, raw_dir: Path, tmp_path: Path
) -> None:
    build_roads(BuildContext(settings=settings, raw_dir=raw_dir, out_dir=tmp_path, echo=print))
    for name in (NODES_FILE, EDGES_FILE):
        again = sha256_file(tmp_path / OUT_SUBDIR / name)
        assert again == sha256_file(built / OUT_SUBDIR / name)
        assert again == sha256_file(settings.data_dir / OUT_SUBDIR / name)


def test_graph_follows_osmnx_convention(built: Path) -> None:
    G = load_travelmapping_graph(built)
    assert G.graph["crs"] == "EPSG:4326"
    assert "main roads only" in G.graph["limits"]
    for _, data in G.nodes(data=True):
        assert 1.6 < data["x"] < 4.9
        assert 45.9 < data["y"] < 48.2
    classes = {h for _, _, h in G.edges(data="highway")}
    assert classes == {"motorway", "trunk", "secondary"}
    for u, v, data in G.edges(data=True):
        assert data["length"] == pytest.approx(
            data["chord_m"] * 1.07, abs=0.11
        )  # both rounded to 0.1 m
        assert G.has_edge(v, u)


def test_route_refs_and_classes(built: Path) -> None:
    G = load_travelmapping_graph(built)
    refs = {
        ref: h
        for _, _, d in G.edges(data=True)
        for ref in d["ref"].split(";")
        for h in [d["highway"]]
    }
    assert refs["A77"] == "motorway"
    assert refs["N7"] in {"motorway", "trunk"}
    assert refs["D978"] == "secondary"
    # D978 between Nevers and Château-Chinon is one route: a long path of D978 edges.
    d978 = [(u, v) for u, v, ref in G.edges(data="ref") if "D978" in ref.split(";")]
    assert len(d978) > 40


def test_highway_from_system() -> None:
    assert highway_from_system("fraa") == "motorway"
    assert highway_from_system("fran") == "trunk"
    assert highway_from_system("frabfcd58") == "secondary"
    assert highway_from_system("fracvld18") == "secondary"
    with pytest.raises(DataError, match="unknown"):
        highway_from_system("deua")


def test_parse_wpt_reads_labels_and_exact_coordinates() -> None:
    text = "\ufeffD907B http://www.openstreetmap.org/?lat=46.989948&lon=3.168469\r\n+X1 Alt http://www.openstreetmap.org/?lat=-1.5&lon=3\r\n"
    points = parse_wpt(text)
    assert [(p.label, p.lat, p.lon) for p in points] == [
        ("\ufeffD907B", 46.989948, 3.168469),
        ("+X1", -1.5, 3.0),
    ]
    with pytest.raises(DataError, match="line 1"):
        parse_wpt("D1 http://example.org/\n")


def test_tampered_manifest_is_refused(raw_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "travelmapping-roads"
    root.mkdir()
    text = (raw_dir / "travelmapping-roads" / "MANIFEST.sha256").read_text()
    (root / "MANIFEST.sha256").write_text(text.replace("b234", "c234", 1))
    with pytest.raises(ChecksumMismatchError):
        read_manifest(root)


def test_tampered_route_file_is_refused(settings: Settings, raw_dir: Path, tmp_path: Path) -> None:
    src = raw_dir / "travelmapping-roads"
    dst = tmp_path / "raw" / "travelmapping-roads"
    shutil.copytree(src, dst, copy_function=shutil.copyfile)
    for folder in [dst, *(p for p in dst.rglob("*") if p.is_dir())]:
        folder.chmod(0o755)  # the staged tree is read-only; let tmp_path clean up
    victim = dst / "hwy_data/FRA-BFC/fraa/frabfc.a077.wpt"
    victim.write_text(victim.read_text().replace("47.552882", "47.552883"))
    ctx = BuildContext(settings=settings, raw_dir=tmp_path / "raw", out_dir=tmp_path / "out")
    with pytest.raises(ChecksumMismatchError, match="a077"):
        build_roads(ctx)


#: SOURCES.md §9: shortest chord path from Nevers (km), measured on this graph by its authors.
CHORD_KM_FROM_NEVERS = {
    "Château-Chinon (Ville)": 62.1,
    "Cosne-Cours-sur-Loire": 52.9,
    "Clamecy": 63.3,
    "Decize": 31.8,
    "Luzy": 70.3,
    "La Charité-sur-Loire": 24.6,
    "Corbigny": 55.1,
}


def test_chord_paths_reproduce_sources_md_and_the_detour_factor(runtime: Runtime) -> None:
    """The calibration figures: chord paths as SOURCES.md states, lengths × 1.07 as roads."""
    assert runtime.network is not None
    G = runtime.network.G
    net = runtime.network.modes["drive"]
    points = runtime.communes.set_index("name").geometry.representative_point()

    def node(name: str) -> object:
        x, y = lambert93_from_wgs84(points[name].x, points[name].y)
        return net.router.nodes[int(net.index.nearest(float(x), float(y)).positions[0])]

    source = node("Nevers")
    chord = nx.single_source_dijkstra_path_length(G, source, weight="chord_m")
    road = nx.single_source_dijkstra_path_length(G, source, weight="length")
    for name, km in CHORD_KM_FROM_NEVERS.items():
        # Our end nodes are those nearest to commune points, not the authors' (a few km apart).
        assert chord[node(name)] / 1000 == pytest.approx(km, abs=4.0), name
    # Nevers–Château-Chinon by the D978 is about 64 km (SOURCES.md §9).
    assert road[node("Château-Chinon (Ville)")] / 1000 == pytest.approx(64, rel=0.06)
