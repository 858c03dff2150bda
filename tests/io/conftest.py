"""Fixtures for the OSM tests: the staged real OSM XML file and a fake Overpass server.

The fake server answers from the Overpass ``out json`` conversion of that real file, so
osmnx's download-and-build code runs on real data without the internet.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import osmnx as ox
import pytest
import shapely
from shapely import Polygon

from geoservice.io import osm, osm_download
from geoservice.io.sources import verify_source

# ../shared/data/raw/SOURCES.md §8
OSM_FILE = "osm-fallback-not-nievre/gretz-armainvilliers-77_map.osm"

OverpassFake = Callable[[Polygon, str, Any], Iterator[dict[str, Any]]]


@pytest.fixture(scope="session")
def osm_xml_path(raw_dir: Path) -> Path:
    """The real OSM XML export of Gretz-Armainvilliers (77), checked against SOURCES.md."""
    verify_source(raw_dir, OSM_FILE)
    return raw_dir / OSM_FILE


@pytest.fixture(scope="session")
def osm_bounds(osm_xml_path: Path) -> Polygon:
    """The ``<bounds>`` box of the export (EPSG:4326)."""
    b = ET.parse(osm_xml_path).getroot().find("bounds")
    assert b is not None
    return shapely.box(
        float(b.get("minlon", "")),
        float(b.get("minlat", "")),
        float(b.get("maxlon", "")),
        float(b.get("maxlat", "")),
    )


@pytest.fixture(scope="session")
def overpass_json(osm_xml_path: Path) -> dict[str, Any]:
    """The file's nodes and ways as an Overpass ``out json`` response.

    Converted here with ElementTree, independently of osmnx's and our readers.
    """
    elements: list[dict[str, Any]] = []
    for e in ET.parse(osm_xml_path).getroot():
        element: dict[str, Any]
        if e.tag == "node":
            element = {
                "type": "node",
                "id": int(e.get("id", "")),
                "lat": float(e.get("lat", "")),
                "lon": float(e.get("lon", "")),
            }
        elif e.tag == "way":
            refs = [int(nd.get("ref", "")) for nd in e.findall("nd")]
            element = {"type": "way", "id": int(e.get("id", "")), "nodes": refs}
        else:
            continue
        tags = {t.get("k", ""): t.get("v", "") for t in e.findall("tag")}
        if tags:
            element["tags"] = tags
        elements.append(element)
    return {
        "version": 0.6,
        "generator": "Overpass API (converted from the staged OSM export for tests)",
        "osm3s": {"copyright": "The data included in this document is from www.openstreetmap.org."},
        "elements": elements,
    }


@pytest.fixture
def fake_overpass(
    monkeypatch: pytest.MonkeyPatch, overpass_json: dict[str, Any]
) -> list[tuple[str, Polygon]]:
    """Replace osmnx's Overpass download by an answer computed from the real file.

    Like the server, the fake applies osmnx's way filter for the network type, keeps the
    ways with at least one node inside the query polygon, and adds all their nodes
    (``(way...;>;);out;``). Returns the list of ``(network_type, polygon)`` requests made.
    """
    requests: list[tuple[str, Polygon]] = []

    def download(
        polygon: Polygon, network_type: str, custom_filter: Any
    ) -> Iterator[dict[str, Any]]:
        requests.append((network_type, polygon))
        answer = osm.filter_overpass_json(overpass_json, network_type)
        lonlat = {e["id"]: (e["lon"], e["lat"]) for e in answer["elements"] if e["type"] == "node"}
        ways = [
            w
            for w in answer["elements"]
            if w["type"] == "way"
            and any(polygon.contains(shapely.Point(lonlat[n])) for n in w["nodes"] if n in lonlat)
        ]
        used = {n for w in ways for n in w["nodes"]}
        nodes = [e for e in answer["elements"] if e["type"] == "node" and e["id"] in used]
        yield {**overpass_json, "elements": nodes + ways}

    monkeypatch.setattr(osm_download, "_require_overpass", lambda: None)
    monkeypatch.setattr(ox._overpass, "_download_overpass_network", download)
    return requests
