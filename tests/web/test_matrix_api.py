"""``POST /api/v1/matrix`` and ``GET /api/v1/route``: same times as ``/reachable``."""

from __future__ import annotations

import csv
import io

import pytest
from flask.testing import FlaskClient

TUESDAY_0800 = "2025-02-04T08:00"
NEVERS, CLAMECY, LUZY = "58194", "58079", "58149"
CRYSTAL_LA_CHARITE = "cnc:102173"


def _reachable_times(client: FlaskClient, query: str) -> dict[str, float]:
    r = client.get(f"/api/v1/reachable?{query}&max_minutes=120&limit=200")
    assert r.status_code == 200, r.json
    return {f["id"]: f["properties"]["travel_time_s"] for f in r.json["features"]}


@pytest.mark.parametrize("mode", ["drive", "bike", "walk"])
def test_matrix_times_equal_reachable_times_for_the_same_origin_and_offer(
    client: FlaskClient, mode: str
) -> None:
    expected = {
        code: _reachable_times(client, f"commune={code}&mode={mode}")
        for code in (NEVERS, CLAMECY, LUZY)
    }
    offers = sorted({o for times in expected.values() for o in times})[:60]
    assert len(offers) >= 3
    body = {
        "origins": [{"commune": c} for c in expected],
        "destinations": [{"offer": o} for o in offers],
        "mode": mode,
        "max_minutes": 120,
    }
    r = client.post("/api/v1/matrix", json=body)
    assert r.status_code == 200, r.json
    compared = 0
    for i, code in enumerate(expected):
        for j, offer in enumerate(offers):
            got = r.json["travel_time_s"][i][j]
            if offer in expected[code]:
                assert got == pytest.approx(expected[code][offer], abs=0.11)
                compared += 1
            else:
                assert got is None  # beyond 120 min, as /reachable leaves it out
    assert compared >= 3
    assert all(d is None or d >= 0 for row in r.json["distance_m"] for d in row)


def test_transit_matrix_equals_reachable_transit_times(client: FlaskClient) -> None:
    query = f"commune={NEVERS}&mode=transit&departure={TUESDAY_0800}&access_mode=bike"
    expected = _reachable_times(client, query)
    offers = sorted(expected)[:40]
    body = {
        "origins": [{"commune": NEVERS}],
        "destinations": [{"offer": o} for o in offers],
        "mode": "transit",
        "departure": TUESDAY_0800,
        "access_mode": "bike",
        "statistic": "best",
        "max_minutes": 120,
    }
    r = client.post("/api/v1/matrix", json=body)
    assert r.status_code == 200, r.json
    assert "distance_m" not in r.json
    assert r.json["transit"]["service_date"]["used"] == "2025-02-04"
    for j, offer in enumerate(offers):
        assert r.json["travel_time_s"][0][j] == pytest.approx(expected[offer], abs=0.11)


def test_transit_window_median_is_not_shorter_than_the_best(client: FlaskClient) -> None:
    base = {
        "origins": [{"commune": NEVERS}, [3.02, 47.17]],
        "destinations": [{"offer": CRYSTAL_LA_CHARITE}, {"commune": CLAMECY}],
        "mode": "transit",
        "departure": TUESDAY_0800,
        "window_minutes": 120,
        "max_minutes": 180,
    }
    best = client.post("/api/v1/matrix", json={**base, "statistic": "best"}).json
    median = client.post("/api/v1/matrix", json={**base, "statistic": "median"}).json
    assert median["transit"]["window_minutes"] == 120
    for b_row, m_row in zip(best["travel_time_s"], median["travel_time_s"], strict=True):
        for b, m in zip(b_row, m_row, strict=True):
            if m is not None:
                assert b is not None
                assert b <= m


def test_unreached_pairs_are_null(client: FlaskClient) -> None:
    body = {
        "origins": [{"commune": NEVERS}],
        "destinations": [{"commune": NEVERS}, {"commune": LUZY}],
        "mode": "walk",
        "max_minutes": 30,
    }
    r = client.post("/api/v1/matrix", json=body)
    assert r.status_code == 200
    assert r.json["travel_time_s"][0][0] == 0.0
    assert r.json["travel_time_s"][0][1] is None
    assert r.json["distance_m"][0][1] is None


def test_too_many_pairs_is_a_422_naming_the_limit(client: FlaskClient) -> None:
    points = [[3.1 + i * 1e-4, 47.0] for i in range(250)]
    r = client.post("/api/v1/matrix", json={"origins": points, "destinations": points})
    assert r.status_code == 422
    assert r.mimetype == "application/problem+json"
    assert "[matrix] max_pairs = 60000" in r.json["detail"]
    assert r.json["invalid_params"][0]["name"] == "origins"


def test_csv_variant_streams_one_row_per_pair(client: FlaskClient) -> None:
    body = {
        "origins": [{"commune": NEVERS}, {"lon": 3.5, "lat": 47.0}],
        "destinations": [{"offer": CRYSTAL_LA_CHARITE}, [3.16, 46.99], {"commune": CLAMECY}],
    }
    as_json = client.post("/api/v1/matrix", json=body).json
    for kwargs in ({"query_string": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}):
        r = client.post("/api/v1/matrix", json=body, **kwargs)
        assert r.status_code == 200
        assert r.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
        assert len(rows) == 6
        assert rows[0]["origin"] == NEVERS
        assert rows[0]["destination"] == CRYSTAL_LA_CHARITE
        for row in rows:
            i, j = int(row["origin_index"]), int(row["destination_index"])
            assert float(row["travel_time_s"]) == as_json["travel_time_s"][i][j]
            assert int(row["distance_m"]) == as_json["distance_m"][i][j]


@pytest.mark.parametrize(
    ("item", "status", "field"),
    [
        ({"commune": "99999"}, 404, None),
        ({"offer": "nope"}, 404, None),
        ({"town": "Nevers"}, 400, "origins[1]"),
        ([3.1], 400, "origins[1]"),
        ([2.35, 48.85], 422, "origins[1]"),  # Paris: outside the network's coverage
    ],
)
def test_bad_places_are_problems_naming_the_item(
    client: FlaskClient, item: object, status: int, field: str | None
) -> None:
    body = {"origins": [{"commune": NEVERS}, item], "destinations": [{"commune": CLAMECY}]}
    r = client.post("/api/v1/matrix", json=body)
    assert r.status_code == status, r.json
    assert r.mimetype == "application/problem+json"
    if field is not None:
        assert r.json["invalid_params"][0]["name"] == field
    else:
        assert "origins[1]" in r.json["detail"]


def test_transit_needs_a_departure(client: FlaskClient) -> None:
    body = {"origins": [[3.16, 46.99]], "destinations": [[3.02, 47.17]], "mode": "transit"}
    r = client.post("/api/v1/matrix", json=body)
    assert r.status_code == 400
    assert r.json["invalid_params"][0]["name"] == "departure"


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_route_agrees_with_the_matrix_and_the_ranking(client: FlaskClient, mode: str) -> None:
    nevers = client.post(
        "/api/v1/matrix",
        json={"origins": [{"commune": NEVERS}], "destinations": [[3.0, 47.0]], "mode": mode},
    ).json
    lon, lat = nevers["origins"][0]["lon"], nevers["origins"][0]["lat"]
    r = client.get(f"/api/v1/route?from={lon},{lat}&to=3.0,47.0&mode={mode}")
    assert r.status_code == 200, r.json
    feature = r.json
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "LineString"
    assert feature["geometry"]["coordinates"][0] == [lon, lat]
    assert feature["geometry"]["coordinates"][-1] == [3.0, 47.0]
    props = feature["properties"]
    assert props["travel_time_s"] == pytest.approx(nevers["travel_time_s"][0][0], abs=1)
    assert props["distance_m"] == pytest.approx(nevers["distance_m"][0][0], abs=1)
    legs = props["legs"]
    total = legs["access_s"] + legs["network_s"] + legs["egress_s"]
    assert total == pytest.approx(props["travel_time_s"], abs=0.2)
    if props["roads"]:
        assert sum(road["distance_m"] for road in props["roads"]) <= props["distance_m"] + 2
        assert all(road["highway"] for road in props["roads"])


def test_route_to_an_offer_matches_its_reachable_time(client: FlaskClient) -> None:
    offer = client.get(f"/api/v1/offers/{CRYSTAL_LA_CHARITE}").json
    lon, lat = offer["geometry"]["coordinates"]
    expected = _reachable_times(client, f"commune={NEVERS}&mode=drive")[CRYSTAL_LA_CHARITE]
    m = client.post(
        "/api/v1/matrix", json={"origins": [{"commune": NEVERS}], "destinations": [[0, 0]]}
    )
    assert m.status_code == 422  # [0, 0] is far outside the Nièvre: no road reaches it
    assert m.json["invalid_params"][0]["name"] == "destinations[0]"
    origin = client.post(
        "/api/v1/matrix",
        json={"origins": [{"commune": NEVERS}], "destinations": [{"offer": CRYSTAL_LA_CHARITE}]},
    ).json
    o = origin["origins"][0]
    r = client.get(f"/api/v1/route?from={o['lon']},{o['lat']}&to={lon},{lat}&mode=drive")
    assert r.json["properties"]["travel_time_s"] == pytest.approx(expected, abs=1)
    assert r.json["properties"]["route_refs"]


def test_transit_route_has_legs_with_lines_and_times(client: FlaskClient) -> None:
    r = client.get(
        "/api/v1/route?from=3.159051,46.985481&to=3.021931,47.176632&mode=transit"
        f"&departure={TUESDAY_0800}"
    )
    assert r.status_code == 200, r.json
    doc = r.json
    assert doc["type"] == "FeatureCollection"
    rides = [f for f in doc["features"] if f["properties"]["mode"] == "ride"]
    assert rides
    assert rides[0]["properties"]["route_short_name"]
    assert doc["features"][-1]["geometry"]["coordinates"][-1] == [3.021931, 47.176632]
    m = client.post(
        "/api/v1/matrix",
        json={
            "origins": [[3.159051, 46.985481]],
            "destinations": [[3.021931, 47.176632]],
            "mode": "transit",
            "departure": TUESDAY_0800,
            "statistic": "best",
        },
    ).json
    assert doc["properties"]["travel_time_s"] == pytest.approx(m["travel_time_s"][0][0], abs=1)


def test_route_arguments_are_checked(client: FlaskClient) -> None:
    r = client.get("/api/v1/route?from=3.1&to=3.0,47.0")
    assert r.status_code == 400
    assert r.json["invalid_params"][0]["name"] == "from"
    r = client.get("/api/v1/route?from=3.1,47.0&to=3.0,47.0&mode=plane")
    assert r.status_code == 400
