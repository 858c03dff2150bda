"""``POST /api/v1/scenarios`` with ``shared_rides``: inhabitants reached by an offered seat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient

from geoservice.core.commune_origins import commune_origins_m
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.runtime import Runtime
from geoservice.store.db import Store
from geoservice.store.ride_models import Ride
from geoservice.web import create_app
from tests.web.collab_helpers import LUZY, NEVERS, make_users, post_offer

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
DEPARTURE = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()
BASIS = "offered seats, not a transport service"
#: Walking: the inhabitants of Luzy have no music offer within 15 minutes on foot.
SCENARIO = {"theme": "music", "mode": "walk", "thresholds_minutes": [15, 30]}


@pytest.fixture
def api(runtime: Runtime, store: Store) -> FlaskClient:
    app: Flask = create_app(runtime=runtime, store=store)
    return app.test_client()


@pytest.fixture
def auth(store: Store) -> dict[str, dict[str, str]]:
    return make_users(
        store, {"mjc": "organisation", "driver": "contributor", "rider": "contributor"}
    )


def concert(api: FlaskClient, auth: dict[str, dict[str, str]], theme: str = "music") -> str:
    return post_offer(api, auth["mjc"], "event", "Concert à Nevers", NEVERS, themes=[theme])


def offer_ride(api: FlaskClient, auth: dict[str, dict[str, str]], event: str, seats: int) -> int:
    body = {"event": event, "commune_code": LUZY, "seats": seats, "departure": DEPARTURE,
            "max_detour_minutes": 30, "contact": "06 12 34 56 78"}  # fmt: skip
    response = api.post("/api/v1/rides", json=body, headers=auth["driver"])
    assert response.status_code == 201, response.get_json()
    ride_id: int = response.get_json()["ride_id"]
    return ride_id


def scenario(api: FlaskClient, **more: Any) -> dict[str, Any]:
    response = api.post("/api/v1/scenarios", json={**SCENARIO, "shared_rides": True, **more})
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    assert body["shared_rides"]["basis"] == BASIS
    return body


def test_a_ride_from_luzy_counts_luzy_and_its_neighbours(
    api: FlaskClient, auth: dict[str, dict[str, str]], runtime: Runtime, store: Store
) -> None:
    ride_id = offer_ride(api, auth, concert(api, auth), seats=3)
    body = scenario(api)
    block = body["shared_rides"]
    assert (block["rides"], block["seats_offered"], block["nearby_km"]) == (1, 3, 10.0)
    # Expected: the communes beyond the threshold whose town hall is within 10 km of the
    # ride's (stored, rounded) departure point.
    with store.read() as session:
        ride = session.get(Ride, ride_id)
        assert ride is not None
        x, y = lambert93_from_wgs84(ride.departure_lon, ride.departure_lat)
    model = runtime.accessibility
    assert model is not None
    cx, cy = commune_origins_m(model.communes)
    near = dict(zip(model.communes["code"], np.hypot(cx - x, cy - y) <= 10_000, strict=True))
    communes = {c["code"]: c for c in body["communes"]}
    for row in block["thresholds"]:
        limit_s = row["threshold_minutes"] * 60
        expected = sorted(
            code for code, c in communes.items()
            if near[code] and (c["time_s_after"] is None or c["time_s_after"] > limit_s)
        )  # fmt: skip
        assert row["commune_codes"] == expected
        assert row["population_by_shared_ride"] == sum(communes[c]["population"] for c in expected)
        assert row["communes_by_shared_ride"] == len(expected)
        assert (row["rides_used"], row["seats_offered_used"]) == (1, 3)
    at_15 = block["thresholds"][0]
    assert LUZY in at_15["commune_codes"]
    assert at_15["communes_by_shared_ride"] >= 3  # Luzy and neighbours within 10 km
    assert at_15["population_by_shared_ride"] > communes[LUZY]["population"]
    assert NEVERS not in at_15["commune_codes"]  # far from Luzy


def test_no_ride_no_matching_ride_or_a_full_ride_count_nobody(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    def counted(body: dict[str, Any]) -> list[int]:
        return [t["population_by_shared_ride"] for t in body["shared_rides"]["thresholds"]]

    nothing = scenario(api)
    assert nothing["shared_rides"]["rides"] == 0
    assert counted(nothing) == [0, 0]

    offer_ride(api, auth, concert(api, auth, theme="heritage"), seats=3)  # another theme
    assert counted(scenario(api)) == [0, 0]

    full = offer_ride(api, auth, concert(api, auth), seats=1)
    booked = api.post(f"/api/v1/rides/{full}/bookings", json={"contact": "07 00 00 00 00"},
                      headers=auth["rider"])  # fmt: skip
    assert booked.status_code == 201, booked.get_json()
    body = scenario(api)
    assert (body["shared_rides"]["rides"], body["shared_rides"]["seats_offered"]) == (0, 0)
    assert counted(body) == [0, 0]


def test_without_the_option_the_answer_has_no_shared_rides(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    offer_ride(api, auth, concert(api, auth), seats=3)
    response = api.post("/api/v1/scenarios", json=SCENARIO)
    assert response.status_code == 200
    assert "shared_rides" not in response.get_json()
    bad = api.post("/api/v1/scenarios", json={**SCENARIO, "shared_rides": "maybe"})
    assert bad.status_code in (400, 422)
    assert bad.get_json()["invalid_params"][0]["name"] == "shared_rides"
