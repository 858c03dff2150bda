"""render_choropleth: the one call an endpoint or a command makes."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest

from geoservice.errors import InvalidParameterError
from geoservice.maps.config import MapConfig
from geoservice.maps.page import MapTexts
from geoservice.maps.render import render_choropleth


def test_geojson_rendering_uses_the_config_and_its_overrides(
    test_times: gpd.GeoDataFrame, test_col: str
) -> None:
    config = MapConfig(scheme="Quantiles", k=4, underserved_minutes=40, attribution="X")
    rendered = render_choropleth(
        test_times,
        test_col,
        "geojson",
        texts=config.texts("T"),
        config=config,
        threshold_minutes=None,
    )
    assert rendered.media_type == "application/geo+json"
    collection = json.loads(rendered.content)
    assert collection["legend"]["scheme"] == "Quantiles"
    assert len(collection["legend"]["classes"]) == 4 + 1
    assert collection["legend"]["threshold_minutes"] == 40.0  # None kept the config's
    assert collection["attribution"] == "X"
    flagged = sum(f["properties"]["underserved"] for f in collection["features"])
    assert rendered.n_underserved == flagged
    assert (rendered.n_zones, rendered.n_unreachable) == (309, 3)
    assert "subtitle" not in collection
    assert "note" not in collection
    assert "metadata" not in collection


def test_geojson_keeps_the_texts_and_the_metadata(
    test_times: gpd.GeoDataFrame, test_col: str
) -> None:
    rendered = render_choropleth(
        test_times,
        test_col,
        "geojson",
        texts=MapTexts(title="T", subtitle="S", note="Réseau : routes principales seulement."),
        metadata={"network": {"main_roads_only": True}},
    )
    collection = json.loads(rendered.content)
    assert (collection["title"], collection["subtitle"]) == ("T", "S")
    assert collection["note"] == "Réseau : routes principales seulement."
    assert collection["metadata"] == {"network": {"main_roads_only": True}}


def test_html_and_png_renderings_have_their_media_types(
    test_times: gpd.GeoDataFrame, test_col: str
) -> None:
    config = MapConfig(width_px=400, height_px=300, dpi=50)
    html = render_choropleth(test_times, test_col, "html", config=config, texts=config.texts("T"))
    assert html.media_type.startswith("text/html")
    assert html.content.decode("utf-8").startswith("<!DOCTYPE html>")
    png = render_choropleth(test_times, test_col, "png", config=config, texts=config.texts("T"))
    assert png.media_type == "image/png"
    assert png.content.startswith(b"\x89PNG")


def test_unknown_format_names_the_allowed_ones(test_times: gpd.GeoDataFrame, test_col: str) -> None:
    with pytest.raises(InvalidParameterError, match="allowed: geojson, html, png"):
        render_choropleth(test_times, test_col, "svg", texts=MapTexts(title="T"))
