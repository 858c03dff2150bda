"""Commune origins from the town halls (SOURCES.md §11), on the real data."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from flask.testing import FlaskClient

from geoservice.core.commune_origins import commune_origins, commune_origins_m
from geoservice.io.build_steps import BuildContext, StepResult
from geoservice.io.town_halls import origins_from_town_halls, read_town_halls
from geoservice.runtime import Runtime
from geoservice.settings import Settings

LUZY = "58149"
SAINT_GERMAIN_DES_BOIS = "58242"
TOLERANCE_M = 100.0


@pytest.fixture(scope="module")
def town_halls(settings: Settings, raw_dir: Path) -> gpd.GeoDataFrame:
    ctx = BuildContext(settings=settings, raw_dir=raw_dir, out_dir=raw_dir)
    return read_town_halls(ctx, StepResult())


@pytest.fixture(scope="module")
def hall_distance_m(runtime: Runtime, town_halls: gpd.GeoDataFrame) -> pd.Series:
    """Distance (EPSG:2154, m) from each town hall to its commune polygon, computed here."""
    polygons = runtime.communes.set_index("code").to_crs(2154).geometry
    halls = town_halls.set_index("insee_code").to_crs(2154).geometry.reindex(polygons.index)
    return polygons.distance(halls, align=True)


def test_luzy_starts_at_its_town_hall(runtime: Runtime, town_halls: gpd.GeoDataFrame) -> None:
    communes = runtime.communes.set_index("code")
    origin = commune_origins(runtime.communes).set_index(runtime.communes["code"]).loc[LUZY]
    assert origin["source"] == "town_hall"
    hall = town_halls.set_index("insee_code").to_crs(2154).geometry.loc[LUZY]
    point = gpd.GeoSeries([origin.geometry], crs=4326).to_crs(2154).iloc[0]
    assert point.distance(hall) < 300
    # The old origin, the polygon's representative point, was 2 km away from the town.
    old = communes.loc[[LUZY]].to_crs(2154).representative_point().iloc[0]
    assert old.distance(hall) > 2_000


def test_fallbacks_are_the_town_halls_beyond_the_tolerance(
    runtime: Runtime, town_halls: gpd.GeoDataFrame, hall_distance_m: pd.Series
) -> None:
    origins, fallbacks, kept = origins_from_town_halls(
        runtime.communes, town_halls, tolerance_m=TOLERANCE_M
    )
    outside = hall_distance_m[hall_distance_m > 0]
    assert len(outside) == 14  # SOURCES.md §11
    beyond = sorted(hall_distance_m.index[hall_distance_m > TOLERANCE_M])
    assert len(beyond) == 13  # Varzy's town hall is 6 m outside: kept
    assert len(fallbacks) == len(beyond)
    assert [line.split()[1] for line in fallbacks] == beyond
    assert len(kept) == 1
    assert "58304 Varzy" in kept[0]
    fell_back = sorted(runtime.communes["code"][origins["origin_source"] == "representative_point"])
    assert fell_back == beyond
    # The committed communes file holds the same choice.
    assert runtime.communes["origin_source"].tolist() == origins["origin_source"].tolist()


def test_saint_germain_des_bois_falls_back_with_its_reason(
    runtime: Runtime, town_halls: gpd.GeoDataFrame
) -> None:
    _, fallbacks, _ = origins_from_town_halls(runtime.communes, town_halls, tolerance_m=TOLERANCE_M)
    (line,) = [f for f in fallbacks if f.startswith(f"commune {SAINT_GERMAIN_DES_BOIS} ")]
    assert "Saint-Germain-des-Bois" in line
    assert "39,551 m outside the commune polygon" in line
    assert "representative point" in line
    communes = runtime.communes.set_index("code")
    row = communes.loc[SAINT_GERMAIN_DES_BOIS]
    assert row["origin_source"] == "representative_point"
    polygon = communes.loc[[SAINT_GERMAIN_DES_BOIS]].geometry.iloc[0]
    assert polygon.contains(gpd.points_from_xy([row["origin_lon"]], [row["origin_lat"]])[0])


def test_every_origin_lies_in_its_commune_or_within_the_tolerance(runtime: Runtime) -> None:
    x, y = commune_origins_m(runtime.communes)
    points = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=2154)
    polygons = runtime.communes.to_crs(2154).geometry.reset_index(drop=True)
    assert (polygons.distance(points, align=True) <= TOLERANCE_M).all()


def test_a_frame_without_origins_gets_the_representative_point(runtime: Runtime) -> None:
    bare = runtime.communes.drop(columns=["origin_lon", "origin_lat", "origin_source"])
    origins = commune_origins(bare)
    assert (origins["source"] == "representative_point").all()
    expected = bare.to_crs(2154).representative_point().to_crs(4326)
    assert origins.geometry.geom_equals_exact(expected, tolerance=1e-9).all()


def test_communes_api_carries_the_origin(client: FlaskClient, runtime: Runtime) -> None:
    body = client.get("/api/v1/communes?geometry=false").get_json()
    by_code = {f["id"]: f["properties"] for f in body["features"]}
    communes = runtime.communes.set_index("code")
    assert by_code[LUZY]["origin"] == {
        "lon": float(communes.loc[LUZY, "origin_lon"]),
        "lat": float(communes.loc[LUZY, "origin_lat"]),
        "source": "town_hall",
    }
    assert by_code[SAINT_GERMAIN_DES_BOIS]["origin"]["source"] == "representative_point"
    sources = [p["origin"]["source"] for p in by_code.values()]
    assert sources.count("representative_point") == 13


def test_reachable_from_a_commune_starts_at_its_origin(
    client: FlaskClient, runtime: Runtime
) -> None:
    body = client.get(f"/api/v1/reachable?commune={LUZY}&mode=drive&max_minutes=20").get_json()
    communes = runtime.communes.set_index("code")
    assert body["origin"]["source"] == "town_hall"
    assert body["origin"]["lon"] == pytest.approx(communes.loc[LUZY, "origin_lon"], abs=1e-6)
    assert body["origin"]["lat"] == pytest.approx(communes.loc[LUZY, "origin_lat"], abs=1e-6)


def test_committed_accessibility_tables_were_computed_from_these_origins(
    runtime: Runtime,
) -> None:
    # The fingerprint covers communes.geojson (hence the origins): "file" means the committed
    # tables were computed from the committed origins, not recomputed at start-up.
    model = runtime.accessibility
    assert model is not None
    assert model.tables_origin == "file"
