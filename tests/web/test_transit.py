"""``GET /api/v1/transit/earliest``."""

from __future__ import annotations

from flask.testing import FlaskClient

URL = "/api/v1/transit/earliest"
NEVERS = "ter:StopArea:OCE87696005"


def _by_station(stops: list[dict], station: str) -> dict:
    return min((s for s in stops if s["station_id"] == station), key=lambda s: s["travel_time_s"])


def test_from_nevers_station_tuesday_0800(client: FlaskClient) -> None:
    r = client.get(URL, query_string={"from_stop": NEVERS, "departure": "2025-02-04T08:00:00"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["service_date"]["used"] == "2025-02-04"
    assert "inside" in body["service_date"]["reason"]
    cosne = _by_station(body["stops"], "ter:StopArea:OCE87696146")
    assert cosne["arrival"].startswith("2025-02-04T09:25:00")
    assert cosne["travel_time_s"] == 85 * 60
    ride = [leg for leg in cosne["legs"] if leg["mode"] == "ride"]
    assert len(ride) == 1
    assert ride[0]["departure"].startswith("2025-02-04T08:35")
    assert ride[0]["from_name"] == "Nevers"
    assert ride[0]["stops"][0] == ride[0]["from_stop"]
    assert ride[0]["route_short_name"]
    times = [s["travel_time_s"] for s in body["stops"]]
    assert times == sorted(times)


def test_date_outside_validity_is_mapped_and_said(client: FlaskClient) -> None:
    r = client.get(
        URL, query_string={"from_stop": NEVERS, "departure": "2026-11-24T08:00:00+01:00"}
    )
    assert r.status_code == 200
    body = r.get_json()
    assert body["service_date"]["requested"] == "2026-11-24"
    assert body["service_date"]["used"] == "2025-01-28"
    assert "outside" in body["service_date"]["reason"]
    assert body["stops"]
    # Times are given on the requested day.
    assert body["stops"][-1]["arrival"].startswith("2026-11-24")


def test_window_reports_best_and_median(client: FlaskClient) -> None:
    r = client.get(
        URL,
        query_string={
            "from_stop": NEVERS,
            "departure": "2025-02-04T07:00:00",
            "window_minutes": 120,
        },
    )
    assert r.status_code == 200
    stops = r.get_json()["stops"]
    charite = _by_station(stops, "ter:StopArea:OCE87696195")
    assert charite["median_travel_time_s"] is None or (
        charite["median_travel_time_s"] >= charite["travel_time_s"]
    )
    assert charite["travel_time_s"] <= 24 * 60 + 10 * 60


def test_from_point_walks_to_the_station(client: FlaskClient) -> None:
    # 300 m or so from Nevers station.
    r = client.get(URL, query_string={"lon": 3.154, "lat": 46.988, "departure": "2025-02-04T08:00"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["access_stops"] >= 2
    first = body["stops"][0]["legs"][0]
    assert first["mode"] == "walk"
    assert first["from_stop"] is None


def test_far_point_reaches_nothing(client: FlaskClient) -> None:
    r = client.get(
        URL, query_string={"lon": 4.0097, "lat": 47.2797, "departure": "2025-02-04T08:00"}
    )
    assert r.status_code == 200
    assert r.get_json()["stops"] == []


def test_bad_requests_are_problems(client: FlaskClient) -> None:
    cases = [
        ({"departure": "2025-02-04T08:00"}, 400),
        ({"from_stop": NEVERS}, 400),
        ({"from_stop": NEVERS, "departure": "yesterday"}, 400),
        ({"from_stop": "nope", "departure": "2025-02-04T08:00"}, 400),
        ({"lon": 3.1, "departure": "2025-02-04T08:00"}, 400),
        ({"from_stop": NEVERS, "departure": "2025-02-04T08:00", "window_minutes": 100000}, 422),
    ]
    for query, status in cases:
        r = client.get(URL, query_string=query)
        assert r.status_code == status, query
        assert r.mimetype == "application/problem+json"


def test_openapi_documents_the_endpoint(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/transit/earliest" in spec["paths"]


LATEST = "/api/v1/transit/latest"


def test_latest_departure_to_cosne_by_1000(client: FlaskClient) -> None:
    r = client.get(
        LATEST,
        query_string={"to_stop": "ter:StopArea:OCE87696146", "arrive_by": "2025-02-04T10:00:00"},
    )
    assert r.status_code == 200
    body = r.get_json()
    assert body["service_date"]["used"] == "2025-02-04"
    nevers = next(s for s in body["stops"] if s["stop_id"] == "ter:StopPoint:OCETrain TER-87696005")
    assert nevers["departure"].startswith("2025-02-04T08:35")
    assert nevers["legs"][0]["from_stop"] == nevers["stop_id"]
    assert nevers["legs"][-1]["arrival"] <= "2025-02-04T10:00:00+01:00"
    departures = [s["departure"] for s in body["stops"]]
    assert departures == sorted(departures, reverse=True)


def test_latest_to_a_point_ends_with_a_walk(client: FlaskClient) -> None:
    r = client.get(
        LATEST, query_string={"lon": 3.154, "lat": 46.988, "arrive_by": "2025-02-04T12:00"}
    )
    assert r.status_code == 200
    body = r.get_json()
    assert body["egress_stops"] >= 2
    far = [s for s in body["stops"] if s["legs"] and s["legs"][-1]["mode"] == "walk"]
    assert far
    assert all(s["legs"][-1]["to_stop"] is None for s in far)


def test_latest_bad_requests(client: FlaskClient) -> None:
    for query in (
        {"arrive_by": "2025-02-04T10:00"},
        {"to_stop": "nope", "arrive_by": "2025-02-04T10:00"},
        {"to_stop": NEVERS},
    ):
        r = client.get(LATEST, query_string=query)
        assert r.status_code == 400, query
        assert r.mimetype == "application/problem+json"


def test_park_and_ride_from_far_village(client: FlaskClient) -> None:
    base = {"lon": 4.0097, "lat": 47.2797, "departure": "2025-02-04T08:00"}
    on_foot = client.get(URL, query_string=base).get_json()
    assert on_foot["stops"] == []
    r = client.get(URL, query_string={**base, "access_mode": "drive"})
    assert r.status_code == 200
    stops = r.get_json()["stops"]
    assert stops
    assert stops[0]["legs"][0]["mode"] == "drive"


def test_unknown_access_mode_is_a_problem(client: FlaskClient) -> None:
    r = client.get(
        URL,
        query_string={
            "lon": 3.154,
            "lat": 46.988,
            "departure": "2025-02-04T08:00",
            "access_mode": "plane",
        },
    )
    assert r.status_code == 400
    assert "access_mode" in r.get_data(as_text=True)


ISO = "/api/v1/transit/isochrones"


def test_transit_isochrone_grows_beyond_walking(client: FlaskClient) -> None:
    query = {"lon": 3.154, "lat": 46.988, "minutes": "30,60,90", "departure": "2025-02-04T08:00"}
    r = client.get(ISO, query_string=query)
    assert r.status_code == 200
    body = r.get_json()
    assert body["service_date"]["used"] == "2025-02-04"
    areas = [f["properties"]["area_km2"] for f in body["features"]]
    assert [f["properties"]["value"] for f in body["features"]] == [1800, 3600, 5400]
    assert areas == sorted(areas)
    walk = client.get(
        "/api/v1/isochrones",
        query_string={"lon": 3.154, "lat": 46.988, "minutes": "90", "mode": "walk"},
    ).get_json()
    walk_area = walk["features"][0]["properties"]["area_km2"]
    # Trains carry the walker further than walking alone (Cosne, La Charité, Decize…).
    assert areas[-1] > 1.5 * walk_area
    assert body["features"][-1]["properties"]["population"] > 0


def test_transit_isochrone_window_and_errors(client: FlaskClient) -> None:
    base = {"lon": 3.154, "lat": 46.988, "minutes": "60", "departure": "2025-02-04T07:00"}
    best = client.get(ISO, query_string={**base, "window_minutes": 120, "statistic": "best"})
    median = client.get(ISO, query_string={**base, "window_minutes": 120})
    assert best.status_code == 200
    assert median.status_code == 200
    assert (
        best.get_json()["features"][0]["properties"]["area_km2"]
        >= median.get_json()["features"][0]["properties"]["area_km2"]
    )
    for query, status in (
        ({**base, "minutes": "abc"}, 400),
        ({**base, "minutes": "100000"}, 422),
        ({**base, "statistic": "mean"}, 400),
        ({**base, "access_mode": "plane"}, 400),
        ({**base, "lon": 2.35, "lat": 48.85}, 422),
    ):
        r = client.get(ISO, query_string=query)
        assert r.status_code == status, query
        assert r.mimetype == "application/problem+json"


def test_health_describes_the_timetable(client: FlaskClient) -> None:
    transit = client.get("/health").get_json()["transit"]
    assert transit["validity"] == ["2025-01-22", "2025-04-22"]
    assert transit["stops"] > 100
    assert transit["trips"] > 500


def test_extreme_dates_are_bad_requests_not_crashes(client: FlaskClient) -> None:
    for url, query in (
        (URL, {"from_stop": NEVERS, "departure": "9999-12-31T23:00"}),
        (URL, {"from_stop": NEVERS, "departure": "0001-01-01T00:30+05:00"}),
        (LATEST, {"to_stop": NEVERS, "arrive_by": "0001-01-01T00:10"}),
        (ISO, {"lon": 3.154, "lat": 46.988, "departure": "9999-12-31T23:59"}),
    ):
        r = client.get(url, query_string=query)
        assert r.status_code == 400, query
        assert r.mimetype == "application/problem+json"
