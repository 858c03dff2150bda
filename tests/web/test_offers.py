"""``GET /api/v1/offers`` and ``GET /api/v1/offers/<id>``."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from shapely.geometry import Point

from geoservice.runtime import Runtime


def test_cinemas_are_the_ten_of_the_nievre(client: FlaskClient, runtime: Runtime) -> None:
    response = client.get("/api/v1/offers?category=cinema")
    assert response.status_code == 200
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    assert body["total"] == len(body["features"]) == 10
    departement = runtime.zones["departement"].geometry.iloc[0]
    for feature in body["features"]:
        assert feature["properties"]["category"] == "cinema"
        assert departement.contains(Point(feature["geometry"]["coordinates"]))
    assert "cnc:723200" in {f["id"] for f in body["features"]}


def test_paging_links(client: FlaskClient) -> None:
    body = client.get("/api/v1/offers?category=library&limit=50&offset=50").get_json()
    assert (body["total"], body["limit"], body["offset"]) == (105, 50, 50)
    assert len(body["features"]) == 50
    links = {link["rel"]: link["href"] for link in body["links"]}
    assert "offset=100" in links["next"]
    assert "offset=0" in links["prev"]
    assert "category=library" in links["next"]
    last = client.get(links["next"]).get_json()
    assert len(last["features"]) == 5
    assert "next" not in {link["rel"] for link in last["links"]}


def test_theme_commune_q_and_bbox_filters(client: FlaskClient) -> None:
    music = client.get("/api/v1/offers?theme=music&limit=500").get_json()
    assert music["total"] == 21
    assert all("music" in f["properties"]["themes"] for f in music["features"])
    nevers = client.get("/api/v1/offers?commune=58194&limit=500").get_json()
    assert nevers["total"] >= 4
    assert {f["properties"]["commune_code"] for f in nevers["features"]} == {"58194"}
    q = client.get("/api/v1/offers?q=ch%C3%A2teau-chinon").get_json()
    assert q["total"] >= 3
    box = client.get("/api/v1/offers?bbox=3.1,46.95,3.2,47.02&limit=500").get_json()
    for f in box["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert 3.1 <= lon <= 3.2
        assert 46.95 <= lat <= 47.02


def test_one_offer_and_unknown_id(client: FlaskClient) -> None:
    response = client.get("/api/v1/offers/museofile:M0148")
    assert response.status_code == 200
    feature = response.get_json()
    assert feature["id"] == "museofile:M0148"
    assert feature["properties"]["name"] == "musée du Costume"
    assert feature["geometry"]["type"] == "Point"
    missing = client.get("/api/v1/offers/cnc:000000")
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"
    assert "cnc:000000" in missing.get_json()["detail"]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("theme=jazz", "theme"),
        ("category=theatre", "category"),
        ("commune=99999", "commune"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=4,47,3,48", "bbox"),
        ("bbox=-200,40,5,50", "bbox"),
        ("limit=0", "limit"),
        ("limit=-3", "limit"),
        ("limit=100000", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=x", "offset"),
    ],
)
def test_bad_input_is_a_400_problem_naming_the_parameter(
    client: FlaskClient, query: str, param: str
) -> None:
    response = client.get(f"/api/v1/offers?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 400
    assert param in {p["name"] for p in body["invalid_params"]}


def test_unknown_theme_and_category_list_allowed_values(client: FlaskClient) -> None:
    theme = client.get("/api/v1/offers?theme=jazz").get_json()
    assert "music" in theme["allowed"]
    category = client.get("/api/v1/offers?category=theatre").get_json()
    assert category["allowed"] == sorted(
        ["cinema", "festival", "library", "museum", "event", "venue", "work", "skill", "resource"]
    )


def test_offers_are_in_the_openapi_document(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/offers" in paths
    assert "/api/v1/offers/{offer_id}" in paths
    names = {p["name"] for p in paths["/api/v1/offers"]["get"]["parameters"]}
    assert {"q", "theme", "category", "commune", "bbox", "limit", "offset"} <= names
