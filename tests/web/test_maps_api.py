"""Map endpoints: the thin views return the same maps as the library, or problems."""

from __future__ import annotations

import io

import mapclassify
import numpy as np
import pytest
from flask.testing import FlaskClient
from matplotlib.image import imread

from geoservice.runtime import Runtime


# mapclassify warns that numba (an optional speed-up) is absent; the results are the same.
@pytest.mark.filterwarnings("ignore:Numba not installed:UserWarning")
def test_accessibility_geojson_classes_match_mapclassify(
    client: FlaskClient, runtime: Runtime
) -> None:
    response = client.get("/api/v1/maps/accessibility.geojson?category=cinema&mode=drive")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = response.get_json()
    assert len(body["features"]) == len(runtime.communes) == 309
    assert runtime.accessibility is not None
    target = runtime.accessibility.target(None, "cinema")
    figures = runtime.accessibility.commune_figures(target, "drive").set_index("commune_code")
    by_code = {f["properties"]["code"]: f["properties"] for f in body["features"]}
    finite = figures[np.isfinite(figures["time_s"])]
    k = sum(1 for c in body["legend"]["classes"] if c["class"] >= 0)
    expected = mapclassify.FisherJenks(finite["time_s"].to_numpy() / 60, k=k).yb
    got = [by_code[code]["class"] for code in finite.index]
    assert got == list(expected)
    assert all(p["color"].startswith("#") for p in by_code.values())


def test_accessibility_geojson_says_what_the_data_leave_out(client: FlaskClient) -> None:
    """The GeoJSON map carries the texts of the PNG and the planning answers' metadata: the
    network is main roads only, and the transit figures' window and date."""
    body = client.get("/api/v1/maps/accessibility.geojson?theme=books&mode=transit").get_json()
    assert body["subtitle"]
    assert "main roads only" in body["note"]
    assert body["metadata"]["network"]["main_roads_only"] is True
    assert "main roads only" in body["metadata"]["network"]["limits"]
    assert "2025-02-04" in body["metadata"]["transit"]
    table = client.get("/api/v1/accessibility?theme=books&mode=transit").get_json()
    assert body["metadata"] == table["metadata"]


@pytest.mark.parametrize("fmt", ["png", "html"])
def test_accessibility_map_renders(client: FlaskClient, fmt: str) -> None:
    response = client.get(f"/api/v1/maps/accessibility.{fmt}?theme=books&mode=walk")
    assert response.status_code == 200
    if fmt == "png":
        assert response.mimetype == "image/png"
        pixels = imread(io.BytesIO(response.data), format="png")
        assert pixels.shape[0] > 500
        assert pixels.shape[1] > 500
        assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 10
    else:
        assert response.mimetype == "text/html"
        assert "data:image/png;base64," in response.get_data(as_text=True)


def test_isochrone_map_renders_a_png(client: FlaskClient) -> None:
    response = client.get("/api/v1/maps/isochrones.png?lon=3.159&lat=46.99&minutes=15,30")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    pixels = imread(io.BytesIO(response.data), format="png")
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 10


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("accessibility.png?theme=opera", "theme"),
        ("accessibility.png?category=cinema&mode=plane", "mode"),
        ("accessibility.png?category=cinema&k=40", "k"),
        ("accessibility.png?category=cinema&scheme=Magic", "scheme"),
        ("isochrones.png?lon=3.159&lat=46.99&minutes=0", "minutes"),
        ("isochrones.png?lon=200&lat=46.99", "lon"),
    ],
)
def test_bad_map_queries_are_problems_naming_the_field(
    client: FlaskClient, query: str, field: str
) -> None:
    response = client.get(f"/api/v1/maps/{query}")
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/problem+json"
    names = {p["name"] for p in response.get_json()["invalid_params"]}
    assert any(field in name for name in names), response.get_json()


def test_unknown_map_format_is_a_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/maps/accessibility.pdf?category=cinema")
    assert response.status_code == 404
