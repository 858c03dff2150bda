"""Impact indicators on a few made-up rows: periods, small communes, sums to the zones."""

from __future__ import annotations

from datetime import date

import pandas as pd

from geoservice.analytics.impact import (
    ImpactParams,
    PlatformFacts,
    count_activity_indicators,
    values_by_level,
)
from geoservice.analytics.impact_catalogue import describe_indicator

COMMUNES = pd.DataFrame(
    {
        "code": ["58001", "58002", "58003"],
        "name": ["Petite", "Moyenne", "Grande"],
        "population": [150, 1_999, 33_000],
        "canton": ["58A", "58A", "58B"],
        "epci": ["E1", "E1", "E1"],
    }
)


def _event(code: str, begin: str) -> dict[str, object]:
    return {
        "offer_id": f"user:{code}{begin}",
        "kind": "event",
        "themes": ["music"],
        "commune_code": code,
        "lon": 3.0,
        "lat": 47.0,
        "timings": [{"begin": begin, "end": begin}],
    }


def test_events_held_count_the_period_and_the_small_communes() -> None:
    facts = PlatformFacts(
        posted=[
            _event("58001", "2026-12-05T18:00:00+00:00"),
            _event("58002", "2026-01-01T18:00:00+00:00"),  # 339 days before: in the period
            _event("58003", "2026-12-06T20:00:00+00:00"),
            _event("58003", "2026-12-06T23:30:00+00:00"),  # 7 Dec in Paris: after the day
            _event("58001", "2025-12-06T10:00:00+00:00"),  # 365 days before: out
        ],
        projects=[{"project_id": "project:1", "commune_code": "58003", "members": 3}],
        rides=[{"ride_id": 1, "departure_commune_code": "58002", "seats": 4}],
        bookings=[{"ride_id": 1}, {"ride_id": 2}],  # ride 2 is not open any more
    )
    population = dict(zip(COMMUNES["code"], COMMUNES["population"], strict=True))
    rows = count_activity_indicators(facts, population, date(2026, 12, 6), ImpactParams())
    values = rows.set_index(["commune_code", "indicator"])["value"]
    assert values[("58001", "events.held")] == 1
    assert values[("58002", "events.held_small_communes")] == 1  # 1,999 < 2,000
    assert values[("58003", "events.held")] == 1
    assert ("58003", "events.held_small_communes") not in values.index
    assert values[("58003", "projects.members")] == 3
    assert values[("58002", "rides.seats_offered")] == 4
    assert values[("58002", "rides.seats_booked")] == 1

    by_level = values_by_level(rows, COMMUNES, ["events.held", "projects.published"])
    zone = by_level.set_index(["level", "zone_code", "indicator"])["value"]
    assert zone[("departement", "58", "events.held")] == 3
    assert zone[("canton", "58A", "events.held")] == 2
    assert zone[("canton", "58B", "projects.published")] == 1
    assert zone[("canton", "58A", "projects.published")] == 0  # zeros kept for zones
    assert zone[("epci", "E1", "rides.seats_booked")] == 1  # not expected, still summed
    communes = by_level[by_level["level"] == "commune"]
    assert (communes["value"] != 0).all()


def test_every_indicator_has_a_french_label_and_a_source() -> None:
    d = describe_indicator("reach_new.transit.books.45min.under_15", {"books": "Livre"})
    assert d["unit"] == "inhabitants"
    assert d["label"] == (
        "Habitants de moins de 15 ans nouvellement à portée (45 min en transports en commun) "
        "d'une offre « Livre »"
    )
    assert describe_indicator("offers.posted.kind.event")["label"].endswith(": événements")
    assert "estimation" in describe_indicator("rides.car_km_saved")["label"]
