"""The « Projets » tab and « Proposer / trouver un covoiturage », in headless Chromium, on an
app with its own database: a published Clamecy project, its needs and matches by travel time,
creating a project, and a ride to a Nevers event found from Decize."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from geoservice.runtime import Runtime
from geoservice.store.db import open_store
from geoservice.web import create_app
from tests.e2e.browser import DESKTOP_VIEWPORT, open_page
from tests.web.collab_helpers import CLAMECY, DECIZE, LUZY, NEVERS, make_users, post_offer

pytestmark = pytest.mark.slow
EVENT_TITLE = "Concert de la Maison de la culture"


@pytest.fixture(scope="module")
def app(runtime: Runtime, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('projects') / 'offers.sqlite'}")
    app = create_app(runtime=runtime, store=store)
    api = app.test_client()
    auth = make_users(store, {"mjc": "organisation", "driver": "contributor"})
    post_offer(api, auth["mjc"], "skill", "Ingénieur du son", NEVERS)
    post_offer(api, auth["mjc"], "resource", "Scène mobile", CLAMECY)
    event = post_offer(api, auth["mjc"], "event", EVENT_TITLE, NEVERS, themes=["music"])
    project = {
        "title": "Fête au bord de l'Yonne",
        "commune_code": CLAMECY,
        "needs": [{"kind": "skill", "text": "ingénieur du son"}],
    }
    assert api.post("/api/v1/projects", json=project, headers=auth["mjc"]).status_code == 201
    ride = {
        "event": event,
        "commune_code": LUZY,
        "seats": 3,
        "departure": (datetime.now(UTC) + timedelta(days=20)).isoformat(),
        "max_detour_minutes": 30,
        "contact": "06 12 34 56 78",
    }
    assert api.post("/api/v1/rides", json=ride, headers=auth["driver"]).status_code == 201
    yield app
    store.dispose()


def test_projects_tab_lists_shows_needs_and_matches(
    browser: Any, base_url: str, artifacts: Path
) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    page.click("#tab-projects")
    item = page.locator("#projects-list button", has_text="Fête au bord de l'Yonne")
    item.wait_for()
    assert "Clamecy" in item.inner_text()
    item.click()
    page.wait_for_selector("#project-details:not([hidden])")
    assert "ingénieur du son" in page.locator("#project-details .needs").inner_text()
    page.click("#project-show-matches")
    page.wait_for_selector("#project-matches ol li")
    match = page.locator("#project-matches ol li").first.inner_text()
    assert "Ingénieur du son" in match
    assert "Nevers" in match
    assert "en voiture" in match
    # Creating a project needs an account: the page says so in French.
    page.fill("#project-title", "Chorale")
    page.fill("#project-commune", "Nevers")
    page.click("#project-form button[type=submit]")
    page.wait_for_selector("#error:not([hidden])")
    assert "connectez-vous" in page.locator("#error").inner_text()
    page.screenshot(path=str(artifacts / "projects.png"))
    assert [e for e in log.errors if "401" not in e] == []


def test_a_ride_to_an_event_is_found_from_decize(browser: Any, base_url: str) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    page.select_option("#citizen-theme", "music")
    page.select_option("#minutes", "60")
    page.fill("#commune-search", "Decize")
    page.press("#commune-search", "Enter")
    page.wait_for_selector("#reachable-list li")
    page.locator("#reachable-list button", has_text=EVENT_TITLE).click()
    panel = page.locator("#offer-details .ride-panel")
    panel.wait_for()
    assert "Proposer / trouver un covoiturage" in panel.inner_text()
    panel.locator("button", has_text="Trouver un covoiturage").click()
    ride = panel.locator(".rides li").first
    ride.wait_for()
    text = ride.inner_text()
    assert "Départ de Luzy" in text
    assert "détour du conducteur" in text
    assert "06 12 34 56 78" not in page.content()  # the driver's contact stays hidden
    assert log.errors == []
    assert DECIZE == "58095"
