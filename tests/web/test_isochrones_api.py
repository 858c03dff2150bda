"""The isochrone endpoints: /api/v1/isochrones and the openrouteservice URL scheme."""

from __future__ import annotations

from typing import Any

import pytest
import shapely
from flask.testing import FlaskClient

NEVERS = [3.1597, 46.9896]
ORS_BODY: dict[str, Any] = {
    # As sent by openrouteservice-py / routingpy (range in seconds, interval, attributes).
    "locations": [NEVERS],
    "range": [1800],
    "interval": 900,
    "range_type": "time",
    "attributes": ["area", "total_pop"],
    "area_units": "km",
    "location_type": "start",
    "units": "m",
}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    return body


def test_get_isochrones(client: FlaskClient) -> None:
    response = client.get("/api/v1/isochrones?lon=3.1597&lat=46.9896&minutes=15,30&mode=drive")
    assert response.status_code == 200
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    assert [f["properties"]["value"] for f in body["features"]] == [900.0, 1800.0]
    first, second = (shapely.geometry.shape(f["geometry"]) for f in body["features"])
    assert second.contains(shapely.Point(NEVERS))
    assert second.area > first.area
    props = body["features"][1]["properties"]
    assert props["mode"] == "drive"
    assert props["group_index"] == 0
    assert props["center"] == NEVERS
    assert props["area_km2"] > 100
    # Nevers alone has 33,085 inhabitants (INSEE); the 30-min band holds more, not everyone.
    assert 33_085 < props["population"] < 201_417
    assert body["info"]["main_roads_only"] is True
    assert "main roads only" in body["info"]["notice"]
    minx, miny, maxx, maxy = body["bbox"]
    assert minx < NEVERS[0] < maxx
    assert miny < NEVERS[1] < maxy


@pytest.mark.parametrize(
    "path",
    [
        "/ors/v2/isochrones/driving-car",
        "/ors/v2/isochrones/driving-car/geojson",
        "/api/v1/isochrones",
    ],
)
def test_ors_body_is_accepted(client: FlaskClient, path: str) -> None:
    body = dict(ORS_BODY)
    if path.startswith("/api"):
        body["profile"] = "driving-car"
    response = client.post(path, json=body)
    assert response.status_code == 200, response.get_json()
    doc = response.get_json()
    assert len(doc["bbox"]) == 4
    features = doc["features"]
    assert [f["properties"]["value"] for f in features] == [900.0, 1800.0]
    for f in features:
        assert f["properties"]["group_index"] == 0
        assert f["properties"]["center"] == NEVERS
        assert f["properties"]["area"] == pytest.approx(f["properties"]["area_km2"], rel=1e-3)
        assert f["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert doc["metadata"]["query"]["profile"] == "driving-car"


def test_profiles_map_to_modes(client: FlaskClient) -> None:
    areas = {}
    for profile, mode in (("foot-walking", "walk"), ("cycling-regular", "bike")):
        response = client.post(
            f"/ors/v2/isochrones/{profile}", json={"locations": [NEVERS], "range": 1200}
        )
        assert response.status_code == 200
        feature = response.get_json()["features"][0]
        assert feature["properties"]["mode"] == mode
        areas[mode] = feature["properties"]["area_km2"]
    assert areas["bike"] > areas["walk"]
    response = client.post(
        "/api/v1/isochrones", json={"locations": [NEVERS], "range": 600, "mode": "walk"}
    )
    assert response.get_json()["features"][0]["properties"]["mode"] == "walk"


def test_several_locations(client: FlaskClient) -> None:
    body = {"locations": [NEVERS, [3.5226, 47.4587]], "range": [600], "mode": "drive"}
    features = client.post("/api/v1/isochrones", json=body).get_json()["features"]
    assert [f["properties"]["group_index"] for f in features] == [0, 1]


def test_distance_ranges_are_refused(client: FlaskClient) -> None:
    body = {**ORS_BODY, "range_type": "distance"}
    problem = _problem(client.post("/ors/v2/isochrones/driving-car", json=body), 400)
    assert "not supported" in problem["detail"]
    assert problem["invalid_params"][0]["name"] == "range_type"


def test_unknown_profile_and_mode_list_allowed(client: FlaskClient) -> None:
    problem = _problem(client.post("/ors/v2/isochrones/driving-hgv", json=ORS_BODY), 400)
    assert problem["allowed"] == ["cycling-regular", "driving-car", "foot-walking"]
    problem = _problem(client.get("/api/v1/isochrones?lon=3.16&lat=46.99&mode=plane"), 400)
    assert "drive" in problem["allowed"]
    assert "walk" in problem["allowed"]


def test_outside_coverage_is_a_422_with_distance(client: FlaskClient) -> None:
    problem = _problem(client.get("/api/v1/isochrones?lon=2.3522&lat=48.8566&minutes=15"), 422)
    assert problem["distance_m"] > 50_000
    assert "km" in problem["detail"]


@pytest.mark.parametrize(
    ("query", "limit"),
    [
        ("minutes=10,20,30,40,50,60,70", "max_bands"),
        ("minutes=200", "max_minutes"),
    ],
)
def test_limits_are_422_naming_the_limit(client: FlaskClient, query: str, limit: str) -> None:
    problem = _problem(client.get(f"/api/v1/isochrones?lon=3.16&lat=46.99&{query}"), 422)
    assert limit in problem["detail"]


def test_tiny_interval_is_refused_before_any_work(client: FlaskClient) -> None:
    body = {"locations": [NEVERS], "range": [3600], "interval": 0.001}
    problem = _problem(client.post("/api/v1/isochrones", json=body), 422)
    assert "max_bands" in problem["detail"]
    assert problem["invalid_params"][0]["name"] == "interval"


def test_too_many_locations(client: FlaskClient) -> None:
    body = {"locations": [NEVERS] * 6, "range": [600]}
    problem = _problem(client.post("/api/v1/isochrones", json=body), 422)
    assert "max_locations" in problem["detail"]
    assert problem["invalid_params"][0]["name"] == "locations"


@pytest.mark.parametrize(
    "query",
    [
        "lon=3.16&lat=46.99&minutes=abc",
        "lon=3.16&lat=46.99&minutes=0",
        "lon=3.16&lat=46.99&minutes=-5",
        "lon=3.16&lat=46.99&minutes=nan",
        "lon=3.16&lat=46.99&minutes=",
        "lat=46.99&minutes=15",
        "lon=999&lat=46.99",
        "lon=3.16&lat=abc",
    ],
)
def test_bad_get_queries_are_400(client: FlaskClient, query: str) -> None:
    _problem(client.get(f"/api/v1/isochrones?{query}"), 400)


@pytest.mark.parametrize(
    "body",
    [
        {"range": [600]},
        {"locations": [], "range": [600]},
        {"locations": [[3.16]], "range": [600]},
        {"locations": [["a", "b"]], "range": [600]},
        {"locations": [NEVERS], "range": ["ten"]},
        {"locations": [NEVERS], "range": [-60]},
        {"locations": [NEVERS], "range": []},
        {"locations": [NEVERS], "range": [600], "attributes": ["reachfactor"]},
        {"locations": [NEVERS], "range": [600], "location_type": "destination"},
        {"locations": [NEVERS], "range": [600], "unknown_key": 1},
    ],
)
def test_bad_bodies_are_400(client: FlaskClient, body: dict[str, Any]) -> None:
    _problem(client.post("/api/v1/isochrones", json=body), 400)


def test_malformed_json_is_400(client: FlaskClient) -> None:
    response = client.post("/api/v1/isochrones", data="{not json", content_type="application/json")
    _problem(response, 400)


def test_health_reports_the_network(client: FlaskClient) -> None:
    network = client.get("/health").get_json()["network"]
    assert network["nodes"] == 3330
    assert network["edges"] == 8296
    assert "main roads only" in network["limits"]
    assert network["source"] == "travelmapping"


def test_openapi_lists_isochrone_routes(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/isochrones" in paths
    assert "/ors/v2/isochrones/{profile}" in paths
    assert "/ors/v2/isochrones/{profile}/geojson" in paths


def test_transit_isochrones_is_an_alias_of_mode_transit(client: FlaskClient) -> None:
    query = {
        "lon": 3.154,
        "lat": 46.988,
        "minutes": "30,60",
        "departure": "2025-02-04T08:00",
        "window_minutes": 30,
        "statistic": "best",
    }
    alias = client.get("/api/v1/transit/isochrones", query_string=query)
    main = client.get("/api/v1/isochrones", query_string={**query, "mode": "transit"})
    assert alias.status_code == main.status_code == 200
    a, m = alias.get_json(), main.get_json()
    for doc in (a, m):
        doc["metadata"].pop("timestamp")
    assert a == m
    assert a["service_date"]["used"] == "2025-02-04"
    # The same limit check answers both, naming the field of the request.
    for url, extra in (
        ("/api/v1/transit/isochrones", {}),
        ("/api/v1/isochrones", {"mode": "transit"}),
    ):
        problem = _problem(client.get(url, query_string={**query, **extra, "minutes": "200"}), 422)
        assert "max_minutes" in problem["detail"]
        assert problem["invalid_params"][0]["name"] == "minutes"


def test_road_and_transit_features_have_the_same_shape(client: FlaskClient) -> None:
    base = {"lon": 3.154, "lat": 46.988, "minutes": "30"}
    walk = client.get("/api/v1/isochrones", query_string={**base, "mode": "walk"}).get_json()
    transit = client.get(
        "/api/v1/isochrones",
        query_string={**base, "mode": "transit", "departure": "2025-02-04T08:00"},
    ).get_json()
    road_props = walk["features"][0]["properties"]
    transit_props = transit["features"][0]["properties"]
    assert set(transit_props) == {*road_props, "access_mode"}
    assert transit_props["access_mode"] == "walk"
    assert set(walk) <= set(transit)  # bbox, info, metadata for both
    assert transit["info"]["population_method"] == walk["info"]["population_method"]
