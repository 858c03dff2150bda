"""The impact monitor end to end: snapshots of the real data, the series over HTTP."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient

from geoservice.analytics.impact import LOCAL_TIMEZONE
from geoservice.analytics.scenarios import NewVenue, run_scenario
from geoservice.analytics.targets import Target
from geoservice.cli.impact import take_snapshot
from geoservice.runtime import Runtime
from geoservice.store.db import Store
from geoservice.store.ride_models import RideBooking
from geoservice.web import create_app
from tests.web.collab_helpers import DECIZE, LUZY, NEVERS, make_users, post_offer

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
TODAY = datetime.now(LOCAL_TIMEZONE).date()
YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture
def app(runtime: Runtime, store: Store) -> Flask:
    return create_app(runtime=runtime, store=store)


@pytest.fixture
def api(app: Flask) -> FlaskClient:
    return app.test_client()


def _farthest_from_music(runtime: Runtime) -> tuple[str, float, float]:
    """The commune farthest by car from any music offer: its code and origin (lon, lat)."""
    model = runtime.accessibility
    assert model is not None
    rows = model.commune_figures(Target("theme", "music"), "drive")
    code = str(rows.sort_values("time_s", ascending=False)["commune_code"].iloc[0])
    assert rows.set_index("commune_code").loc[code, "offers_within_15min"] == 0
    origin = runtime.communes.set_index("code").loc[code]
    point = origin.geometry.representative_point()
    return code, float(point.x), float(point.y)


def _series(api: FlaskClient, query: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/impact?{query}")
    assert response.status_code == 200, response.get_json()
    document: dict[str, Any] = response.get_json()
    return document


def _value(document: dict[str, Any], indicator: str, zone: str, day: date) -> float:
    for s in document["series"]:
        if s["indicator"] == indicator and s["zone_code"] == zone:
            for p in s["points"]:
                if p["date"] == day.isoformat():
                    return float(p["value"])
    return 0.0


@SQLITE_ONLY
def test_a_published_event_raises_newly_within_reach_by_the_scenario_figure(
    api: FlaskClient, runtime: Runtime, store: Store
) -> None:
    code, lon, lat = _farthest_from_music(runtime)
    take_snapshot(runtime, store, YESTERDAY)
    auth = make_users(store, {"asso": "contributor", "moder": "moderator"})
    # Posted by a contributor: pending, so not counted until a moderator publishes it.
    begin = datetime.now(UTC).replace(microsecond=0)
    body = {
        "kind": "event",
        "title": "Concert au village",
        "themes": ["music"],
        "lon": lon,
        "lat": lat,
        "timings": [{"begin": begin.isoformat(), "end": (begin + timedelta(hours=2)).isoformat()}],
    }
    posted = api.post("/api/v1/offers", json=body, headers=auth["asso"])
    assert posted.status_code == 201, posted.get_json()
    offer_id = posted.get_json()["id"]
    assert posted.get_json()["properties"]["status"] == "pending"
    pending, _ = take_snapshot(runtime, store, TODAY)
    dep = pending.values[pending.values["level"] == "departement"].set_index("indicator")
    assert dep.loc["offers.posted", "value"] == 0
    decision = api.post(
        f"/api/v1/offers/{offer_id}/moderation",
        json={"decision": "approve"},
        headers=auth["moder"],
    )
    assert decision.status_code == 200, decision.get_json()

    snapshot, _ = take_snapshot(runtime, store, TODAY)  # the same day again: replaced
    model = runtime.accessibility
    assert model is not None
    expected = run_scenario(
        model,
        Target("theme", "music"),
        "drive",
        add=[NewVenue(category="event", themes=("music",), lon=lon, lat=lat)],
        thresholds_minutes=[15, 30, 45],
    ).thresholds.set_index("threshold_minutes")["population_newly_within"]
    assert expected.loc[15] > 0
    document = _series(api, "level=departement&indicator=reach_new.drive.music.,offers.posted")
    for minutes in (15, 30, 45):
        indicator = f"reach_new.drive.music.{minutes}min.population"
        assert _value(document, indicator, "58", TODAY) == expected.loc[minutes]
        assert _value(document, indicator, "58", YESTERDAY) == 0
    assert _value(document, "offers.posted", "58", TODAY) == 1
    # The gain lies in the event's commune, at the commune level too.
    communes = _series(api, f"level=commune&zone={code}&indicator=reach_new.drive.music.15min.")
    population = int(runtime.communes.set_index("code").loc[code, "population"])
    assert _value(communes, "reach_new.drive.music.15min.population", code, TODAY) == population
    # An event in a commune under 2,000 inhabitants, held today.
    assert population < 2_000
    held = snapshot.values[snapshot.values["level"] == "departement"].set_index("indicator")
    assert held.loc["events.held", "value"] == 1
    assert held.loc["events.held_small_communes", "value"] == 1
    assert len(document["snapshots"]) == 2


@SQLITE_ONLY
def test_snapshots_on_two_days_give_a_two_point_series_and_csv_equals_json(
    api: FlaskClient, runtime: Runtime, store: Store
) -> None:
    take_snapshot(runtime, store, YESTERDAY)
    auth = make_users(store, {"mjc": "organisation"})
    post_offer(api, auth["mjc"], "venue", "Salle des fêtes", NEVERS, themes=["music"])
    take_snapshot(runtime, store, TODAY)
    take_snapshot(runtime, store, TODAY)  # idempotent per day
    query = "level=canton&indicator=offers.posted,offers.open_data,reach.drive.music.30min."
    document = _series(api, query)
    assert [s["date"] for s in document["snapshots"]] == [
        YESTERDAY.isoformat(),
        TODAY.isoformat(),
    ]
    assert all(len(s["points"]) == 2 for s in document["series"])
    nevers_canton = str(runtime.communes.set_index("code").loc[NEVERS, "canton"])
    assert _value(document, "offers.posted", nevers_canton, YESTERDAY) == 0
    assert _value(document, "offers.posted", nevers_canton, TODAY) == 1
    ids = {d["id"]: d for d in document["indicators"]}
    assert ids["offers.posted"]["unit"] == "offers"
    assert ids["reach.drive.music.30min.65_plus"]["source"]
    assert "65 ans" in ids["reach.drive.music.30min.65_plus"]["label"]
    # CSV equals JSON: the same points, row for row.
    response = api.get(f"/api/v1/impact?{query}&format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    from_json = [
        (p["date"], s["zone_code"], s["indicator"], p["value"])
        for s in document["series"]
        for p in s["points"]
    ]
    from_csv = [(r["date"], r["zone_code"], r["indicator"], float(r["value"])) for r in rows]
    assert from_csv == from_json
    assert {r["level"] for r in rows} == {"canton"}
    # from / to select the days.
    only_today = _series(api, f"{query}&from={TODAY.isoformat()}")
    assert {p["date"] for s in only_today["series"] for p in s["points"]} == {TODAY.isoformat()}
    # The picture: the series and the map of the latest value per commune.
    png = api.get("/api/v1/maps/impact.png?indicator=offers.posted&level=commune")
    assert png.status_code == 200
    assert png.mimetype == "image/png"
    assert png.data[:8] == b"\x89PNG\r\n\x1a\n"
    zones = api.get(
        "/api/v1/maps/impact.png?indicator=reach.drive.music.30min.population&level=epci"
    )
    assert zones.status_code == 200
    refused = api.get("/api/v1/maps/impact.png?indicator=reach.drive.music.30min.population")
    assert refused.status_code == 400
    assert "indicator" in refused.get_data(as_text=True)
    # Proxies are off by default: no money value beside any quantity.
    assert document["value_proxies"]["enabled"] is False
    assert all(p["proxy_value_eur"] is None for s in document["series"] for p in s["points"])


@SQLITE_ONLY
def test_shared_rides_save_the_riders_trip_minus_the_drivers_detour(
    api: FlaskClient, runtime: Runtime, store: Store
) -> None:
    auth = make_users(
        store, {"mjc": "organisation", "driver": "contributor", "rider": "contributor"}
    )
    event = post_offer(api, auth["mjc"], "event", "Concert", NEVERS)
    departure = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).isoformat()
    ride = api.post(
        "/api/v1/rides",
        json={
            "event": event,
            "commune_code": LUZY,
            "seats": 3,
            "departure": departure,
            "max_detour_minutes": 60,
            "contact": "06 00 00 00 00",
        },
        headers=auth["driver"],
    ).get_json()
    rid = ride["ride_id"]
    booking = api.post(
        f"/api/v1/rides/{rid}/bookings",
        json={"commune_code": DECIZE, "contact": "r@example.org"},
        headers=auth["rider"],
    ).get_json()
    with store.read() as session:
        stored = session.get(RideBooking, booking["booking_id"])
        assert stored is not None
        pickup = (stored.pickup_lon, stored.pickup_lat)
    # /rides/matches from the booking's pick-up point: the engine's legs for this rider.
    match = api.get(
        f"/api/v1/rides/matches?event={event}&lon={pickup[0]}&lat={pickup[1]}"
    ).get_json()
    detour = next(m for m in match["matches"] if m["ride_id"] == rid)
    accepted = api.post(
        f"/api/v1/rides/{rid}/bookings/{booking['booking_id']}/decision",
        json={"decision": "accept"},
        headers=auth["driver"],
    )
    assert accepted.status_code == 200, accepted.get_json()
    snapshot, _ = take_snapshot(runtime, store, TODAY)
    values = snapshot.values
    dep = values[values["level"] == "departement"].set_index("indicator")["value"]
    assert dep["rides.offered"] == 1
    assert dep["rides.seats_offered"] == 3
    assert dep["rides.seats_booked"] == 1
    # Saved = the rider's drive alone − the driver's detour (engine times, /rides/matches').
    saved_min = (detour["rider_to_destination_s"] - detour["detour_s"]) / 60
    assert dep["rides.minutes_saved"] == pytest.approx(saved_min, abs=0.01)
    assert 0 < dep["rides.minutes_saved"] < detour["rider_to_destination_s"] / 60
    assert np.isfinite(dep["rides.car_km_saved"])
    at_decize = values[(values["level"] == "commune") & (values["zone_code"] == DECIZE)]
    assert set(at_decize["indicator"]) >= {"rides.minutes_saved", "rides.car_km_saved"}


def test_bad_impact_requests_are_problems_naming_the_field(client: FlaskClient) -> None:
    for query, field in (
        ("level=region", "level"),
        ("from=2026-12-06&to=2026-12-01", "from"),
        ("format=xml", "format"),
        ("from=yesterday", "from"),
    ):
        response = client.get(f"/api/v1/impact?{query}")
        assert response.status_code in (400, 422), query
        assert response.mimetype == "application/problem+json"
        assert field in response.get_data(as_text=True)
