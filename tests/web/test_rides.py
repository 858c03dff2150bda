"""Shared rides over HTTP on the real Nièvre network: detours, bookings, privacy."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from geoservice.core.reachable import offer_travel_times
from geoservice.core.ride_matching import points_as_offers
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.runtime import Runtime
from geoservice.store.account_deletion import delete_account
from geoservice.store.accounts import NewAccount, create_account
from geoservice.store.auth import issue_token
from geoservice.store.db import Store
from geoservice.store.models import User
from geoservice.store.ride_models import Notification, Ride, RideBooking
from geoservice.web import create_app
from tests.smtp_sink import smtp_sink
from tests.web.collab_helpers import CLAMECY, DECIZE, LUZY, NEVERS, make_users, post_offer

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
DEPARTURE = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()
DRIVER_CONTACT = "06 12 34 56 78"


@pytest.fixture
def app(runtime: Runtime, store: Store) -> Flask:
    return create_app(runtime=runtime, store=store)


@pytest.fixture
def api(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def auth(store: Store) -> dict[str, dict[str, str]]:
    roles = {"mjc": "organisation", "driver": "contributor", "rider": "contributor"}
    return make_users(store, {**roles, "other": "contributor"})


@pytest.fixture
def event(api: FlaskClient, auth: dict[str, dict[str, str]]) -> str:
    return post_offer(api, auth["mjc"], "event", "Concert à la Maison de la culture", NEVERS)


def offer_ride(api: FlaskClient, headers: dict[str, str], event: str, **more: Any) -> Any:
    body = {
        "event": event,
        "commune_code": LUZY,
        "seats": 3,
        "departure": DEPARTURE,
        "max_detour_minutes": 120,
        "contact": DRIVER_CONTACT,
        **more,
    }
    response = api.post("/api/v1/rides", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def matches(api: FlaskClient, query: str) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/rides/matches?{query}")
    assert response.status_code == 200, response.get_json()
    found: list[dict[str, Any]] = response.get_json()["matches"]
    return found


def test_a_rider_on_the_way_costs_the_driver_a_smaller_detour(
    api: FlaskClient, auth: dict[str, dict[str, str]], event: str, runtime: Runtime, store: Store
) -> None:
    ride = offer_ride(api, auth["driver"], event)
    assert ride["departure_commune_code"] == LUZY
    decize = matches(api, f"event={event}&commune={DECIZE}")
    clamecy = matches(api, f"event={event}&commune={CLAMECY}")
    assert [m["ride_id"] for m in decize] == [ride["ride_id"]]
    assert [m["ride_id"] for m in clamecy] == [ride["ride_id"]]
    assert decize[0]["detour_s"] < clamecy[0]["detour_s"]
    assert decize[0]["detour_s"] < 15 * 60 < 45 * 60 < clamecy[0]["detour_s"]
    # The detour is the engine's: D → R + R → E − D → E, each leg /reachable's time.
    for match, commune in ((decize[0], DECIZE), (clamecy[0], CLAMECY)):
        legs = match["to_rider_s"] + match["rider_to_destination_s"] - match["direct_s"]
        assert match["detour_s"] == pytest.approx(legs, abs=0.2)
        from_rider = api.get(
            f"/api/v1/reachable?commune={commune}&mode=drive&max_minutes=120&limit=200"
        ).get_json()
        to_event = {f["id"]: f["properties"]["travel_time_s"] for f in from_rider["features"]}
        assert match["rider_to_destination_s"] == to_event[event]
    with store.read() as session:
        stored = session.get(Ride, ride["ride_id"])
        assert stored is not None
        start = (stored.departure_lon, stored.departure_lat)
    from_driver = api.get(
        f"/api/v1/reachable?lon={start[0]}&lat={start[1]}&mode=drive&max_minutes=120&limit=200"
    ).get_json()
    direct = {f["id"]: f["properties"]["travel_time_s"] for f in from_driver["features"]}
    assert decize[0]["direct_s"] == direct[event]
    # Driver → rider, by the engine on a catalogue holding the rider's commune point.
    rider = api.get(f"/api/v1/reachable?commune={DECIZE}&limit=1").get_json()["origin"]
    catalogue = runtime.reachable.with_offers(  # type: ignore[union-attr]
        points_as_offers({"rider": (rider["lon"], rider["lat"])})
    )
    row = int(np.flatnonzero(catalogue.offers["offer_id"] == "rider")[0])
    x, y = lambert93_from_wgs84(*start)
    times = offer_travel_times(catalogue, "drive", float(x), float(y), rows=[row])
    assert decize[0]["to_rider_s"] == pytest.approx(float(times.travel_time_s[0]), abs=0.05)
    # Within the driver's maximum only.
    tight = offer_ride(api, auth["other"], event, max_detour_minutes=20)
    assert tight["ride_id"] in [m["ride_id"] for m in matches(api, f"commune={DECIZE}")]
    assert tight["ride_id"] not in [m["ride_id"] for m in matches(api, f"commune={CLAMECY}")]


def test_contacts_are_hidden_until_the_driver_accepts(
    api: FlaskClient, auth: dict[str, dict[str, str]], event: str, store: Store
) -> None:
    ride = offer_ride(api, auth["driver"], event)
    rid = ride["ride_id"]
    body = {"commune_code": DECIZE, "contact": "rider@example.org", "message": "Merci !"}
    assert api.post(f"/api/v1/rides/{rid}/bookings", json=body).status_code == 401
    own = api.post(f"/api/v1/rides/{rid}/bookings", json=body, headers=auth["driver"])
    assert own.status_code == 409
    booked = api.post(f"/api/v1/rides/{rid}/bookings", json=body, headers=auth["rider"])
    assert booked.status_code == 201, booked.get_json()
    booking = booked.get_json()
    assert booking["status"] == "pending"
    assert booking["contact"] is None
    assert booking["pickup"] is None
    bid = booking["booking_id"]
    seen = api.get(f"/api/v1/rides/{rid}/bookings", headers=auth["driver"]).get_json()
    assert seen[0]["contact"] is None
    assert seen[0]["pickup"] is None
    assert seen[0]["pickup_commune_code"] == DECIZE
    # The driver was notified.
    note = api.get("/api/v1/notifications", headers=auth["driver"]).get_json()
    assert [n["kind"] for n in note] == ["booking_requested"]
    # Only the driver decides.
    decision = f"/api/v1/rides/{rid}/bookings/{bid}/decision"
    for who, status in (("anonymous", 401), ("rider", 403), ("other", 403), ("mjc", 403)):
        refused = api.post(decision, json={"decision": "accept"}, headers=auth[who])
        assert refused.status_code == status, who
    assert api.get(f"/api/v1/rides/{rid}/bookings", headers=auth["other"]).get_json() == []
    accepted = api.post(decision, json={"decision": "accept"}, headers=auth["driver"])
    assert accepted.status_code == 200
    assert accepted.get_json()["contact"] == "rider@example.org"
    assert accepted.get_json()["pickup"] is not None
    mine = api.get(f"/api/v1/rides/{rid}/bookings", headers=auth["rider"]).get_json()
    assert mine[0]["status"] == "accepted"
    assert mine[0]["contact"] == DRIVER_CONTACT
    assert mine[0]["pickup"] is None
    told = api.get("/api/v1/notifications", headers=auth["rider"]).get_json()
    assert [n["kind"] for n in told] == ["booking_accepted"]
    # Public listings never carry a contact nor the departure point.
    with store.read() as session:
        stored = session.get(Ride, rid)
        assert stored is not None
        lon_text = f"{stored.departure_lon}"
    for url in (
        f"/api/v1/rides/{rid}",
        f"/api/v1/rides?event={event}",
        f"/api/v1/rides/matches?commune={DECIZE}",
    ):
        text = api.get(url).get_data(as_text=True)
        assert DRIVER_CONTACT not in text
        assert "rider@example.org" not in text
        assert lon_text not in text
    for url in ("/api/v1/offers/export.geojson", "/api/v1/offers/export.csv", "/api/v1/events.ics"):
        text = api.get(url).get_data(as_text=True)
        assert lon_text not in text
        assert DRIVER_CONTACT not in text


def test_declining_gives_the_seat_back(
    api: FlaskClient, auth: dict[str, dict[str, str]], event: str
) -> None:
    rid = offer_ride(api, auth["driver"], event, seats=1)["ride_id"]
    body = {"contact": "rider@example.org"}
    bid = api.post(f"/api/v1/rides/{rid}/bookings", json=body, headers=auth["rider"]).get_json()
    full = api.post(f"/api/v1/rides/{rid}/bookings", json=body, headers=auth["other"])
    assert full.status_code == 409
    assert "complet" in full.get_json()["detail"]
    assert api.get(f"/api/v1/rides/{rid}").get_json()["seats_free"] == 0
    assert api.get(f"/api/v1/rides?event={event}").get_json()["rides"] == []
    url = f"/api/v1/rides/{rid}/bookings/{bid['booking_id']}/decision"
    assert api.post(url, json={"decision": "decline"}, headers=auth["driver"]).status_code == 200
    assert api.get(f"/api/v1/rides/{rid}").get_json()["seats_free"] == 1
    again = api.post(f"/api/v1/rides/{rid}/bookings", json=body, headers=auth["other"])
    assert again.status_code == 201


def test_twenty_concurrent_bookings_for_three_seats(
    app: Flask, api: FlaskClient, store: Store, event: str, auth: dict[str, dict[str, str]]
) -> None:
    """The real race: 20 threads, each its own client and database connection, released
    together by a barrier, book the 3 seats of one ride."""
    riders = make_users(store, {f"rider{i}": "contributor" for i in range(20)})
    rid = offer_ride(api, auth["driver"], event)["ride_id"]
    barrier = threading.Barrier(20)
    statuses: list[int] = []
    lock = threading.Lock()

    def book(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(
            f"/api/v1/rides/{rid}/bookings",
            json={"contact": f"rider{i}@example.org"},
            headers=riders[f"rider{i}"],
        )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=book, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] * 3 + [409] * 17
    bookings = api.get(f"/api/v1/rides/{rid}/bookings", headers=auth["driver"]).get_json()
    assert len(bookings) == 3
    for b in bookings:
        url = f"/api/v1/rides/{rid}/bookings/{b['booking_id']}/decision"
        assert api.post(url, json={"decision": "accept"}, headers=auth["driver"]).status_code == 200
    with store.read() as session:
        ride = session.get(Ride, rid)
        assert ride is not None
        assert ride.seats_taken == ride.seats == 3
        accepted = session.scalar(
            select(func.count()).where(RideBooking.ride_id == rid, RideBooking.status == "accepted")
        )
        assert accepted == 3


def test_deleting_an_account_deletes_its_rides_and_points(
    api: FlaskClient, auth: dict[str, dict[str, str]], event: str, store: Store
) -> None:
    rid = offer_ride(api, auth["driver"], event)["ride_id"]
    other = offer_ride(api, auth["other"], event)["ride_id"]
    body = {"lon": 3.4846, "lat": 46.8284, "contact": "rider@example.org"}
    assert (
        api.post(f"/api/v1/rides/{other}/bookings", json=body, headers=auth["rider"]).status_code
        == 201
    )
    assert (
        api.post(f"/api/v1/rides/{rid}/bookings", json=body, headers=auth["rider"]).status_code
        == 201
    )
    with store.write() as session:
        driver = session.scalar(select(User.id).where(User.name == "driver"))
        rider = session.scalar(select(User.id).where(User.name == "rider"))
        assert driver is not None
        assert rider is not None
        delete_account(session, driver)
    with store.read() as session:
        assert session.get(Ride, rid) is None
        assert session.scalar(select(func.count()).where(Notification.ride_id == rid)) == 0
    assert api.get(f"/api/v1/rides/{other}").get_json()["seats_free"] == 2
    with store.write() as session:
        delete_account(session, rider)
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(RideBooking)) == 0
    assert api.get(f"/api/v1/rides/{other}").get_json()["seats_free"] == 3


@SQLITE_ONLY
def test_ride_requests_are_checked(
    api: FlaskClient, auth: dict[str, dict[str, str]], event: str
) -> None:
    def post(**body: Any) -> Any:
        base = {"commune_code": LUZY, "seats": 2, "departure": DEPARTURE, "max_detour_minutes": 10}
        return api.post(
            "/api/v1/rides", json={**base, "contact": "x@y.fr", **body}, headers=auth["driver"]
        )

    assert post(event="user:999999").status_code == 404
    assert post().status_code == 400  # neither event nor destination
    assert post(event=event, seats=0).status_code == 400
    assert post(event=event, departure="2001-01-01T10:00:00").status_code == 400
    point = post(
        destination={"lon": 3.16, "lat": 46.99, "name": "Place Carnot"},
        arrive_at=DEPARTURE,
        max_detour_minutes=30,
    )
    assert point.status_code == 201, point.get_json()
    assert point.get_json()["event"] is None
    found = matches(api, f"commune={DECIZE}")
    assert point.get_json()["ride_id"] in [m["ride_id"] for m in found]
    outside = api.get("/api/v1/rides/matches?lon=2.35&lat=48.85")
    assert outside.status_code == 422  # outside the network coverage, as /reachable
    assert outside.get_json()["invalid_params"][0]["name"] == "lon"


def test_reachable_says_when_rides_leave_from_near_the_origin(
    api: FlaskClient, auth: dict[str, dict[str, str]], event: str
) -> None:
    offer_ride(api, auth["driver"], event)  # from Luzy
    url = "/api/v1/reachable?commune={}&mode=drive&max_minutes=120&limit=200&category=event"
    from_luzy = api.get(url.format(LUZY)).get_json()
    from_decize = api.get(url.format(DECIZE)).get_json()
    count = {f["id"]: f["properties"]["rides_available"] for f in from_luzy["features"]}
    assert count[event] == 1
    assert from_luzy["rides"]["nearby_km"] == 10
    assert {f["id"]: f["properties"]["rides_available"] for f in from_decize["features"]}[
        event
    ] == 0  # Decize is 30 km from Luzy: use /rides/matches there
    transit = api.get(
        f"/api/v1/reachable?commune={LUZY}&mode=transit&max_minutes=120&limit=200"
        "&departure=2030-06-21T14:00"
    ).get_json()
    assert transit["rides"]["nearby_km"] == 10
    assert all("rides_available" in f["properties"] for f in transit["features"])


@SQLITE_ONLY
def test_booking_emails_the_driver(
    runtime: Runtime, store: Store, auth: dict[str, dict[str, str]]
) -> None:
    with smtp_sink() as sink:
        settings = runtime.settings.with_overrides(
            {
                "smtp.host": "127.0.0.1",
                "smtp.port": sink.port,
                "smtp.security": "none",
                "smtp.from_address": "Culture en Nièvre <ne-pas-repondre@culture.test>",
            }
        )
        api = create_app(settings=settings, runtime=runtime, store=store).test_client()
        with store.write() as session:
            account = NewAccount("camille@example.org", "Camille", "$argon2id$unused")
            user = create_account(session, account)
            driver = {"Authorization": f"Bearer {issue_token(session, user)}"}
        event = post_offer(api, auth["mjc"], "event", "Bal folk", NEVERS)
        rid = offer_ride(api, driver, event)["ride_id"]
        body = {"commune_code": DECIZE, "contact": "rider@example.org"}
        assert (
            api.post(f"/api/v1/rides/{rid}/bookings", json=body, headers=auth["rider"]).status_code
            == 201
        )
        (message,) = sink.wait_for(1)
    assert message["To"] == "camille@example.org"
    assert "Bal folk" in message["Subject"]
    text = message.get_content()
    assert "rider demande une place" in text
    assert "rider@example.org" not in text  # contacts only after acceptance
