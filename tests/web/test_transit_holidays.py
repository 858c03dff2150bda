"""Transit answers on a public holiday outside the feed say which day was used and why."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_transit_isochrone_on_christmas_says_which_day_and_why(client: FlaskClient) -> None:
    query = {"lon": 3.154, "lat": 46.988, "minutes": "60", "departure": "2026-12-25T10:00"}
    body = client.get("/api/v1/transit/isochrones", query_string=query).get_json()
    service = body["service_date"]
    assert service["requested"] == "2026-12-25"
    assert service["used"] == "2025-04-21"
    assert service["holiday"] == "Christmas Day"
    assert "public holiday" in service["reason"]
