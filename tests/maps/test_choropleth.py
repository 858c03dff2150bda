"""Choropleth outputs on the real commune polygons, with a real-derived TEST value column.

The values are straight-line distances to Nevers at a stated 50 km/h (see conftest.py): a
test input, not travel times.
"""

from __future__ import annotations

import base64
import io
import json
import re
import warnings
from pathlib import Path

import geopandas as gpd
import mapclassify
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from PIL import Image

from geoservice.errors import InvalidParameterError, MissingColumnError
from geoservice.maps.choropleth import classify_frame, join_values
from geoservice.maps.choropleth_geojson import choropleth_to_geojson
from geoservice.maps.choropleth_html import choropleth_to_html
from geoservice.maps.choropleth_png import choropleth_to_png
from geoservice.maps.classification import UNREACHABLE_CLASS
from geoservice.maps.page import DEFAULT_ATTRIBUTION, ImageSize, MapTexts

THRESHOLD_MINUTES = 45.0
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _fisher_jenks_minutes(seconds: pd.Series, k: int = 5) -> np.ndarray:
    minutes = seconds.to_numpy() / 60
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
        return mapclassify.FisherJenks(minutes[np.isfinite(minutes)], k=k)


def _pixel_colors(png: bytes) -> dict[str, int]:
    """Hex colour → number of pixels."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    counts = image.getcolors(maxcolors=image.width * image.height)
    assert counts is not None
    return {"#{:02x}{:02x}{:02x}".format(*rgb): n for n, rgb in counts}


@pytest.fixture(scope="module")
def collection(test_times: gpd.GeoDataFrame, test_col: str) -> dict:
    cf = classify_frame(test_times, test_col, threshold_minutes=THRESHOLD_MINUTES)
    return choropleth_to_geojson(cf, MapTexts(title="TEST"))


@pytest.fixture(scope="module")
def png(test_times: gpd.GeoDataFrame, test_col: str, artifacts_dir: Path) -> bytes:
    content = choropleth_to_png(
        classify_frame(test_times, test_col, threshold_minutes=THRESHOLD_MINUTES),
        MapTexts(
            title="Carte de test — pas des temps de trajet",
            subtitle="Distance à vol d'oiseau jusqu'à Nevers ÷ 50 km/h (entrée de test)",
        ),
    )
    (artifacts_dir / "choropleth_test_input.png").write_bytes(content)
    return content


def test_geojson_classes_match_mapclassify_on_the_same_data(
    collection: dict, test_times: gpd.GeoDataFrame, test_col: str
) -> None:
    theirs = _fisher_jenks_minutes(test_times[test_col])
    reachable = [f for f in collection["features"] if f["properties"]["class"] != -1]
    assert [f["properties"]["class"] for f in reachable] == theirs.yb.tolist()
    bounds = [c["upper_minutes"] for c in collection["legend"]["classes"] if c["class"] >= 0]
    np.testing.assert_allclose(bounds, theirs.bins)


def test_geojson_is_strict_json_in_wgs84_with_one_feature_per_commune(
    collection: dict, test_times: gpd.GeoDataFrame
) -> None:
    text = json.dumps(collection, allow_nan=False)  # NaN must have become null
    assert json.loads(text)["type"] == "FeatureCollection"
    assert len(collection["features"]) == len(test_times) == 309
    lons, lats = [], []
    for feature in collection["features"]:
        ring = feature["geometry"]["coordinates"][0]
        ring = ring[0] if feature["geometry"]["type"] == "MultiPolygon" else ring
        lons += [p[0] for p in ring]
        lats += [p[1] for p in ring]
    assert 2.8 < min(lons) < max(lons) < 4.3  # the Nièvre, in degrees
    assert 46.6 < min(lats) < max(lats) < 47.6
    assert collection["attribution"] == DEFAULT_ATTRIBUTION
    assert collection["title"] == "TEST"


def test_each_feature_carries_its_class_label_and_colour_from_the_legend(
    collection: dict,
) -> None:
    legend = {c["class"]: c for c in collection["legend"]["classes"]}
    for feature in collection["features"]:
        props = feature["properties"]
        entry = legend[props["class"]]
        assert props["color"] == entry["color"]
        assert props["class_label"] == entry["label"]
        if props["class"] >= 0:
            assert entry["lower_minutes"] <= props["value_minutes"] <= entry["upper_minutes"] + 0.01
    counts = pd.Series([f["properties"]["class"] for f in collection["features"]]).value_counts()
    assert {c: e["count"] for c, e in legend.items()} == counts.to_dict()
    assert len({e["color"] for e in legend.values()}) == len(legend)


def test_nan_values_get_the_unreachable_class(collection: dict) -> None:
    unreachable = {
        f["properties"]["code"]
        for f in collection["features"]
        if f["properties"]["class"] == UNREACHABLE_CLASS
    }
    assert unreachable == {"58001", "58002", "58003"}
    for feature in collection["features"]:
        if feature["properties"]["code"] in unreachable:
            assert feature["properties"]["class_label"] == "injoignable"
            assert feature["properties"]["value_minutes"] is None
            assert feature["properties"]["underserved"] is True
    last = collection["legend"]["classes"][-1]
    assert (last["class"], last["count"], last["hatch"]) == (-1, 3, "///")


def test_underserved_flags_follow_the_threshold(collection: dict) -> None:
    assert collection["legend"]["threshold_minutes"] == THRESHOLD_MINUTES
    n_under = 0
    for feature in collection["features"]:
        props = feature["properties"]
        minutes = props["value_minutes"]
        expected = minutes is None or minutes > THRESHOLD_MINUTES
        assert props["underserved"] is expected
        n_under += expected
    assert 3 < n_under < 309  # the threshold splits the communes


def test_legend_labels_are_in_minutes(collection: dict) -> None:
    legend = collection["legend"]
    assert legend["unit"] == "min"
    labels = [c["label"] for c in legend["classes"] if c["class"] >= 0]
    assert len(labels) == 5
    for label, entry in zip(labels, legend["classes"], strict=False):
        match = re.fullmatch(r"(\d+)–(\d+) min", label)
        assert match, label
        assert int(match[1]) == round(entry["lower_minutes"])
        assert int(match[2]) == round(entry["upper_minutes"])


def test_png_has_the_requested_size_and_shows_every_class_colour(
    png: bytes, collection: dict
) -> None:
    assert png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png))
    assert image.size == (1200, 1000)
    colors = _pixel_colors(png)
    assert len(colors) > 50  # anti-aliased text and edges, not a blank page
    assert max(colors.values()) < 0.9 * 1200 * 1000  # not one colour
    for entry in collection["legend"]["classes"]:
        # each class colour (and the unreachable grey) fills a visible area of the map
        assert colors.get(entry["color"], 0) > 200, entry


def test_png_size_follows_the_arguments_and_leaves_no_pyplot_figure(
    test_times: gpd.GeoDataFrame, test_col: str
) -> None:
    content = choropleth_to_png(
        classify_frame(test_times, test_col, k=3),
        MapTexts(title="T"),
        ImageSize(width_px=640, height_px=480, dpi=80),
    )
    assert Image.open(io.BytesIO(content)).size == (640, 480)
    assert plt.get_fignums() == []


def test_html_page_embeds_the_png_and_lists_the_legend(
    test_times: gpd.GeoDataFrame, test_col: str, artifacts_dir: Path
) -> None:
    page = choropleth_to_html(
        classify_frame(test_times, test_col, threshold_minutes=THRESHOLD_MINUTES),
        MapTexts(title="Carte <test>"),
    )
    (artifacts_dir / "choropleth_test_input.html").write_text(page, encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Carte &lt;test&gt;</title>" in page  # escaped
    assert "http://" not in page  # nothing fetched
    assert "https://" not in page
    match = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert match
    assert base64.b64decode(match[1]).startswith(PNG_SIGNATURE)
    cf = classify_frame(test_times, test_col, threshold_minutes=THRESHOLD_MINUTES)
    for entry in cf.legend:
        assert f"<td>{entry['label']}</td>" in page
        assert entry["color"] in page
    n_under = int(cf.frame["underserved"].sum())
    assert f"injoignables) : {n_under}</h2>" in page
    assert "Achun" in page  # an unreachable commune is listed
    # The communes carry their population: the legend counts inhabitants per class.
    assert "<th>Habitants</th>" in page
    legend_html = page[page.index('<table class="legend">') : page.index("</table>")]
    inhabitants = [
        int(n.replace(",", ""))
        for n in re.findall(r'<td class="num">([\d,]+)</td></tr>', legend_html)
    ]
    assert sum(inhabitants) == int(test_times["population"].sum()) > 200_000
    assert "Ministère de la Culture" in page


def test_frame_without_crs_missing_column_or_negative_times_are_refused(
    test_times: gpd.GeoDataFrame, test_col: str
) -> None:
    no_crs = gpd.GeoDataFrame(
        test_times.drop(columns="geometry"), geometry=list(test_times.geometry)
    )
    with pytest.raises(InvalidParameterError, match="no CRS"):
        classify_frame(no_crs, test_col)
    with pytest.raises(MissingColumnError, match="nope"):
        classify_frame(test_times, "nope")
    negative = test_times.assign(**{test_col: -test_times[test_col]})
    with pytest.raises(InvalidParameterError, match="≥ 0"):
        classify_frame(negative, test_col)
    with pytest.raises(InvalidParameterError) as info:
        classify_frame(test_times, test_col, threshold_minutes=0)
    assert info.value.field == "threshold_minutes"


def test_a_projected_frame_is_served_in_wgs84(test_times: gpd.GeoDataFrame, test_col: str) -> None:
    projected = test_times.to_crs("EPSG:2154")
    cf = classify_frame(projected, test_col)
    assert cf.frame.crs == "EPSG:4326"
    assert cf.frame.total_bounds[0] == pytest.approx(test_times.total_bounds[0], abs=1e-6)


def test_join_values_matches_codes_and_leaves_the_rest_nan(
    communes: gpd.GeoDataFrame,
) -> None:
    table = pd.DataFrame({"code": ["58194", "58086", "99999"], "t": [60.0, 1200.0, 5.0]})
    joined = join_values(communes, table, "t")
    assert len(joined) == len(communes)
    by_code = joined.set_index("code")["t"]
    assert by_code["58194"] == 60.0
    assert by_code["58086"] == 1200.0
    assert int(by_code.isna().sum()) == len(communes) - 2
    with pytest.raises(InvalidParameterError, match="more than once"):
        join_values(communes, pd.concat([table, table]), "t")
    with pytest.raises(MissingColumnError):
        join_values(communes, table, "missing")


def test_all_unreachable_still_renders_a_geojson_with_only_the_unreachable_class(
    communes: gpd.GeoDataFrame,
) -> None:
    frame = communes.assign(t=np.nan)
    collection = choropleth_to_geojson(classify_frame(frame, "t"))
    classes = collection["legend"]["classes"]
    assert [c["class"] for c in classes] == [-1]
    assert classes[0]["count"] == len(communes)
    assert {f["properties"]["color"] for f in collection["features"]} == {to_hex("#a6a6a6")}


def test_user_bounds_above_the_data_give_a_readable_first_label() -> None:
    from shapely.geometry import box

    zones = gpd.GeoDataFrame(
        {"t": [6000.0, 12000.0]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:2154"
    )
    cf = classify_frame(zones, "t", scheme="UserDefined", bins_minutes=[15, 30])
    assert [e["label"] for e in cf.legend] == ["≤ 15 min", "15–30 min", "30–200 min", "injoignable"]
    assert [e["count"] for e in cf.legend] == [0, 0, 2, 0]


def test_pictures_need_a_title_and_a_readable_size(
    test_times: gpd.GeoDataFrame, test_col: str
) -> None:
    cf = classify_frame(test_times, test_col)
    with pytest.raises(InvalidParameterError) as info:
        choropleth_to_png(cf, MapTexts())
    assert info.value.field == "title"
    with pytest.raises(InvalidParameterError) as info:
        ImageSize(width_px=120, height_px=480, dpi=80)
    assert info.value.field == "size"
    # The GeoJSON needs neither; its legend title falls back to the renderer's default.
    collection = choropleth_to_geojson(cf, MapTexts(legend_title="Minutes"))
    assert "title" not in collection
    assert collection["legend"]["title"] == "Minutes"
