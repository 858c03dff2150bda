"""``GET /api/v1/communes``."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_communes_feature_collection(client: FlaskClient) -> None:
    response = client.get("/api/v1/communes")
    assert response.status_code == 200
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    assert body["total"] == len(body["features"]) == 309
    assert sum(f["properties"]["population"] for f in body["features"]) == 201_417
    first = body["features"][0]
    assert first["id"] == first["properties"]["code"] == "58001"
    assert set(first["properties"]) == {
        "code", "name", "population", "canton", "epci", "arrondissement", "origin"
    }  # fmt: skip
    assert set(first["properties"]["origin"]) == {"lon", "lat", "source"}
    assert first["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    lon, lat = first["geometry"]["coordinates"][0][0][:2]
    assert 2.8 < lon < 4.3
    assert 46.6 < lat < 47.6


def test_communes_without_geometry(client: FlaskClient) -> None:
    body = client.get("/api/v1/communes?geometry=false").get_json()
    assert len(body["features"]) == 309
    assert all(f["geometry"] is None for f in body["features"])


def test_communes_bad_geometry_flag_is_a_400_problem(client: FlaskClient) -> None:
    response = client.get("/api/v1/communes?geometry=maybe")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["invalid_params"][0]["name"] == "geometry"
