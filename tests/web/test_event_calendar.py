"""``GET /api/v1/offers/user:{n}/event.ics`` (issue #17): one published event as an
iCalendar file; anything not public is a 404, whoever asks."""

from __future__ import annotations

import icalendar
import pytest
from flask.testing import FlaskClient

from geoservice.runtime import Runtime
from geoservice.store.auth import add_user
from geoservice.store.db import Store
from geoservice.store.location import Coverage
from geoservice.web import create_app
from tests.web.test_contributions import post, props

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def api(runtime: Runtime, store: Store, coverage: Coverage) -> FlaskClient:
    return create_app(runtime=runtime, store=store).test_client()


@pytest.fixture
def auth(store: Store) -> dict[str, dict[str, str]]:
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    with store.write() as session:
        for role in ("contributor", "organisation", "moderator"):
            headers[role] = {"Authorization": f"Bearer {add_user(session, role, role)[1]}"}
    return headers


def _number(offer_id: str) -> str:
    return offer_id.removeprefix("user:")


@SQLITE_ONLY
def test_a_published_event_as_one_calendar_file(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    offer = props(post(api, auth["organisation"], status="published"))
    assert offer["status"] == "published"
    response = api.get(f"/api/v1/offers/user:{_number(offer['offer_id'])}/event.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    events = icalendar.Calendar.from_ical(response.get_data()).walk("VEVENT")
    assert len(events) == 2  # one per timing
    assert {str(e["SUMMARY"]) for e in events} == {"Concert d'orgue à l'église Saint-Étienne"}
    assert str(events[0]["LOCATION"]).startswith("Église Saint-Étienne, 13 rue")
    assert events[0]["DTSTART"].dt.isoformat() == "2030-06-21T18:30:00+00:00"  # 20 h 30 Paris


@SQLITE_ONLY
@pytest.mark.parametrize("status", ["draft", "pending"])
def test_a_non_public_offer_is_not_found_even_for_its_author(
    api: FlaskClient, auth: dict[str, dict[str, str]], status: str
) -> None:
    offer = props(post(api, auth["contributor"], status=status))
    assert offer["status"] == status
    url = f"/api/v1/offers/user:{_number(offer['offer_id'])}/event.ics"
    for who in ("anonymous", "contributor", "moderator"):
        response = api.get(url, headers=auth[who])
        assert response.status_code == 404, who
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["code"] == "not_found"


@SQLITE_ONLY
def test_a_cancelled_or_missing_event_is_not_found(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    offer = props(post(api, auth["organisation"], status="published"))
    number = _number(offer["offer_id"])
    deleted = api.delete(f"/api/v1/offers/user:{number}", headers=auth["organisation"])
    assert deleted.status_code < 300
    assert api.get(f"/api/v1/offers/user:{number}/event.ics").status_code == 404
    assert api.get("/api/v1/offers/user:999999/event.ics").status_code == 404


@SQLITE_ONLY
def test_a_venue_is_not_an_event(api: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    offer = props(post(api, auth["organisation"], status="published", kind="venue", timings=[]))
    url = f"/api/v1/offers/user:{_number(offer['offer_id'])}/event.ics"
    assert api.get(url).status_code == 404
