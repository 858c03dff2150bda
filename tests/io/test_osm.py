"""OpenStreetMap networks: local XML / PBF files, GraphML round trip, (fake) downloads."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import osmium
import osmnx as ox
import pytest
import shapely
from shapely import LineString, Polygon

from geoservice.errors import (
    DataError,
    InvalidParameterError,
    MissingDataError,
    ServiceUnavailableError,
)
from geoservice.io import osm, osm_download
from geoservice.io.network import load_network_graph, load_road_network
from geoservice.settings import Settings

# The drive filter of osmnx 2.1.1 (_overpass._get_network_filter), written out as exact
# value sets: an independent re-implementation to check ours against.
DRIVE_EXCLUDED_HIGHWAYS = {
    "abandoned", "bridleway", "bus_guideway", "construction", "corridor", "cycleway",
    "elevator", "escalator", "footway", "no", "path", "pedestrian", "planned", "platform",
    "proposed", "raceway", "razed", "rest_area", "service", "services", "steps", "track",
}  # fmt: skip
DRIVE_EXCLUDED_SERVICES = {
    "alley", "driveway", "emergency_access", "parking", "parking_aisle", "private",
}  # fmt: skip


def _is_drive_way(tags: dict[str, str]) -> bool:
    return (
        "highway" in tags
        and tags.get("area") != "yes"
        and tags.get("access") != "private"
        and tags["highway"] not in DRIVE_EXCLUDED_HIGHWAYS
        and tags.get("motor_vehicle") != "no"
        and tags.get("motorcar") != "no"
        and tags.get("service") not in DRIVE_EXCLUDED_SERVICES
    )


@pytest.fixture(scope="module")
def graphs(osm_xml_path: Path) -> dict[str, nx.MultiDiGraph]:
    """The real file's graph for every network type, built once."""
    return {t: osm.graph_from_osm_file(osm_xml_path, network_type=t) for t in osm.NETWORK_TYPES}


def _write_pbf(source: Path, target: Path) -> Path:
    """Convert an OSM file to PBF with pyosmium (every node, way and relation)."""
    with osmium.SimpleWriter(str(target)) as writer:
        for obj in osmium.FileProcessor(str(source)):
            writer.add(obj)
    return target


def _assert_same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph, tolerance_m: float) -> None:
    assert set(a.nodes) == set(b.nodes)
    assert set(a.edges(keys=True)) == set(b.edges(keys=True))
    for e in a.edges(keys=True):
        assert a.edges[e]["length"] == pytest.approx(b.edges[e]["length"], abs=tolerance_m)
    for n in a.nodes:
        assert (a.nodes[n]["x"], a.nodes[n]["y"]) == pytest.approx(
            (b.nodes[n]["x"], b.nodes[n]["y"]), abs=1e-7
        )


# --------------------------------------------------------------------------- local files


@pytest.mark.parametrize("network_type", osm.NETWORK_TYPES)
def test_graph_follows_the_convention(
    graphs: dict[str, nx.MultiDiGraph], overpass_json: dict[str, Any], network_type: str
) -> None:
    G = graphs[network_type]
    lonlat = {
        e["id"]: (e["lon"], e["lat"]) for e in overpass_json["elements"] if e["type"] == "node"
    }
    assert isinstance(G, nx.MultiDiGraph)
    assert G.graph["crs"] == "EPSG:4326"
    assert G.graph["network_type"] == network_type
    assert len(G) > 20
    assert nx.is_weakly_connected(G)
    for n, data in G.nodes(data=True):
        assert isinstance(data["x"], float)
        assert (data["x"], data["y"]) == lonlat[n]  # OSM node ids, x = lon, y = lat
    for _, _, data in G.edges(data=True):
        assert isinstance(data["length"], float)
        assert data["length"] > 0
        assert isinstance(data["highway"], str)
        assert data["highway"]
        assert isinstance(data["ref"], str)
        assert isinstance(data["oneway"], bool)


def test_drive_graph_equals_osmnx_graph_from_xml_of_the_drive_ways(
    graphs: dict[str, nx.MultiDiGraph], osm_xml_path: Path, tmp_path: Path
) -> None:
    """Our filtered build = osmnx's own graph_from_xml on the file reduced to drive ways."""
    tree = ET.parse(osm_xml_path)
    root = tree.getroot()
    dropped = 0
    for way in root.findall("way"):
        if not _is_drive_way({t.get("k", ""): t.get("v", "") for t in way.findall("tag")}):
            root.remove(way)
            dropped += 1
    assert dropped > 250  # buildings, land use, footways, service roads...
    reduced = tmp_path / "drive-only.osm"
    tree.write(reduced, encoding="utf-8", xml_declaration=True)
    expected = ox.graph_from_xml(reduced)

    G = graphs["drive"]
    _assert_same_graph(G, expected, tolerance_m=1e-6)
    # osmnx on the unfiltered file takes buildings and land use for streets
    unfiltered = ox.graph_from_xml(osm_xml_path, retain_all=True)
    assert (len(unfiltered), len(unfiltered.edges)) == (304, 987)
    assert (len(G), len(G.edges)) < (len(unfiltered), len(unfiltered.edges))


def test_network_types_select_the_right_ways(graphs: dict[str, nx.MultiDiGraph]) -> None:
    def classes(G: nx.MultiDiGraph) -> set[str]:
        return {d["highway"] for _, _, d in G.edges(data=True)}

    assert classes(graphs["drive"]).isdisjoint({"service", "path", "footway", "track"})
    assert {"trunk", "tertiary"} <= classes(graphs["drive"])
    assert "path" in classes(graphs["walk"])
    assert "service" in classes(graphs["walk"])
    assert len(graphs["walk"]) > len(graphs["drive"])


def test_one_way_streets_are_one_way_for_cars_only(graphs: dict[str, nx.MultiDiGraph]) -> None:
    drive, walk = graphs["drive"], graphs["walk"]
    one_way = [(u, v) for u, v, d in drive.edges(data=True) if d["oneway"]]
    assert one_way  # the N4 carriageways and the roundabouts
    assert any(not drive.has_edge(v, u) for u, v in one_way)
    # pedestrians walk both ways on every street
    assert all(walk.has_edge(v, u) for u, v in walk.edges())
    assert not any(d["oneway"] for _, _, d in walk.edges(data=True))


@pytest.mark.parametrize("network_type", ["drive", "walk"])
def test_pbf_graph_equals_xml_graph(
    graphs: dict[str, nx.MultiDiGraph], osm_xml_path: Path, tmp_path: Path, network_type: str
) -> None:
    pbf = _write_pbf(osm_xml_path, tmp_path / "gretz.osm.pbf")
    assert pbf.read_bytes()[:4] != b"<?xm"  # really PBF, not XML
    G = osm.graph_from_osm_file(pbf, network_type=network_type)
    assert G.graph["crs"] == "EPSG:4326"
    _assert_same_graph(G, graphs[network_type], tolerance_m=1.0)
    for e in G.edges(keys=True):
        assert G.edges[e]["highway"] == graphs[network_type].edges[e]["highway"]
        assert G.edges[e]["ref"] == graphs[network_type].edges[e]["ref"]


def test_simplified_edges_keep_their_way_geometry(graphs: dict[str, nx.MultiDiGraph]) -> None:
    G = graphs["drive"]
    with_geometry = [d for _, _, d in G.edges(data=True) if "geometry" in d]
    assert with_geometry
    for d in with_geometry:
        assert isinstance(d["geometry"], LineString)
        # length (sum of great-circle segments) = the way geometry measured in Lambert-93
        line_m = gpd.GeoSeries([d["geometry"]], crs=4326).to_crs(2154).length.iloc[0]
        assert d["length"] == pytest.approx(line_m, rel=0.01)


def test_route_refs_are_kept(graphs: dict[str, nx.MultiDiGraph]) -> None:
    refs = {d["ref"] for _, _, d in graphs["drive"].edges(data=True)}
    assert {"N 4", "D 32", ""} <= refs


def test_unknown_network_type_is_refused(osm_xml_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match=r"'car'.*allowed: all, bike, drive, walk"):
        osm.graph_from_osm_file(osm_xml_path, network_type="car")


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match=r"'roads.shp'.*allowed: .*\.osm.*\.pbf"):
        osm.graph_from_osm_file(tmp_path / "roads.shp")
    with pytest.raises(MissingDataError, match="not found"):
        osm.graph_from_osm_file(tmp_path / "absent.osm.pbf")
    with pytest.raises(InvalidParameterError, match=r"allowed: \.graphml"):
        osm.load_network_file(tmp_path / "roads.gpkg")


def test_corrupt_files_raise_data_errors(tmp_path: Path) -> None:
    bad_xml = tmp_path / "bad.osm"
    bad_xml.write_text("<osm><node id='1' lat='48'", encoding="utf-8")
    with pytest.raises(DataError, match="cannot read OSM XML"):
        osm.graph_from_osm_file(bad_xml)
    bad_pbf = tmp_path / "bad.osm.pbf"
    bad_pbf.write_bytes(b"\x00\x00\x00\x0dnot a pbf block at all")
    with pytest.raises(DataError, match="cannot read OSM PBF"):
        osm.graph_from_osm_file(bad_pbf)


def test_file_without_ways_of_the_type(osm_xml_path: Path, tmp_path: Path) -> None:
    tree = ET.parse(osm_xml_path)
    root = tree.getroot()
    for way in root.findall("way"):
        tags = {t.get("k"): t.get("v") for t in way.findall("tag")}
        if tags.get("highway") not in {"footway", "path"}:
            root.remove(way)
    paths_only = tmp_path / "paths.osm"
    tree.write(paths_only, encoding="utf-8", xml_declaration=True)
    assert len(osm.graph_from_osm_file(paths_only, network_type="walk")) > 1
    with pytest.raises(DataError, match="no OSM way of network type 'drive'"):
        osm.graph_from_osm_file(paths_only, network_type="drive")


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "residential"}, True),
        ({"highway": "service"}, False),
        ({"highway": "residential", "access": "private"}, False),
        ({"highway": "residential", "access": "destination"}, True),
        ({"highway": "primary", "motorcar": "no"}, False),
        ({"highway": "unclassified", "service": "driveway"}, False),
        ({"building": "yes"}, False),
        ({"highway": "residential", "area": "yes"}, False),
    ],
)
def test_drive_way_filter(tags: dict[str, str], expected: bool) -> None:
    clauses = osm.way_filter_clauses("drive")
    assert osm.way_matches(tags, clauses) is expected
    assert _is_drive_way(tags) is expected


def test_highway_lists_become_the_most_important_class() -> None:
    G = nx.MultiDiGraph()
    G.add_node(1, x=2.0, y=48.0)
    G.add_node(2, x=2.001, y=48.0)
    G.add_edge(1, 2, highway=["residential", "trunk_link", "tertiary"], ref=["N 4", "D 32"],
               osmid=[30, 10, 20], length=74.0)  # fmt: skip
    G.add_edge(2, 1, highway="residential", length=74.0)
    osm.normalise_graph(G, network_type="drive", source="test")
    assert G.edges[1, 2, 0]["highway"] == "trunk_link"
    assert G.edges[1, 2, 0]["ref"] == "D 32;N 4"
    assert G.edges[1, 2, 0]["osmid"] == [10, 20, 30]
    assert G.edges[2, 1, 0]["ref"] == ""
    assert G.graph["crs"] == "EPSG:4326"


# --------------------------------------------------------------------------- GraphML


def test_graphml_round_trip(graphs: dict[str, nx.MultiDiGraph], tmp_path: Path) -> None:
    G = graphs["drive"]
    path = osm.save_graph(G, tmp_path / "nets" / "gretz.graphml")
    H = osm.load_graph(path)
    assert H.graph["crs"] == "EPSG:4326"
    assert H.graph["network_type"] == "drive"
    assert set(H.nodes) == set(G.nodes)
    assert set(H.edges(keys=True)) == set(G.edges(keys=True))
    for n, data in G.nodes(data=True):
        assert H.nodes[n]["x"] == data["x"]
        assert H.nodes[n]["y"] == data["y"]
    for u, v, k, data in G.edges(keys=True, data=True):
        loaded: dict[str, Any] = H.edges[u, v, k]
        assert isinstance(loaded["length"], float)
        assert loaded["length"] == data["length"]
        assert isinstance(loaded["highway"], str)
        assert loaded["highway"] == data["highway"]
        assert isinstance(loaded["ref"], str)
        assert loaded["ref"] == data["ref"]
        assert loaded["oneway"] is data["oneway"]
        if "geometry" in data:
            assert loaded["geometry"].equals(data["geometry"])
    # and the dispatcher loads it the same way
    assert set(osm.load_network_file(path).edges(keys=True)) == set(G.edges(keys=True))


def test_save_graph_wants_graphml(graphs: dict[str, nx.MultiDiGraph], tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match="graphml"):
        osm.save_graph(graphs["drive"], tmp_path / "g.gpkg")


def test_load_graph_errors(tmp_path: Path) -> None:
    with pytest.raises(MissingDataError):
        osm.load_graph(tmp_path / "absent.graphml")
    bad = tmp_path / "bad.graphml"
    bad.write_text("<graphml><graph", encoding="utf-8")
    with pytest.raises(DataError, match="cannot read GraphML"):
        osm.load_graph(bad)


def test_load_network_file_dispatches_on_suffix(
    graphs: dict[str, nx.MultiDiGraph], osm_xml_path: Path, tmp_path: Path
) -> None:
    pbf = _write_pbf(osm_xml_path, tmp_path / "gretz.pbf")
    xml = tmp_path / "gretz.xml"
    xml.symlink_to(osm_xml_path)
    gz = osm.save_graph(graphs["bike"], tmp_path / "gretz-bike.graphml.gz")
    assert gz.read_bytes()[:2] == b"\x1f\x8b"  # gzip
    for path in (osm_xml_path, pbf, xml, gz):
        G = osm.load_network_file(path, network_type="bike")
        assert set(G.edges(keys=True)) == set(graphs["bike"].edges(keys=True))
        assert G.graph["network_type"] == "bike"
    assert len(osm.graph_from_pbf(pbf, network_type="walk")) == len(graphs["walk"])
    with pytest.raises(InvalidParameterError, match=r"not an OSM PBF file: 'gretz.xml'"):
        osm.graph_from_pbf(xml)


# --------------------------------------------------------------------------- downloads


def test_graph_from_polygon_builds_the_overpass_answer(
    graphs: dict[str, nx.MultiDiGraph],
    fake_overpass: list[tuple[str, Polygon]],
    osm_bounds: Polygon,
) -> None:
    G = osm.graph_from_polygon(osm_bounds, network_type="drive")
    assert fake_overpass[0][0] == "drive"
    assert fake_overpass[0][1].contains(osm_bounds)  # osmnx asks for a 500 m buffer
    assert G.graph["crs"] == "EPSG:4326"
    assert len(G) > 10
    # osmnx truncated the answer to the polygon...
    for _, data in G.nodes(data=True):
        assert osm_bounds.intersects(shapely.Point(data["x"], data["y"]))
    # ...and its streets are the file's streets, with the same lengths
    whole = graphs["drive"]
    assert set(G.nodes) <= set(whole.nodes)
    assert set(G.edges(keys=True)) <= set(whole.edges(keys=True))
    for e in G.edges(keys=True):
        assert G.edges[e]["length"] == pytest.approx(whole.edges[e]["length"], abs=1.0)
        assert isinstance(G.edges[e]["ref"], str)


def test_graph_from_place_geocodes_then_downloads(
    monkeypatch: pytest.MonkeyPatch,
    fake_overpass: list[tuple[str, Polygon]],
    osm_bounds: Polygon,
) -> None:
    asked: list[str] = []

    def geocode(query: str, **kwargs: Any) -> gpd.GeoDataFrame:
        asked.append(query)
        return gpd.GeoDataFrame({"name": [query]}, geometry=[osm_bounds], crs=4326)

    monkeypatch.setattr(ox.geocoder, "geocode_to_gdf", geocode)
    G = osm.graph_from_place("Gretz-Armainvilliers, France", network_type="walk")
    assert asked == ["Gretz-Armainvilliers, France"]
    assert [t for t, _ in fake_overpass] == ["walk"]
    assert G.graph["source"] == "overpass: Gretz-Armainvilliers, France"
    assert all(G.has_edge(v, u) for u, v in G.edges())


def test_download_without_network_is_a_service_error(
    monkeypatch: pytest.MonkeyPatch, osm_bounds: Polygon
) -> None:
    import requests

    def offline(*args: Any, **kwargs: Any) -> Any:
        raise requests.exceptions.ConnectionError("Failed to resolve 'overpass-api.de'")

    # the quick reachability check osmnx lacks (it would wait 60 s, then try)
    def no_dns(*args: Any, **kwargs: Any) -> Any:
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    monkeypatch.setattr(urllib.request, "urlopen", no_dns)
    with pytest.raises(ServiceUnavailableError, match=r"from Overpass \(https://.*/status\)"):
        osm.graph_from_polygon(osm_bounds)
    # the download itself failing
    monkeypatch.setattr(osm_download, "_require_overpass", lambda: None)
    monkeypatch.setattr(ox._overpass, "_download_overpass_network", offline)
    with pytest.raises(ServiceUnavailableError, match=r"could not download.*--osm-file"):
        osm.graph_from_polygon(osm_bounds)
    monkeypatch.setattr(ox.geocoder, "geocode_to_gdf", offline)
    with pytest.raises(ServiceUnavailableError, match="could not geocode 'Nevers, France'"):
        osm.graph_from_place("Nevers, France")


def test_place_without_polygon_is_a_parameter_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from osmnx._errors import InsufficientResponseError

    def nothing(query: str, **kwargs: Any) -> Any:
        raise InsufficientResponseError(f"Nominatim could not geocode query {query!r}")

    monkeypatch.setattr(ox.geocoder, "geocode_to_gdf", nothing)
    with pytest.raises(InvalidParameterError, match="no boundary polygon for 'Nowhere'"):
        osm.graph_from_place("Nowhere")


@pytest.mark.network
def test_download_a_real_place() -> None:
    G = osm.graph_from_place("Pougues-les-Eaux, Nièvre, France", network_type="drive")
    assert len(G) > 50
    assert G.graph["crs"] == "EPSG:4326"
    assert all(d["length"] > 0 for _, _, d in G.edges(data=True))


def test_polygon_inputs_are_checked(tmp_path: Path) -> None:
    points = tmp_path / "points.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Point(3.16, 46.99)], crs=4326).to_file(points)
    with pytest.raises(DataError, match=r"holds no polygon.*Point"):
        osm.polygon_from_file(points)
    with pytest.raises(InvalidParameterError, match="not Point"):
        osm.graph_from_polygon(shapely.Point(3.16, 46.99))  # type: ignore[arg-type]
    bowtie = Polygon([(3.0, 47.0), (3.1, 47.1), (3.1, 47.0), (3.0, 47.1)])
    with pytest.raises(InvalidParameterError, match="not valid: Self-intersection"):
        osm.graph_from_polygon(bowtie)
    lambert = tmp_path / "area-2154.geojson"
    area = gpd.GeoSeries([shapely.box(3.1, 46.9, 3.2, 47.0)], crs=4326)
    gpd.GeoDataFrame(geometry=area.to_crs(2154)).to_file(lambert)
    loaded = osm.polygon_from_file(lambert)
    assert loaded.bounds == pytest.approx((3.1, 46.9, 3.2, 47.0), abs=1e-3)


def test_ways_with_missing_nodes_keep_their_complete_stretch(
    graphs: dict[str, nx.MultiDiGraph], osm_xml_path: Path, tmp_path: Path
) -> None:
    """An extract cut at its border: the ways lose their stretches beyond the last node."""
    tree = ET.parse(osm_xml_path)
    root = tree.getroot()
    drive_ways = [
        w
        for w in root.findall("way")
        if _is_drive_way({t.get("k", ""): t.get("v", "") for t in w.findall("tag")})
    ]
    # drop the last two nodes of the three longest drive ways
    longest = sorted(drive_ways, key=lambda w: -len(w.findall("nd")))[:3]
    missing = {nd.get("ref") for w in longest for nd in w.findall("nd")[-2:]}
    for node in root.findall("node"):
        if node.get("id") in missing:
            root.remove(node)
    cut_file = tmp_path / "cut.osm"
    tree.write(cut_file, encoding="utf-8", xml_declaration=True)
    with pytest.warns(UserWarning, match=r"\d+ OSM way\(s\) use nodes absent"):
        G = osm.graph_from_osm_file(cut_file, network_type="drive")
    assert not set(G.nodes) & {int(m) for m in missing if m is not None}
    assert all(d["length"] > 0 for _, _, d in G.edges(data=True))
    whole_m = sum(d["length"] for _, _, d in graphs["drive"].edges(data=True))
    assert 0 < sum(d["length"] for _, _, d in G.edges(data=True)) < whole_m


def test_complete_ways_keeps_the_longest_run() -> None:
    ways = [
        {"id": 1, "nodes": [1, 2, 3]},
        {"id": 2, "nodes": [1, 9, 2, 3, 4, 9, 5]},
        {"id": 3, "nodes": [9, 1, 9]},
    ]
    kept, cut = osm.complete_ways(ways, {1, 2, 3, 4, 5})
    assert cut == 2
    assert kept == [{"id": 1, "nodes": [1, 2, 3]}, {"id": 2, "nodes": [2, 3, 4]}]


def test_service_loads_a_configured_osm_file(
    settings: Settings, osm_xml_path: Path, graphs: dict[str, nx.MultiDiGraph]
) -> None:
    """``network.source`` = an OSM file: filtered with ``network.osm_network_type`` ("all")."""
    configured = settings.with_overrides({"network.source": str(osm_xml_path)})
    assert configured.get("network.osm_network_type") == "all"
    net = load_road_network(configured)
    G = load_network_graph(configured)
    assert G.graph["source"] == osm_xml_path.name
    assert set(G.edges(keys=True)) == set(graphs["all"].edges(keys=True))

    def classes(mode: str) -> set[str]:
        return {d["highway"] for _, _, d in net.modes[mode].G.edges(data=True)}

    assert "path" in classes("walk")
    assert "path" not in classes("drive")  # banned for cars in config/network.toml
    assert {"trunk", "residential"} <= classes("drive")
