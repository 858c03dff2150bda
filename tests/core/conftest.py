"""Commune reference points for the real-geography tests."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest

from geoservice.io.build import sha256_file

#: france-geojson communes of the Nièvre (SOURCES.md §1).
COMMUNES_SHA256 = "e90d7ba98e40e0e5505106b74d08631938b3e1bfd86fbf5d26b8afbd1dc2a0d6"


@pytest.fixture(scope="session")
def commune_polygons(raw_dir: Path) -> gpd.GeoDataFrame:
    """The 309 commune polygons (EPSG:4326), ``code``, ``nom``, ``geometry``."""
    path = raw_dir / "france-geojson" / "communes-58-nievre.geojson"
    assert sha256_file(path) == COMMUNES_SHA256
    frame = gpd.read_file(path)
    assert frame.crs is not None
    return frame


@pytest.fixture(scope="session")
def commune_points(commune_polygons: gpd.GeoDataFrame) -> dict[str, tuple[float, float]]:
    """Representative point (inside the polygon) of each commune, by name: (lon, lat)."""
    points = commune_polygons.representative_point()
    return {
        name: (float(p.x), float(p.y))
        for name, p in zip(commune_polygons["nom"], points, strict=True)
    }


#: decoupage-administratif communes.json (SOURCES.md §2).
POPULATION_SHA256 = "6cafec09b4e127d08edc47f366b28261bee70cca323fbfcb957dd169fcad9284"


@pytest.fixture(scope="session")
def communes_with_population(raw_dir: Path, commune_polygons: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Commune polygons joined to their INSEE population (the 309 current communes)."""
    path = raw_dir / "decoupage-administratif" / "communes.json"
    assert sha256_file(path) == POPULATION_SHA256
    records = json.loads(path.read_text(encoding="utf-8"))
    population = {
        r["code"]: int(r["population"])
        for r in records
        if r.get("departement") == "58" and r["type"] == "commune-actuelle"
    }
    frame = commune_polygons.assign(population=commune_polygons["code"].map(population))
    assert frame["population"].notna().all()
    return frame
