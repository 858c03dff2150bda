"""The planners' transit coverage (``/coverage/transit``) and the networks of ``/health``."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from flask.testing import FlaskClient

from geoservice.core.transit_coverage import nearest_distance_m, stops_served_on
from geoservice.runtime import Runtime

SATURDAY = "2026-12-12"


def test_health_lists_the_networks_loaded_and_missing(client: FlaskClient) -> None:
    networks = client.get("/health").get_json()["transit_networks"]
    assert [n["id"] for n in networks["loaded"]] == ["ter"]
    assert {n["name"] for n in networks["missing"]} == {
        "Mobigo",
        "Taneo",
        "Transport à la demande",
    }


def test_coverage_per_commune_on_a_saturday(client: FlaskClient, runtime: Runtime) -> None:
    r = client.get("/api/v1/coverage/transit", query_string={"date": SATURDAY})
    assert r.status_code == 200
    body = r.get_json()
    assert body["service_date"]["used"] == "2025-02-01"
    items = {i["code"]: i for i in body["items"]}
    assert len(items) == 309
    # Achun: 14.5 km from Corbigny, nobody within 2 km of a stop.
    achun = items["58001"]
    assert achun["transit_service"] is False
    assert achun["population_no_stop_within_2000m"] == achun["population"] > 0
    assert achun["nearest_served_stop_m"] > 14_000
    # Nevers has served stations; fewer of its people are far from a stop than in Achun.
    nevers = items["58194"]
    assert nevers["transit_service"] is True
    assert nevers["served_stops"] >= 1
    assert nevers["share_no_stop_within_2000m"] < 0.5
    for item in items.values():
        assert item["population_no_stop_within_2000m"] <= item["population_no_stop_within_1000m"]
        assert item["population_no_stop_within_1000m"] <= item["population"]
    totals = body["totals"]
    assert totals["communes_without_service"] == sum(
        not i["transit_service"] for i in items.values()
    )
    # The census grid total inside the commune outlines (the grid's 201,726 for the
    # département outline; the outlines differ by a few hundred inhabitants).
    assert totals["population"] == pytest.approx(201_726, rel=0.01)


def test_coverage_by_zone_adds_up_the_communes(client: FlaskClient) -> None:
    communes = client.get("/api/v1/coverage/transit", query_string={"date": SATURDAY}).get_json()
    dept = client.get(
        "/api/v1/coverage/transit", query_string={"date": SATURDAY, "level": "departement"}
    ).get_json()
    (zone,) = dept["items"]
    assert zone["zone_code"] == "58"
    assert zone["communes"] == 309
    assert zone["communes_without_service"] == communes["totals"]["communes_without_service"]
    for radius in (1000, 2000):
        key = f"population_no_stop_within_{radius}m"
        assert zone[key] == pytest.approx(communes["totals"][key], abs=1)
    bad = client.get("/api/v1/coverage/transit", query_string={"level": "planet"})
    assert bad.status_code == 400
    assert bad.get_json()["invalid_params"][0]["name"] == "level"


def test_a_sunday_serves_fewer_stops_than_a_saturday(runtime: Runtime) -> None:
    tt = runtime.transit
    assert tt is not None
    from_dates = [stops_served_on(tt, d).sum() for d in (date(2025, 2, 1), date(2025, 2, 2))]
    assert 0 < from_dates[1] < from_dates[0]


def test_nearest_distance_is_the_minimum_over_stops() -> None:
    d = nearest_distance_m(
        np.array([0.0, 10.0]), np.array([0.0, 0.0]), np.array([3.0, 100.0]), np.array([4.0, 0.0])
    )
    assert d.tolist() == [5.0, pytest.approx(np.hypot(7.0, 4.0))]
    assert np.isinf(nearest_distance_m(np.zeros(1), np.zeros(1), np.zeros(0), np.zeros(0))).all()
