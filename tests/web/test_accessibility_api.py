"""Planning endpoints: accessibility, underserved, scenarios, suggestions."""

from __future__ import annotations

import csv
import io

import pytest
from flask.testing import FlaskClient

TOTAL_POPULATION = 201_417


def _problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    return body


def test_accessibility_json_commune_level(client: FlaskClient) -> None:
    body = client.get("/api/v1/accessibility?category=cinema&mode=drive").get_json()
    assert body["target"] == {"type": "category", "value": "cinema"}
    assert body["level"] == "commune"
    assert body["metadata"]["network"]["main_roads_only"] is True
    assert "main roads only" in body["metadata"]["network"]["limits"]
    assert "transit" in body["metadata"]["transit"]
    items = body["items"]
    assert len(items) == 309
    assert sum(i["population"] for i in items) == TOTAL_POPULATION
    nevers = next(i for i in items if i["code"] == "58194")
    assert nevers["time_s"] <= 300
    assert nevers["nearest_offer_id"].startswith("cnc:")
    assert nevers["nearest_offer_name"]


@pytest.mark.parametrize("level", ["canton", "epci", "arrondissement", "departement"])
def test_accessibility_zone_levels_sum_to_departement(client: FlaskClient, level: str) -> None:
    body = client.get(f"/api/v1/accessibility?theme=books&mode=bike&level={level}").get_json()
    items = body["items"]
    assert sum(i["population"] for i in items) == TOTAL_POPULATION
    assert all(i["name"] for i in items)
    assert all(0 <= i["share_within_30min"] <= 1 for i in items)


def test_accessibility_geojson_and_csv(client: FlaskClient) -> None:
    geo = client.get("/api/v1/accessibility?theme=heritage&format=geojson&level=canton")
    assert geo.status_code == 200
    body = geo.get_json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == 16
    assert body["features"][0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert "mean_time_s" in body["features"][0]["properties"]
    assert "limits" in body["metadata"]["network"]
    text = client.get("/api/v1/accessibility?theme=heritage&format=csv&mode=walk")
    assert text.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(text.get_data(as_text=True))))
    assert len(rows) == 309
    assert {"code", "time_s", "offers_within_60min", "access_decay"} <= set(rows[0])


def test_accessibility_bad_inputs(client: FlaskClient) -> None:
    body = _problem(client.get("/api/v1/accessibility?theme=jazz"), 400)
    assert body["invalid_params"][0]["name"] == "theme"
    assert "books" in body["allowed"]
    body = _problem(client.get("/api/v1/accessibility?theme=books&mode=plane"), 400)
    assert body["invalid_params"][0]["name"] == "mode"
    assert body["allowed"] == ["bike", "drive", "transit", "walk"]
    body = _problem(client.get("/api/v1/accessibility?category=zoo"), 400)
    assert body["invalid_params"][0]["name"] == "category"
    body = _problem(client.get("/api/v1/accessibility?theme=books&level=region"), 400)
    assert body["invalid_params"][0]["name"] == "level"
    body = _problem(client.get("/api/v1/accessibility?theme=books&format=xml"), 400)
    assert body["invalid_params"][0]["name"] == "format"
    body = _problem(client.get("/api/v1/accessibility"), 400)
    assert "theme" in body["detail"]
    _problem(client.get("/api/v1/accessibility?theme=books&category=cinema"), 400)


def test_underserved(client: FlaskClient) -> None:
    body = client.get("/api/v1/underserved?category=cinema&threshold_minutes=20").get_json()
    items = body["items"]
    assert items
    assert all(i["time_s"] > 1200 for i in items)
    pops = [i["population"] for i in items]
    assert pops == sorted(pops, reverse=True)
    assert body["population_beyond"] == sum(pops)
    assert body["population_total"] == TOTAL_POPULATION
    assert all(i["nearest_offer_name"] for i in items)
    # a longer threshold leaves fewer people beyond it
    wider = client.get("/api/v1/underserved?category=cinema&threshold_minutes=40").get_json()
    assert wider["population_beyond"] <= body["population_beyond"]


def test_underserved_bad_inputs(client: FlaskClient) -> None:
    for bad in ("0", "-5", "abc"):
        body = _problem(client.get(f"/api/v1/underserved?theme=books&threshold_minutes={bad}"), 400)
        assert body["invalid_params"][0]["name"] == "threshold_minutes"
    body = _problem(client.get("/api/v1/underserved?theme=books&threshold_minutes=100000"), 422)
    assert body["invalid_params"][0]["name"] == "threshold_minutes"


def test_suggestions(client: FlaskClient) -> None:
    body = client.get(
        "/api/v1/suggestions?category=cinema&mode=drive&threshold_minutes=20&k=3"
    ).get_json()
    steps = body["steps"]
    assert 1 <= len(steps) <= 3
    assert [s["rank"] for s in steps] == list(range(1, len(steps) + 1))
    assert steps[0]["gain_population"] > 0
    assert steps[-1]["remaining_population"] == body["population_uncovered_before"] - sum(
        s["gain_population"] for s in steps
    )
    body = _problem(client.get("/api/v1/suggestions?theme=books&k=0"), 400)
    assert body["invalid_params"][0]["name"] == "k"
    body = _problem(client.get("/api/v1/suggestions?theme=books&k=1000"), 422)
    assert body["invalid_params"][0]["name"] == "k"


def test_scenario_add_and_remove(client: FlaskClient) -> None:
    offers = client.get("/api/v1/offers?category=cinema&limit=50").get_json()["features"]
    removed = offers[0]["id"]
    response = client.post(
        "/api/v1/scenarios",
        json={
            "category": "cinema",
            "mode": "drive",
            "add": [
                {"category": "cinema", "commune": "58086", "name": "Ciné mobile"},
                {"category": "cinema", "lon": 3.9, "lat": 47.1},
            ],
            "remove": [removed],
            "thresholds_minutes": [15, 30],
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert [a["id"] for a in body["added"]] == ["scenario:1", "scenario:2"]
    assert body["removed"] == [removed]
    assert [t["threshold_minutes"] for t in body["thresholds"]] == [15, 30]
    assert len(body["communes"]) == 309
    assert body["communes_changed"] > 0
    assert "limits" in body["metadata"]["network"]
    for c in body["communes"]:
        assert c["nearest_after"] != removed


def test_scenario_bad_inputs(client: FlaskClient) -> None:
    body = _problem(client.post("/api/v1/scenarios", json={"category": "cinema",
                                                            "remove": ["x:1"]}), 400)  # fmt: skip
    assert body["invalid_params"][0]["name"] == "remove.0"
    body = _problem(
        client.post("/api/v1/scenarios", json={"category": "cinema", "add": [{"category": "c"}]}),
        400,
    )
    assert body["invalid_params"][0]["name"] == "add.0"
    body = _problem(
        client.post(
            "/api/v1/scenarios",
            json={"category": "cinema", "add": [{"category": "cinema", "lon": 2.35, "lat": 48.85}]},
        ),
        422,
    )
    assert body["invalid_params"][0]["name"].startswith("add.0")
    body = _problem(
        client.post("/api/v1/scenarios", json={"category": "cinema", "add": [{"lon": 3}]}), 400
    )
    assert any(p["name"].startswith("add.0") for p in body["invalid_params"])
    _problem(client.post("/api/v1/scenarios", data="{", content_type="application/json"), 400)
    body = _problem(client.post("/api/v1/scenarios", json={"theme": "nope"}), 400)
    assert body["invalid_params"][0]["name"] == "theme"


def test_openapi_lists_planning_endpoints(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/accessibility", "/api/v1/underserved", "/api/v1/scenarios",
                 "/api/v1/suggestions"):  # fmt: skip
        assert path in paths


def test_transit_mode_in_every_endpoint(client: FlaskClient) -> None:
    body = client.get("/api/v1/accessibility?theme=books&mode=transit&level=epci").get_json()
    assert sum(i["population"] for i in body["items"]) == TOTAL_POPULATION
    assert "RAPTOR" in body["metadata"]["transit"] or "TER" in body["metadata"]["transit"]
    walk = client.get("/api/v1/underserved?category=library&mode=walk&threshold_minutes=30")
    transit = client.get("/api/v1/underserved?category=library&mode=transit&threshold_minutes=30")
    assert transit.get_json()["population_beyond"] <= walk.get_json()["population_beyond"]
    response = client.get(
        "/api/v1/suggestions?category=cinema&mode=transit&threshold_minutes=45&k=2"
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    steps = response.get_json()["steps"]
    assert steps
    assert steps[0]["gain_population"] > 0
    response = client.post(
        "/api/v1/scenarios",
        json={"theme": "books", "mode": "transit",
              "add": [{"category": "library", "themes": ["books"], "commune": "58092"}]},
    )  # fmt: skip
    assert response.status_code == 200
    crux = next(c for c in response.get_json()["communes"] if c["code"] == "58092")
    assert crux["time_s_after"] <= crux["time_s_before"]


def test_health_reports_the_tables(client: FlaskClient) -> None:
    block = client.get("/health").get_json()["accessibility"]
    assert block["tables"] == "file"  # the committed tables match the inputs
    assert block["modes"] == ["bike", "drive", "transit", "walk"]
    assert block["rows"] == 309 * 13 * 4
    assert len(block["fingerprint"]) == 64


def test_underserved_by_age_ranks_by_inhabitants_of_that_age(client: FlaskClient) -> None:
    url = "/api/v1/underserved?category=library&mode=bike&threshold_minutes=30"
    body = client.get(url + "&age=65_plus").get_json()
    assert body["age"] == "65_plus"
    items = body["items"]
    assert items
    olds = [i["population_65_plus"] for i in items]
    assert olds == sorted(olds, reverse=True)
    assert body["population_beyond"] == sum(olds)
    assert all(i["population_65_plus"] <= i["population"] for i in items)
    everyone = client.get(url).get_json()
    assert everyone["age"] == "all"
    assert {i["code"] for i in everyone["items"]} == {i["code"] for i in items}
    assert body["population_beyond"] < everyone["population_beyond"]
    # the département row of the zone table says the same for its 30-minute threshold
    dep = client.get(
        "/api/v1/accessibility?category=library&mode=bike&level=departement"
    ).get_json()["items"][0]
    assert dep["population_65_plus_beyond_30min"] == body["population_beyond"]
    assert dep["population_65_plus"] == body["population_total"]
    body = _problem(client.get(url + "&age=old"), 400)
    assert body["invalid_params"][0]["name"] == "age"
