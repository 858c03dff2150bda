"""Isochrone PNG: nested bands over the real commune outlines.

The bands here are TEST geometry (discs of 10, 20 and 30 km around Nevers's representative
point labelled 15, 30 and 45 min), not computed isochrones.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from flask.testing import FlaskClient
from PIL import Image

from geoservice.cli import main
from geoservice.errors import InvalidParameterError, MissingColumnError
from geoservice.maps.classification import palette_colors
from geoservice.maps.isochrones import band_labels, bands_by_limit, isochrones_to_png
from geoservice.maps.page import ImageSize, MapTexts


@pytest.fixture(scope="module")
def test_bands(communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    nevers = communes[communes["code"] == "58194"].to_crs("EPSG:2154").representative_point()
    centre = nevers.iloc[0]
    # Given smallest last, to check that the renderer sorts them itself.
    radii_m = (30_000, 10_000, 20_000)
    values_s = (2700, 900, 1800)
    return gpd.GeoDataFrame(
        {"value": values_s}, geometry=[centre.buffer(r) for r in radii_m], crs="EPSG:2154"
    ).to_crs("EPSG:4326")


def test_band_labels_are_nested_ranges_in_minutes() -> None:
    assert band_labels([900.0, 1800.0, 2700.0]) == ["≤ 15 min", "15–30 min", "30–45 min"]


def test_isochrone_png_has_the_size_and_each_band_colour(
    test_bands: gpd.GeoDataFrame, communes: gpd.GeoDataFrame, artifacts_dir: Path
) -> None:
    png = isochrones_to_png(
        test_bands,
        communes,
        texts=MapTexts(title="Bandes de test (disques, pas des isochrones calculées)"),
        size=ImageSize(width_px=1000, height_px=800, dpi=100),
        origins_lonlat=[(3.159, 46.99)],
    )
    (artifacts_dir / "isochrones_test_input.png").write_bytes(png)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (1000, 800)
    pixels = np.asarray(image, dtype=int).reshape(-1, 3)
    assert len(np.unique(pixels, axis=0)) > 50  # not a blank page
    # Bands are opaque (the commune outlines are drawn over them), so each band shows its
    # legend colour exactly; the nearest band is on top of the farther ones.
    for hex_color in palette_colors(3):
        target = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)])
        exact = int((pixels == target).all(axis=1).sum())
        assert exact > 2_000, hex_color


def test_bands_of_several_origins_are_merged_per_limit(test_bands: gpd.GeoDataFrame) -> None:
    shifted = test_bands.to_crs("EPSG:2154").translate(xoff=50_000)
    second = gpd.GeoDataFrame({"value": test_bands["value"]}, geometry=shifted, crs="EPSG:2154")
    both = gpd.GeoDataFrame(
        pd.concat([test_bands.to_crs("EPSG:2154"), second], ignore_index=True), crs="EPSG:2154"
    )
    merged = bands_by_limit(both)
    assert merged["value"].tolist() == [900, 1800, 2700]
    areas = merged.area.to_numpy()
    single = test_bands.to_crs("EPSG:2154").sort_values("value").area.to_numpy()
    np.testing.assert_allclose(areas[:2], 2 * single[:2], rtol=1e-6)  # 10, 20 km discs apart
    assert areas[2] < 2 * single[2]  # the 30 km discs, 50 km apart, overlap


def test_no_band_is_an_empty_map_not_an_error(communes: gpd.GeoDataFrame) -> None:
    empty = gpd.GeoDataFrame({"value": []}, geometry=[], crs="EPSG:4326")
    png = isochrones_to_png(empty, communes, size=ImageSize(width_px=400, height_px=300, dpi=50))
    assert Image.open(io.BytesIO(png)).size == (400, 300)


def test_bad_bands_are_refused(test_bands: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> None:
    with pytest.raises(MissingColumnError):
        isochrones_to_png(test_bands.rename(columns={"value": "v"}), communes)
    with pytest.raises(InvalidParameterError, match="positive"):
        isochrones_to_png(test_bands.assign(value=-1), communes)
    no_crs = gpd.GeoDataFrame({"value": [1]}, geometry=list(test_bands.geometry[:1]))
    with pytest.raises(InvalidParameterError, match="no CRS"):
        isochrones_to_png(no_crs, communes)


def test_isochrones_served_by_the_api_are_drawn_by_the_map_command(
    client: FlaskClient, tmp_path: Path, artifacts_dir: Path
) -> None:
    """Real bands: the service's own drive isochrones from Nevers (Travel Mapping roads)."""
    response = client.get("/api/v1/isochrones?lon=3.159&lat=46.99&minutes=15,30,45&mode=drive")
    assert response.status_code == 200
    bands_file = tmp_path / "nevers_drive.geojson"
    bands_file.write_text(json.dumps(response.get_json()), encoding="utf-8")
    out = artifacts_dir / "isochrones_nevers_drive.png"
    status = main(
        ["map", "isochrones", "--input", str(bands_file), "-o", str(out), "--title", "Nevers"]
    )
    assert status == 0
    with Image.open(out) as opened:
        image = opened.convert("RGB")
    assert image.size == (1200, 1000)
    pixels = np.asarray(image, dtype=int).reshape(-1, 3)
    for hex_color in palette_colors(3):
        target = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)])
        assert int((pixels == target).all(axis=1).sum()) > 2_000, hex_color
