"""``mode=transit`` on isochrones, reachable, nearest, the offers filter; ``/trips/return``."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from geoservice.runtime import Runtime

TUESDAY_0800 = "2025-02-04T08:00"
EDEN_COSNE = "cnc:121951"
DUN_LES_PLACES = "58106"
CRYSTAL_LA_CHARITE = "cnc:102173"


@pytest.fixture(scope="module")
def nevers_station(runtime: Runtime) -> tuple[float, float]:
    tt = runtime.transit
    assert tt is not None
    i = tt.stops_of_station("ter:StopArea:OCE87696005")[0]
    return float(tt.stop_lon[i]), float(tt.stop_lat[i])


def _rides(legs: list[dict]) -> list[dict]:
    return [leg for leg in legs if leg["mode"] == "ride"]


# --- isochrones --------------------------------------------------------------------------------


def test_isochrones_mode_transit_get(
    client: FlaskClient, nevers_station: tuple[float, float]
) -> None:
    lon, lat = nevers_station
    query = {"lon": lon, "lat": lat, "minutes": "30,60", "departure": TUESDAY_0800}
    transit = client.get("/api/v1/isochrones", query_string={**query, "mode": "transit"})
    walk = client.get("/api/v1/isochrones", query_string={**query, "mode": "walk"})
    assert transit.status_code == 200
    body = transit.get_json()
    assert body["service_date"]["used"] == "2025-02-04"
    assert [f["properties"]["value"] for f in body["features"]] == [1800.0, 3600.0]
    assert all(f["properties"]["mode"] == "transit" for f in body["features"])
    walk_area = walk.get_json()["features"][1]["properties"]["area_km2"]
    # The train to La Charité (24 min) adds a whole town to the hour's area.
    assert body["features"][1]["properties"]["area_km2"] > walk_area + 5


def test_isochrones_mode_transit_post_maps_the_date(
    client: FlaskClient, nevers_station: tuple[float, float]
) -> None:
    body = {
        "locations": [list(nevers_station)],
        "range": [2700],
        "mode": "transit",
        "departure": "2026-11-24T08:00:00+01:00",
        "window_minutes": 60,
        "statistic": "best",
    }
    r = client.post("/api/v1/isochrones", json=body)
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["service_date"]["requested"] == "2026-11-24"
    assert doc["service_date"]["used"] == "2025-01-28"
    assert "outside" in doc["service_date"]["reason"]
    assert doc["window_minutes"] == 60
    assert doc["features"][0]["properties"]["group_index"] == 0


@pytest.mark.parametrize(
    ("extra", "status", "field"),
    [
        ({}, 400, "departure"),
        ({"departure": "2025-02-30T08:00"}, 400, "departure"),
        ({"departure": "tuesday"}, 400, "departure"),
        ({"departure": TUESDAY_0800, "window_minutes": 600}, 422, "window_minutes"),
        ({"departure": TUESDAY_0800, "window_minutes": 0}, 400, "window_minutes"),
        ({"departure": TUESDAY_0800, "access_mode": "rocket"}, 400, "access_mode"),
    ],
)
def test_isochrones_mode_transit_bad_input(
    client: FlaskClient, extra: dict, status: int, field: str
) -> None:
    query = {"lon": 3.16, "lat": 46.99, "minutes": "30", "mode": "transit", **extra}
    r = client.get("/api/v1/isochrones", query_string=query)
    assert r.status_code == status
    assert r.content_type.startswith("application/problem+json")
    assert field in {p["name"] for p in r.get_json()["invalid_params"]}


# --- reachable -------------------------------------------------------------------------------


def test_reachable_by_transit_ranks_the_eden_in_cosne_by_the_direct_ter(
    client: FlaskClient, nevers_station: tuple[float, float]
) -> None:
    lon, lat = nevers_station
    query = {
        "lon": lon,
        "lat": lat,
        "mode": "transit",
        "departure": TUESDAY_0800,
        "max_minutes": 120,
        "category": "cinema",
    }
    r = client.get("/api/v1/reachable", query_string=query)
    assert r.status_code == 200
    body = r.get_json()
    assert body["mode"] == "transit"
    assert body["transit"]["service_date"]["used"] == "2025-02-04"
    assert "inside" in body["transit"]["service_date"]["reason"]
    features = body["features"]
    times = [f["properties"]["travel_time_s"] for f in features]
    assert times == sorted(times)
    eden = next(f for f in features if f["id"] == EDEN_COSNE)
    props = eden["properties"]
    assert props["travel_time_s"] <= 2 * 3600
    rides = _rides(props["itinerary"])
    assert len(rides) == 1
    assert (rides[0]["from_name"], rides[0]["to_name"]) == ("Nevers", "Cosne-sur-Loire")
    assert rides[0]["departure"].startswith("2025-02-04T08:35")
    assert rides[0]["arrival"].startswith("2025-02-04T09:25")
    assert rides[0]["route_short_name"]
    last = props["itinerary"][-1]
    assert last["mode"] == "walk"
    assert last["to_name"] == props["name"]
    assert last["arrival"] == props["arrival"]
    # The local cinema is reached on foot, ranked first.
    assert features[0]["properties"]["commune_code"] == "58194"
    assert not _rides(features[0]["properties"]["itinerary"])


def test_a_village_far_from_any_line_gets_only_walkable_offers(client: FlaskClient) -> None:
    query = {"commune": DUN_LES_PLACES, "departure": TUESDAY_0800, "max_minutes": 60}
    transit = client.get("/api/v1/reachable", query_string={**query, "mode": "transit"})
    walk = client.get("/api/v1/reachable", query_string={**query, "mode": "walk"})
    assert transit.status_code == 200
    body = transit.get_json()
    assert body["transit"]["access_stops"] == 0
    for f in body["features"]:
        assert not _rides(f["properties"]["itinerary"])
    assert [f["id"] for f in body["features"]] == [f["id"] for f in walk.get_json()["features"]]
    if not body["features"]:
        assert "hint" in body


def test_return_true_keeps_offers_with_a_way_home(
    client: FlaskClient, nevers_station: tuple[float, float]
) -> None:
    lon, lat = nevers_station
    query = {
        "lon": lon,
        "lat": lat,
        "mode": "transit",
        "departure": "2026-11-24T08:00",
        "max_minutes": 120,
        "limit": 200,
    }
    every = client.get("/api/v1/reachable", query_string=query).get_json()
    back = client.get("/api/v1/reachable", query_string={**query, "return": "true"}).get_json()
    assert back["transit"]["service_date"]["used"] == "2025-01-28"
    assert back["transit"]["stay_minutes"] == 120
    kept = {f["id"] for f in back["features"]}
    assert kept <= {f["id"] for f in every["features"]}
    assert EDEN_COSNE in kept
    for f in back["features"]:
        props = f["properties"]
        way = props["return"]
        # Leaves at least the stay after arriving, and is home by midnight.
        assert way["departure"] >= props["arrival"]
        assert way["itinerary"][-1]["arrival"] <= "2026-11-25T00:00:00+01:00"
    eden = next(f for f in back["features"] if f["id"] == EDEN_COSNE)
    assert _rides(eden["properties"]["return"]["itinerary"])
    # A stay until late at night: no train home any more from Cosne.
    late = client.get(
        "/api/v1/reachable", query_string={**query, "return": "true", "stay_minutes": 900}
    ).get_json()
    assert EDEN_COSNE not in {f["id"] for f in late["features"]}


def test_nearest_by_transit(client: FlaskClient, nevers_station: tuple[float, float]) -> None:
    lon, lat = nevers_station
    r = client.get(
        "/api/v1/reachable/nearest",
        query_string={"lon": lon, "lat": lat, "mode": "transit", "departure": TUESDAY_0800},
    )
    assert r.status_code == 200
    body = r.get_json()
    assert body["transit"]["service_date"]["used"] == "2025-02-04"
    cinema = next(i for i in body["nearest"] if i["kind"] == "category" and i["value"] == "cinema")
    assert cinema["commune_code"] == "58194"
    assert cinema["itinerary"]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"mode": "transit"}, "departure"),
        ({"mode": "transit", "departure": "8 o'clock"}, "departure"),
        ({"mode": "transit", "departure": "2025-02-04T08:00", "access_mode": "ski"}, "access_mode"),
        ({"mode": "drive", "return": "true"}, "return"),
        ({"mode": "transit", "departure": "2025-02-04T08:00", "stay_minutes": 60}, "stay_minutes"),
        (
            {"mode": "transit", "departure": "2025-02-04T08:00", "return": "1", "stay_minutes": -5},
            "stay_minutes",
        ),
        ({"mode": "transit", "departure": "3025-02-04T08:00"}, "departure"),
    ],
)
def test_reachable_transit_bad_input(client: FlaskClient, extra: dict, field: str) -> None:
    r = client.get("/api/v1/reachable", query_string={"commune": "58194", **extra})
    assert r.status_code == 400
    assert field in {p["name"] for p in r.get_json()["invalid_params"]}


# --- offers filter ---------------------------------------------------------------------------


def test_offers_within_minutes_by_transit(
    client: FlaskClient, nevers_station: tuple[float, float]
) -> None:
    lon, lat = nevers_station
    query = {
        "near": f"{lon},{lat}",
        "within_minutes": 75,
        "category": "cinema",
        "departure": TUESDAY_0800,
    }
    transit = client.get("/api/v1/offers", query_string={**query, "mode": "transit"})
    assert transit.status_code == 200
    body = transit.get_json()
    assert body["travel"]["mode"] == "transit"
    assert body["travel"]["service_date"]["used"] == "2025-02-04"
    ids = [f["id"] for f in body["features"]]
    assert CRYSTAL_LA_CHARITE in ids  # by the 08:35 TER to La Charité
    assert EDEN_COSNE not in ids  # 98 min: beyond 75
    walk = client.get(
        "/api/v1/offers", query_string={**query, "mode": "walk", "departure": None}
    ).get_json()
    assert CRYSTAL_LA_CHARITE not in [f["id"] for f in walk["features"]]
    missing = client.get(
        "/api/v1/offers", query_string={**query, "departure": None, "mode": "transit"}
    )
    assert missing.status_code == 400
    assert missing.get_json()["invalid_params"][0]["name"] == "departure"


# --- the way home ----------------------------------------------------------------------------


def test_trip_return_from_la_charite_to_nevers(
    client: FlaskClient, nevers_station: tuple[float, float]
) -> None:
    lon, lat = nevers_station
    query = {"offer": CRYSTAL_LA_CHARITE, "to_lon": lon, "to_lat": lat}
    r = client.get("/api/v1/trips/return", query_string={**query, "after": "2025-02-04T18:00"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["found"] is True
    assert body["service_date"]["used"] == "2025-02-04"
    rides = _rides(body["itinerary"])
    assert rides[0]["from_name"] == "La Charité-sur-Loire"
    assert rides[-1]["to_name"] == "Nevers"
    assert body["departure"] >= "2025-02-04T18:00"
    assert body["departure"] == body["itinerary"][0]["departure"]
    assert body["itinerary"][0]["from_name"] == "CRYSTAL PALACE"
    assert body["arrival"] <= "2025-02-05T00:00:00+01:00"
    # After the last train: not found, and told when the last one left.
    late = client.get("/api/v1/trips/return", query_string={**query, "after": "2025-02-04T23:00"})
    assert late.status_code == 200
    doc = late.get_json()
    assert doc["found"] is False
    assert doc["itinerary"] == []
    assert doc["last_departure"] == body["departure"]
    assert "hint" in doc


def test_trip_return_maps_dates(client: FlaskClient, nevers_station: tuple[float, float]) -> None:
    lon, lat = nevers_station
    r = client.get(
        "/api/v1/trips/return",
        query_string={
            "offer": CRYSTAL_LA_CHARITE,
            "to_lon": lon,
            "to_lat": lat,
            "after": "2026-11-24T17:00",
        },
    )
    body = r.get_json()
    assert body["service_date"]["used"] == "2025-01-28"
    assert "outside" in body["service_date"]["reason"]
    assert body["departure"].startswith("2026-11-24T")


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"offer": CRYSTAL_LA_CHARITE, "to_lon": 3.16, "to_lat": 46.99}, 400, "after"),
        (
            {"offer": CRYSTAL_LA_CHARITE, "to_lon": 3.16, "to_lat": 46.99, "after": "soon"},
            400,
            "after",
        ),
        (
            {"offer": CRYSTAL_LA_CHARITE, "to_lat": 46.99, "after": "2025-02-04T18:00"},
            400,
            "to_lon",
        ),
        (
            {
                "offer": CRYSTAL_LA_CHARITE,
                "to_lon": 3.16,
                "to_lat": 46.99,
                "after": "2025-02-04T18:00",
                "access_mode": "boat",
            },
            400,
            "access_mode",
        ),
        (
            {"offer": "nope:1", "to_lon": 3.16, "to_lat": 46.99, "after": "2025-02-04T18:00"},
            404,
            None,
        ),
    ],
)
def test_trip_return_bad_input(
    client: FlaskClient, query: dict, status: int, field: str | None
) -> None:
    r = client.get("/api/v1/trips/return", query_string=query)
    assert r.status_code == status
    assert r.content_type.startswith("application/problem+json")
    if field is not None:
        assert field in {p["name"] for p in r.get_json()["invalid_params"]}


def test_openapi_documents_transit_parameters(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/trips/return" in spec["paths"]
    names = {p["name"] for p in spec["paths"]["/api/v1/reachable"]["get"]["parameters"]}
    assert {"departure", "access_mode", "return", "stay_minutes"} <= names
    iso = {p["name"] for p in spec["paths"]["/api/v1/isochrones"]["get"]["parameters"]}
    assert {"departure", "window_minutes"} <= iso
