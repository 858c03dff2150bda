"""openrouteservice-py and routingpy, unchanged, against ``/ors`` on a loopback server:
matrices and directions agree with ``/api/v1/matrix`` and ``/api/v1/route``."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import openrouteservice
import pytest
import routingpy
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

NEVERS_CENTRE = [3.159051, 46.985481]
LA_CHARITE = [3.021931, 47.176632]
EAST = [3.5, 47.0]


@pytest.fixture(scope="module")
def ors_base_url(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/ors"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _ours(client: FlaskClient, mode: str) -> dict:
    locations = [NEVERS_CENTRE, LA_CHARITE, EAST]
    body = {"origins": locations, "destinations": locations, "mode": mode}
    r = client.post("/api/v1/matrix", json=body)
    assert r.status_code == 200
    return r.json


def test_openrouteservice_py_distance_matrix(ors_base_url: str, client: FlaskClient) -> None:
    ors = openrouteservice.Client(base_url=ors_base_url, key="", retry_over_query_limit=False)
    answer = ors.distance_matrix(
        [NEVERS_CENTRE, LA_CHARITE, EAST],
        profile="cycling-regular",
        metrics=["duration", "distance"],
        sources=[0],
        destinations=[1, 2],
        units="km",
    )
    ours = _ours(client, "bike")
    assert len(answer["durations"]) == 1
    assert answer["durations"][0] == pytest.approx(ours["travel_time_s"][0][1:], abs=0.06)
    expected_km = [d / 1000 for d in ours["distance_m"][0][1:]]
    assert answer["distances"][0] == pytest.approx(expected_km, abs=0.01)
    assert len(answer["sources"]) == 1
    assert len(answer["destinations"]) == 2
    assert answer["sources"][0]["snapped_distance"] >= 0
    assert answer["metadata"]["query"]["profile"] == "cycling-regular"


def test_openrouteservice_py_directions_json_and_geojson(
    ors_base_url: str, client: FlaskClient
) -> None:
    ors = openrouteservice.Client(base_url=ors_base_url, key="", retry_over_query_limit=False)
    route = client.get(
        f"/api/v1/route?from={NEVERS_CENTRE[0]},{NEVERS_CENTRE[1]}"
        f"&to={LA_CHARITE[0]},{LA_CHARITE[1]}&mode=drive"
    ).json
    answer = ors.directions([NEVERS_CENTRE, LA_CHARITE], profile="driving-car")
    summary = answer["routes"][0]["summary"]
    assert summary["duration"] == pytest.approx(route["properties"]["travel_time_s"], abs=0.06)
    assert summary["distance"] == pytest.approx(route["properties"]["distance_m"], abs=1)
    decoded = openrouteservice.convert.decode_polyline(answer["routes"][0]["geometry"])
    ours = route["geometry"]["coordinates"]
    assert len(decoded["coordinates"]) == len(ours)
    for (lon_a, lat_a), (lon_b, lat_b) in zip(decoded["coordinates"], ours, strict=True):
        assert lon_a == pytest.approx(lon_b, abs=1e-5)
        assert lat_a == pytest.approx(lat_b, abs=1e-5)
    geo = ors.directions([NEVERS_CENTRE, LA_CHARITE, EAST], profile="driving-car", format="geojson")
    feature = geo["features"][0]
    assert feature["geometry"]["coordinates"][0] == NEVERS_CENTRE
    assert feature["geometry"]["coordinates"][-1] == EAST
    segments = feature["properties"]["segments"]
    assert len(segments) == 2
    assert segments[0]["duration"] == pytest.approx(summary["duration"], abs=0.06)
    assert feature["properties"]["summary"]["duration"] == pytest.approx(
        sum(s["duration"] for s in segments), abs=0.2
    )


def test_routingpy_matrix_and_directions(ors_base_url: str, client: FlaskClient) -> None:
    ors = routingpy.ORS(base_url=ors_base_url, api_key=None, retry_over_query_limit=False)
    matrix = ors.matrix(
        [NEVERS_CENTRE, LA_CHARITE, EAST], profile="foot-walking", metrics=["duration", "distance"]
    )
    ours = _ours(client, "walk")
    for got, expected in zip(matrix.durations, ours["travel_time_s"], strict=True):
        assert got == pytest.approx(expected, abs=0.06)
    for got, expected in zip(matrix.distances, ours["distance_m"], strict=True):
        assert got == pytest.approx(expected, abs=1)
    geojson = ors.directions([NEVERS_CENTRE, LA_CHARITE], profile="driving-car")
    as_json = ors.directions([NEVERS_CENTRE, LA_CHARITE], profile="driving-car", format="json")
    assert geojson.duration == as_json.duration == int(ours_drive_time(client))
    assert abs(geojson.distance - as_json.distance) <= 1
    assert geojson.geometry[0] == NEVERS_CENTRE
    assert as_json.geometry[-1][0] == pytest.approx(LA_CHARITE[0], abs=1e-5)
    assert as_json.geometry[-1][1] == pytest.approx(LA_CHARITE[1], abs=1e-5)


def ours_drive_time(client: FlaskClient) -> float:
    body = {"origins": [NEVERS_CENTRE], "destinations": [LA_CHARITE], "mode": "drive"}
    return float(client.post("/api/v1/matrix", json=body).json["travel_time_s"][0][0])


def test_unknown_profile_and_bad_indices_are_problems(client: FlaskClient) -> None:
    r = client.post("/ors/v2/matrix/driving-hgv/json", json={"locations": [NEVERS_CENTRE]})
    assert r.status_code == 400
    assert r.json["invalid_params"][0]["name"] == "profile"
    body = {"locations": [NEVERS_CENTRE, LA_CHARITE], "sources": [5]}
    r = client.post("/ors/v2/matrix/driving-car", json=body)
    assert r.status_code == 400
    assert r.json["invalid_params"][0]["name"] == "sources"
    r = client.post("/ors/v2/directions/driving-car", json={"coordinates": [NEVERS_CENTRE]})
    assert r.status_code == 400
