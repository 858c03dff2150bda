"""Imported agenda events in the API: search with source and licence, ``/health`` update
state, and an organisation's claim through moderation (loopback server, temporary data)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from geoservice.cli.update import posted_event_keys
from geoservice.io.agenda_events import load_imported_events
from geoservice.io.update import UpdateOptions, run_update
from geoservice.runtime import load_runtime
from geoservice.settings import Settings
from geoservice.store.auth import add_user
from geoservice.store.db import open_store
from geoservice.web import create_app
from tests.update_fixtures import agenda_settings, data_copy_fixture, server_fixture  # noqa: F401 (fixtures)

CONCERT = "oa:424242:91000001"
#: Each test loads a runtime from its own copy of data/ (several seconds).
pytestmark = pytest.mark.slow


@pytest.fixture
def imported(
    data_copy: Settings, server: tuple[str, list[str]], tmp_path: Path
) -> tuple[Settings, FlaskClient, dict[str, dict[str, str]]]:
    """Settings with the fixture agendas imported, an app on them, and auth headers."""
    settings = agenda_settings(data_copy, server[0]).with_overrides(
        {"store.url": f"sqlite:///{tmp_path / 'offers.sqlite'}"}
    )
    report = run_update(settings, UpdateOptions(only="agenda"), echo=lambda _: None)
    assert report.status == "swapped"
    store = open_store(str(settings.get("store.url")))
    headers: dict[str, dict[str, str]] = {}
    with store.write() as session:
        for name, role in (("mjc", "organisation"), ("alice", "contributor"), ("mod", "moderator")):
            headers[role] = {"Authorization": f"Bearer {add_user(session, name, role)[1]}"}
    app = create_app(settings, load_runtime(settings), store=store)
    return settings, app.test_client(), headers


def test_imported_events_are_searched_with_source_licence_and_health_state(
    imported: tuple[Settings, FlaskClient, dict[str, dict[str, str]]],
) -> None:
    _, client, _ = imported
    body = client.get("/api/v1/offers?q=concert fictif&category=event").get_json()
    assert body["total"] == 1
    props = body["features"][0]["properties"]
    assert body["features"][0]["id"] == CONCERT
    assert props["source"] == "openagenda:agenda-fictif"
    assert props["licence"] == "Licence Ouverte v2.0 (fictive test agenda)"
    assert props["url"].startswith("https://openagenda.com/agendas/424242/events/")
    assert client.get(f"/api/v1/offers/{CONCERT}").status_code == 200
    health = client.get("/health").get_json()
    assert health["updates"]["agenda-fictif"]["kind"] == "openagenda"
    assert health["updates"]["agenda-fictif"]["age_s"] >= 0


def test_an_organisation_claims_an_event_a_moderator_approves_and_the_import_yields(
    imported: tuple[Settings, FlaskClient, dict[str, dict[str, str]]],
) -> None:
    settings, client, auth = imported
    url = f"/api/v1/offers/{CONCERT}/claim"
    assert client.post(url).status_code == 403  # anonymous
    assert client.post(url, headers=auth["contributor"]).status_code == 403
    assert (
        client.post("/api/v1/offers/cnc:723200/claim", headers=auth["organisation"]).status_code
        == 400
    )
    assert (
        client.post("/api/v1/offers/oa:1:2/claim", headers=auth["organisation"]).status_code == 404
    )
    created = client.post(url, headers=auth["organisation"])
    assert created.status_code == 201, created.get_json()
    claim = created.get_json()
    assert claim["properties"]["status"] == "pending"
    assert "Licence Ouverte v2.0 (fictive test agenda)" in claim["properties"]["description"]
    assert claim["properties"]["url"].startswith("https://openagenda.com/")
    assert client.post(url, headers=auth["organisation"]).status_code == 409
    number = claim["id"].removeprefix("user:")
    decided = client.post(
        f"/api/v1/offers/user:{number}/moderation",
        headers=auth["moderator"],
        json={"decision": "approve"},
    )
    assert decided.status_code == 200, decided.get_json()
    # The next agenda update leaves the imported copy out: the organisation's post replaces it.
    keys = posted_event_keys(settings)
    report = run_update(
        settings, UpdateOptions(only="agenda"), posted_keys=keys, echo=lambda _: None
    )
    assert report.agenda is not None
    assert CONCERT in report.agenda["removed"]
    assert CONCERT not in set(load_imported_events(settings.data_dir)["offer_id"])
