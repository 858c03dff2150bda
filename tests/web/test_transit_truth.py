"""Transit answers a villager can trust (issue #15): no stop in reach is said, not hidden;
the way home served is the itinerary travelled; Luzy reaches Decize and Nevers by coach K6."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from flask.testing import FlaskClient

from geoservice.runtime import Runtime

#: Achun: its town hall is 14.5 km from the nearest stop (Corbigny), no stop within reach.
ACHUN = "58001"
LUZY = "58149"
NEVERS = "58194"
DECIZE = "58095"
#: 273 of the 309 commune origins have no stop within the walking access limit (measured).
NO_STOP_SATURDAY = "2026-12-12T13:00"


def _rides(legs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [leg for leg in legs if leg["mode"] == "ride"]


def _assert_says_no_stop(transit: dict[str, Any]) -> None:
    assert transit["access_stops"] == 0
    nearest = transit["nearest_stop"]
    assert nearest["name"] == "Corbigny"
    assert 14_000 < nearest["distance_m"] < 15_000
    assert "no train or coach stop" in transit["hint"]
    assert "Corbigny, 14.5 km" in transit["hint"]


@pytest.fixture(scope="module")
def achun(runtime: Runtime) -> tuple[float, float]:
    """lon, lat of Achun's origin (its town hall)."""
    row = runtime.communes[runtime.communes["code"] == ACHUN].iloc[0]
    return float(row["origin_lon"]), float(row["origin_lat"])


def test_every_transit_answer_says_no_stop_is_in_reach(
    client: FlaskClient, achun: tuple[float, float]
) -> None:
    lon, lat = achun
    when = {"departure": NO_STOP_SATURDAY}
    ranking = client.get(
        "/api/v1/reachable",
        query_string={"commune": ACHUN, "mode": "transit", "max_minutes": 60, **when},
    ).get_json()
    _assert_says_no_stop(ranking["transit"])
    assert ranking["hint"] == ranking["transit"]["hint"]
    # What it still ranks is reached on foot only: no ride in any itinerary.
    assert all(not _rides(f["properties"]["itinerary"]) for f in ranking["features"])

    nearest = client.get(
        "/api/v1/reachable/nearest",
        query_string={"commune": ACHUN, "mode": "transit", **when},
    ).get_json()
    _assert_says_no_stop(nearest["transit"])
    assert "hint" in nearest

    iso = client.get(
        "/api/v1/isochrones",
        query_string={"lon": lon, "lat": lat, "mode": "transit", "minutes": "30", **when},
    ).get_json()
    _assert_says_no_stop(iso["transit"])
    assert iso["transit"]["origins"][0]["access_stops"] == 0
    assert iso["hint"] == iso["transit"]["hint"]
    alias = client.get(
        "/api/v1/transit/isochrones",
        query_string={"lon": lon, "lat": lat, "minutes": "30", **when},
    ).get_json()
    assert alias["transit"]["access_stops"] == 0

    earliest = client.get(
        "/api/v1/transit/earliest", query_string={"lon": lon, "lat": lat, **when}
    ).get_json()
    _assert_says_no_stop(earliest)
    assert earliest["stops"] == []

    home = client.get(
        "/api/v1/trips/return",
        query_string={
            "offer": "cnc:121951",
            "to_lon": lon,
            "to_lat": lat,
            "after": "2026-12-12T18:00",
        },
    ).get_json()
    _assert_says_no_stop(home["transit"])
    assert "home" in home["hint"]


def test_an_origin_with_stops_says_how_many_and_no_hint(client: FlaskClient) -> None:
    body = client.get(
        "/api/v1/reachable",
        query_string={
            "commune": LUZY,
            "mode": "transit",
            "departure": NO_STOP_SATURDAY,
            "max_minutes": 120,
        },
    ).get_json()
    assert body["transit"]["access_stops"] >= 1
    assert body["transit"]["nearest_stop"]["name"] == "Luzy"
    assert body["transit"]["nearest_stop"]["distance_m"] < 300
    assert "hint" not in body["transit"]


def test_luzy_by_coach_k6_reaches_decize_and_nevers_on_a_december_saturday(
    client: FlaskClient,
) -> None:
    body = client.get(
        "/api/v1/reachable",
        query_string={
            "commune": LUZY,
            "mode": "transit",
            "departure": NO_STOP_SATURDAY,
            "max_minutes": 120,
            "limit": 200,
        },
    ).get_json()
    assert body["origin"]["source"] == "town_hall"
    assert body["transit"]["service_date"]["used"] == "2025-02-01"  # a Saturday of the feed
    ridden = {
        (r["route_short_name"], r["from_name"], r["departure"][11:16])
        for f in body["features"]
        for r in _rides(f["properties"]["itinerary"])
    }
    assert ("K6", "Luzy", "13:35") in ridden
    communes = {f["properties"]["commune_code"] for f in body["features"]}
    assert DECIZE in communes
    assert NEVERS in communes


def test_the_way_home_served_is_the_itinerary_travelled(client: FlaskClient) -> None:
    query = {
        "commune": NEVERS,
        "mode": "transit",
        "departure": "2025-02-04T18:00",
        "max_minutes": 90,
        "limit": 100,
        "return": "true",
        "stay_minutes": 120,
    }
    body = client.get("/api/v1/reachable", query_string=query).get_json()
    features = body["features"]
    assert features
    before_midnight = 0
    walk_only = 0
    for f in features:
        props = f["properties"]
        way = props["return"]
        legs = way["itinerary"]
        assert way["departure"] == legs[0]["departure"]
        assert way["arrival"] == legs[-1]["arrival"]
        # Not before the stay ends (arrival + 120 min), home by the deadline.
        ready = props["arrival"]
        assert way["departure"] >= _plus_minutes(ready, 120)
        assert way["arrival"] <= "2025-02-05T00:00:00+01:00"
        for a, b in pairwise(legs):
            assert a["arrival"] <= b["departure"]
        if way["walk_only"]:
            walk_only += 1
            assert not _rides(legs)
            assert "no train or coach" in way["note"]
        else:
            assert _rides(legs)
        before_midnight += way["arrival"] < "2025-02-04T23:59"
    assert before_midnight > 0
    assert walk_only > 0
    # A way home by train: home as soon as the last ride arrives, not at the deadline.
    by_train = [f for f in features if not f["properties"]["return"]["walk_only"]]
    assert by_train
    legs = by_train[0]["properties"]["return"]["itinerary"]
    last_ride = _rides(legs)[-1]
    assert legs[legs.index(last_ride) + 1]["departure"] == last_ride["arrival"]


def test_trips_return_serves_its_itinerary(client: FlaskClient, runtime: Runtime) -> None:
    tt = runtime.transit
    assert tt is not None
    i = tt.stops_of_station("ter:StopArea:OCE87696005")[0]  # Nevers station
    body = client.get(
        "/api/v1/trips/return",
        query_string={
            "offer": "cnc:121951",  # Eden, Cosne-Cours-sur-Loire
            "to_lon": float(tt.stop_lon[i]),
            "to_lat": float(tt.stop_lat[i]),
            "after": "2025-02-04T18:00",
        },
    ).get_json()
    assert body["found"] is True
    assert body["walk_only"] is False
    assert body["departure"] == body["itinerary"][0]["departure"] >= "2025-02-04T18:00"
    assert body["arrival"] == body["itinerary"][-1]["arrival"]
    assert body["arrival"] < "2025-02-05T00:00:00+01:00"
    assert body["transit"]["access_stops"] >= 1


def _plus_minutes(moment: str, minutes: int) -> str:
    return (datetime.fromisoformat(moment) + timedelta(minutes=minutes)).isoformat()
