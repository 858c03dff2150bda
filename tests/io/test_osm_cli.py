"""``geoservice network fetch`` (cli/network.py over io/osm.py): files, downloads, errors."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import osmnx as ox
import pytest
import requests
from shapely import Polygon, to_geojson

from geoservice.cli import main
from geoservice.io import osm


def test_fetch_from_osm_file(
    osm_xml_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "networks" / "gretz.graphml"
    status = main(["network", "fetch", "--osm-file", str(osm_xml_path), "-o", str(out)])
    printed = capsys.readouterr().out
    assert status == 0
    assert f"reading {osm_xml_path} (drive network)" in printed
    assert "46 nodes, 90 edges" in printed
    assert f"saved {out}" in printed
    G = osm.load_graph(out)
    expected = osm.graph_from_osm_file(osm_xml_path, network_type="drive")
    assert set(G.edges(keys=True)) == set(expected.edges(keys=True))
    assert G.graph["source"] == osm_xml_path.name


def test_fetch_from_polygon_file(
    fake_overpass: list[tuple[str, Polygon]],
    osm_bounds: Polygon,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    area = tmp_path / "area.geojson"
    feature = {"type": "Feature", "properties": {}, "geometry": json.loads(to_geojson(osm_bounds))}
    area.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    out = tmp_path / "gretz-bike.graphml"
    argv = ["network", "fetch", "--polygon", str(area), "--network-type", "bike", "-o", str(out)]
    assert main(argv) == 0
    assert "downloading the bike network inside" in capsys.readouterr().out
    assert [t for t, _ in fake_overpass] == ["bike"]
    assert osm.load_graph(out).graph["network_type"] == "bike"


def test_fetch_without_network_fails_cleanly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def offline(*args: Any, **kwargs: Any) -> Any:
        raise requests.exceptions.ConnectionError(
            "HTTPSConnectionPool(host='nominatim.openstreetmap.org', port=443): "
            "Max retries exceeded (Failed to resolve 'nominatim.openstreetmap.org')"
        )

    monkeypatch.setattr(ox.geocoder, "geocode_to_gdf", offline)
    out = tmp_path / "nevers.graphml"
    status = main(["network", "fetch", "--place", "Nevers, France", "-o", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("geoservice: error: could not geocode 'Nevers, France'")
    assert "--osm-file" in err
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--osm-file", "roads.shp"], "unknown OSM file type 'roads.shp'; allowed: .osm, "),
        (["--osm-file", "absent.osm"], "network file absent.osm not found"),
        (["--polygon", "absent.geojson"], "polygon file absent.geojson not found"),
        (["--osm-file", "x.osm", "--network-type", "car"], "allowed: all, bike, drive, walk"),
    ],
)
def test_fetch_errors_are_one_clear_line(
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    status = main(["network", "fetch", *argv, "-o", "out.graphml"])
    err = capsys.readouterr().err
    assert status == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_fetch_output_must_be_graphml(
    osm_xml_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "gretz.gpkg"
    assert main(["network", "fetch", "--osm-file", str(osm_xml_path), "-o", str(out)]) == 2
    assert "the output must be a GraphML file, not 'gretz.gpkg'" in capsys.readouterr().err
    assert not out.exists()


def test_fetch_needs_exactly_one_source(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["network", "fetch", "--place", "Nevers", "--osm-file", "x.osm", "-o", "x.graphml"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_fetch_polygon_without_network_fails_fast(
    monkeypatch: pytest.MonkeyPatch,
    osm_bounds: Polygon,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def no_dns(*args: Any, **kwargs: Any) -> Any:
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    def unexpected(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("osmnx must not be asked to download when Overpass is unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", no_dns)
    monkeypatch.setattr(ox._overpass, "_download_overpass_network", unexpected)
    area = tmp_path / "area.geojson"
    feature = {"type": "Feature", "properties": {}, "geometry": json.loads(to_geojson(osm_bounds))}
    area.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    out = tmp_path / "area.graphml"
    assert main(["network", "fetch", "--polygon", str(area), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "could not download the network from Overpass" in err
    assert "Name or service not known" in err
    assert "Traceback" not in err
    assert not out.exists()
