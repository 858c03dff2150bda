"""Transit journeys told in full (issue #17): each ride leg says its vehicle (train / coach)
and the coordinates of its stops, and ``return_only=false`` keeps the offers with no way home
after the stay, saying so with the last departure."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

MESVES = "58164"  # Mesves-sur-Loire, a village with a TER halt (Mesves - Bulcy)
IMPHY = "58134"


def _reachable(client: FlaskClient, **params: Any) -> dict[str, Any]:
    query = {"mode": "transit", "max_minutes": 90, "limit": 50, **params}
    response = client.get("/api/v1/reachable", query_string=query)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def _by_name(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f["properties"] for f in document["features"] if f["properties"]["name"] == name)


def test_a_ride_says_its_vehicle_and_its_stops_coordinates(client: FlaskClient) -> None:
    document = _reachable(client, commune=MESVES, departure="2026-12-12T09:00")
    museum = _by_name(document, "musée Ernest Guedon")
    legs = museum["itinerary"]
    rides = [leg for leg in legs if leg["mode"] == "ride"]
    assert [(r["route_short_name"], r["vehicle"]) for r in rides] == [("P12", "train")]
    ride = rides[0]
    assert (ride["from_name"], ride["to_name"]) == ("Mesves - Bulcy", "Pouilly-sur-Loire")
    # One [lon, lat] per stop of the ride, all in the Nièvre.
    assert len(ride["coordinates"]) == len(ride["stops"]) >= 2
    for lon, lat in ride["coordinates"]:
        assert 2.8 < lon < 4.3
        assert 46.6 < lat < 47.6
    # Walks carry no vehicle; the access walk has only its stop end.
    assert legs[0]["mode"] == "walk"
    assert legs[0]["vehicle"] is None
    assert len(legs[0]["coordinates"]) == 1


def test_return_only_false_keeps_offers_without_a_way_home(client: FlaskClient) -> None:
    params = {"commune": IMPHY, "departure": "2026-12-15T17:30", "return": "true"}
    kept = _reachable(client, **params, stay_minutes=240)
    everything = _reachable(client, **params, stay_minutes=240, return_only="false")
    assert everything["total"] > kept["total"]
    cinema = _by_name(everything, "CINE MAZARIN")["return"]
    assert cinema["possible"] is False
    assert cinema["departure"] is None
    assert cinema["itinerary"] == []
    # The last way home leaves before the stay ends: 17:30 + travel + 4 h.
    assert cinema["last_departure"].startswith("2026-12-15T2")
    assert all(f["properties"]["return"]["possible"] for f in kept["features"])
    names = {f["properties"]["name"] for f in kept["features"]}
    assert "CINE MAZARIN" not in names


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_return_only_must_be_a_boolean(client: FlaskClient, value: str) -> None:
    response = client.get(
        "/api/v1/reachable",
        query_string={
            "commune": IMPHY,
            "mode": "transit",
            "departure": "2026-12-15T17:30",
            "return": "true",
            "return_only": value,
        },
    )
    assert response.status_code == 400
    assert any(p["name"] == "return_only" for p in response.get_json()["invalid_params"])
