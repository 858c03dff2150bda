"""``GET /api/v1/reachable``, ``/api/v1/reachable/nearest`` and the offers' travel filter."""

from __future__ import annotations

import pytest
import shapely
from flask.testing import FlaskClient
from shapely.geometry import shape

from geoservice.runtime import Runtime

CLAMECY, LUZY, NEVERS = "58079", "58149", "58194"
PROBLEM = "application/problem+json"


def test_reachable_from_a_commune_ranks_by_travel_time(client: FlaskClient) -> None:
    response = client.get(f"/api/v1/reachable?commune={CLAMECY}&max_minutes=45&limit=10")
    assert response.status_code == 200
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    assert body["mode"] == "drive"
    assert body["origin"]["commune"] == CLAMECY
    assert body["total"] >= len(body["features"]) == 10
    keys = [(f["properties"]["travel_time_s"], f["id"]) for f in body["features"]]
    assert keys == sorted(keys)
    assert all(0 < t <= 45 * 60 for t, _ in keys)
    first = body["features"][0]["properties"]
    assert {"distance_m", "route_refs", "legs", "travel_time_min", "themes"} <= set(first)
    assert "path" not in first
    assert body["info"]["main_roads_only"] is True
    assert "main roads only" in body["info"]["notice"]
    assert "hint" not in body


def test_commune_origin_is_inside_the_commune(client: FlaskClient, runtime: Runtime) -> None:
    body = client.get(f"/api/v1/reachable?commune={LUZY}&category=cinema").get_json()
    polygon = runtime.communes.set_index("code").geometry[LUZY]
    origin = shapely.Point(body["origin"]["lon"], body["origin"]["lat"])
    assert polygon.contains(origin)
    assert body["features"][0]["properties"]["commune_code"] == LUZY


def test_path_geometry_on_request(client: FlaskClient) -> None:
    url = f"/api/v1/reachable?commune={CLAMECY}&category=cinema&max_minutes=60&geometry=true"
    body = client.get(url).get_json()
    assert body["features"][0]["properties"]["commune_code"] == CLAMECY
    for feature in body["features"]:
        path = feature["properties"]["path"]
        assert path["type"] == "LineString"
        line = shape(path)
        assert line.coords[0] == pytest.approx(
            (body["origin"]["lon"], body["origin"]["lat"]), abs=1e-6
        )
        assert line.coords[-1] == pytest.approx(tuple(feature["geometry"]["coordinates"]), abs=1e-6)
    far = body["features"][-1]["properties"]
    assert far["route_refs"]
    assert far["distance_m"] > 20_000


def test_point_origin_theme_and_dates(client: FlaskClient) -> None:
    url = (
        "/api/v1/reachable?lon=3.1597&lat=46.9896&mode=bike&max_minutes=60&theme=music"
        "&date_from=2026-07-01&date_to=2026-07-31&limit=50"
    )
    body = client.get(url).get_json()
    assert body["origin"]["commune"] is None
    assert body["mode"] == "bike"
    assert body["features"]
    for f in body["features"]:
        assert "music" in f["properties"]["themes"]
        period = f["properties"]["period"]
        assert period is None or period.startswith("Saison")
    winter = client.get(
        "/api/v1/reachable?lon=3.1597&lat=46.9896&mode=drive&max_minutes=120&theme=music"
        "&date_from=2026-01-05&date_to=2026-01-20&limit=50"
    )
    assert winter.status_code == 200
    assert winter.get_json()["features"]  # Fleurs de Jazz, Fête du violon (Avant-saison)
    assert all(
        f["properties"]["period"] is None or f["properties"]["period"].startswith("Avant")
        for f in winter.get_json()["features"]
    )


def test_nothing_reachable_is_an_empty_list_with_a_hint(client: FlaskClient) -> None:
    response = client.get(
        f"/api/v1/reachable?commune={NEVERS}&mode=walk&max_minutes=1&category=cinema"
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["features"] == []
    assert body["total"] == 0
    assert "max_minutes" in body["hint"]


def test_nearest_of_each_kind(client: FlaskClient, runtime: Runtime) -> None:
    response = client.get(f"/api/v1/reachable/nearest?commune={LUZY}&mode=drive")
    assert response.status_code == 200
    body = response.get_json()
    items = {(i["kind"], i["value"]): i for i in body["nearest"]}
    vocabulary = runtime.settings.get("themes.vocabulary")
    assert {v for k, v in items if k == "theme"} == set(vocabulary)
    assert {v for k, v in items if k == "category"} == {"museum", "cinema", "library", "festival"}
    assert items[("category", "cinema")]["commune_code"] == LUZY
    assert (
        items[("theme", "cinema")]["travel_time_s"]
        <= items[("category", "cinema")]["travel_time_s"]
    )
    for item in body["nearest"]:
        if item["offer_id"] is not None:
            assert item["travel_time_s"] >= 0
    ranked = client.get(
        f"/api/v1/reachable?commune={LUZY}&category=museum&max_minutes=120&limit=1"
    ).get_json()
    assert ranked["features"][0]["id"] == items[("category", "museum")]["offer_id"]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("commune=99999", 404, None),
        ("", 400, "lon"),
        ("lon=3.5&lat=47.4&commune=58079", 400, "lon"),
        ("lon=3.5", 400, "lon"),
        ("commune=58079&max_minutes=500", 400, "max_minutes"),
        ("commune=58079&max_minutes=0", 400, "max_minutes"),
        ("commune=58079&max_minutes=-5", 400, "max_minutes"),
        ("commune=58079&max_minutes=abc", 400, "max_minutes"),
        ("commune=58079&theme=opera", 400, "theme"),
        ("commune=58079&category=zoo", 400, "category"),
        ("commune=58079&mode=plane", 400, "mode"),
        ("commune=58079&limit=0", 400, "limit"),
        ("commune=58079&date_from=2026-13-01", 400, "date_from"),
        ("commune=58079&date_from=2026-05-01&date_to=2026-04-01", 400, "date_to"),
        ("lon=1.0&lat=44.0", 422, "lon"),
        ("lon=200&lat=47", 400, "lon"),
    ],
)
def test_bad_input_is_a_problem(
    client: FlaskClient, query: str, status: int, field: str | None
) -> None:
    response = client.get(f"/api/v1/reachable?{query}")
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    if field is not None:
        assert field in {p["name"] for p in body["invalid_params"]}


def test_unknown_theme_lists_the_allowed_values(client: FlaskClient, runtime: Runtime) -> None:
    body = client.get("/api/v1/reachable?commune=58079&theme=opera").get_json()
    assert body["allowed"] == sorted(runtime.settings.get("themes.vocabulary"))


@pytest.mark.parametrize(
    ("query", "status"),
    [("commune=00000", 404), ("", 400), ("lon=3.5&lat=47.4&commune=58079", 400)],
)
def test_nearest_bad_input(client: FlaskClient, query: str, status: int) -> None:
    response = client.get(f"/api/v1/reachable/nearest?{query}")
    assert response.status_code == status
    assert response.mimetype == PROBLEM


def test_offers_within_minutes_of_a_point(client: FlaskClient) -> None:
    url = "/api/v1/offers?near=3.1597,46.9896&within_minutes=20&mode=bike&limit=500"
    body = client.get(url).get_json()
    assert body["total"] == len(body["features"]) > 5
    times = [(f["properties"]["travel_time_s"], f["id"]) for f in body["features"]]
    assert times == sorted(times)
    assert all(t <= 20 * 60 for t, _ in times)
    assert body["travel"]["mode"] == "bike"
    assert body["travel"]["main_roads_only"] is True
    # Same set as the ranking.
    ranked = client.get(
        "/api/v1/reachable?lon=3.1597&lat=46.9896&mode=bike&max_minutes=20&limit=200"
    ).get_json()
    assert [f["id"] for f in ranked["features"]] == [f["id"] for f in body["features"]]
    page = client.get(url.replace("limit=500", "limit=3&offset=3")).get_json()
    assert [f["id"] for f in page["features"]] == [f["id"] for f in body["features"][3:6]]


def test_offers_within_minutes_of_a_commune(client: FlaskClient) -> None:
    body = client.get(
        f"/api/v1/offers?commune={CLAMECY}&within_minutes=20&category=library&limit=500"
    ).get_json()
    communes = {f["properties"]["commune_code"] for f in body["features"]}
    assert CLAMECY in communes
    assert len(communes) > 1  # commune is the origin here, not a filter on the offers
    assert body["travel"]["origin"]["commune"] == CLAMECY
    plain = client.get(f"/api/v1/offers?commune={CLAMECY}").get_json()
    assert {f["properties"]["commune_code"] for f in plain["features"]} == {CLAMECY}
    assert "travel" not in plain
    assert "travel_time_s" not in plain["features"][0]["properties"]


def test_offers_date_filter(client: FlaskClient) -> None:
    body = client.get(
        "/api/v1/offers?category=festival&date_from=2026-12-01&date_to=2026-12-31&limit=500"
    ).get_json()
    assert body["total"] > 0
    assert all(f["properties"]["period"].startswith("Après") for f in body["features"])


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("near=3.1,47", 400, "near"),
        ("mode=bike", 400, "mode"),
        ("near=abc&within_minutes=10", 400, "near"),
        ("near=3.1,47&commune=58079&within_minutes=10", 400, "near"),
        ("within_minutes=10", 400, "near"),
        ("commune=58079&within_minutes=999", 400, "within_minutes"),
        ("commune=99999&within_minutes=10", 404, None),
        ("near=1.0,44.0&within_minutes=10", 422, "near"),
    ],
)
def test_offers_travel_filter_bad_input(
    client: FlaskClient, query: str, status: int, field: str | None
) -> None:
    response = client.get(f"/api/v1/offers?{query}")
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    if field is not None:
        assert field in {p["name"] for p in response.get_json()["invalid_params"]}


def test_reachable_is_in_the_openapi_document(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/reachable" in paths
    assert "/api/v1/reachable/nearest" in paths
    names = {p["name"] for p in paths["/api/v1/offers"]["get"]["parameters"]}
    assert {"near", "within_minutes", "mode", "date_from", "date_to"} <= names
    params = {p["name"] for p in paths["/api/v1/reachable"]["get"]["parameters"]}
    assert {"lon", "lat", "commune", "mode", "max_minutes", "theme", "geometry"} <= params
    ok = paths["/api/v1/reachable"]["get"]["responses"]["200"]["content"]["application/json"]
    assert "$ref" in ok["schema"]


def test_nevers_to_chateau_chinon_cinema_by_the_d978(client: FlaskClient) -> None:
    """Nevers → Château-Chinon is about 64 km by the D978 (SOURCES.md §9)."""
    body = client.get(
        f"/api/v1/reachable?commune={NEVERS}&category=cinema&max_minutes=120&limit=20"
    ).get_json()
    etoile = next(f for f in body["features"] if f["properties"]["commune_code"] == "58062")
    props = etoile["properties"]
    assert 60_000 < props["distance_m"] < 80_000
    assert 45 * 60 < props["travel_time_s"] < 75 * 60
    assert "D978" in props["route_refs"]
    legs = props["legs"]
    assert legs["access_s"] + legs["network_s"] + legs["egress_s"] == pytest.approx(
        props["travel_time_s"], abs=0.2
    )
