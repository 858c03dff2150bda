"""An event's details, as a visitor needs them (issue #17), and API errors said in French."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geoservice.store.auth import add_user
from geoservice.web.contributions import STORE_EXTENSION_KEY
from tests.e2e.browser import DESKTOP_VIEWPORT, open_page, wait_for_citizen_results

pytestmark = pytest.mark.slow

EVENT = {
    "kind": "event",
    "title": "Concert de Noël à la cathédrale",
    "description": "Chants de Noël par la maîtrise de la cathédrale.",
    "themes": ["music"],
    "timings": [{"begin": "2026-12-12T15:00:00", "end": "2026-12-12T17:00:00"}],
    "commune_code": "58194",
    "location_name": "Cathédrale Saint-Cyr-et-Sainte-Julitte",
    "address": "Place de la République, 58000 Nevers",
    "accessibility": {"wheelchair": True, "hearing": True},
    "free": False,
    "price_eur": 12.5,
    "registration": [
        {"type": "email", "value": "billets@example.org"},
        {"type": "link", "value": "https://example.org/billetterie"},
        {"type": "phone", "value": "03 86 00 00 00"},
    ],
    "organiser": "Les Amis de la cathédrale",
    "url": "https://example.org/noel",
}


@pytest.fixture
def cleanup() -> Iterator[list[Callable[[], Any]]]:
    actions: list[Callable[[], Any]] = []
    yield actions
    for action in actions:
        assert action().status_code == 204


def test_an_event_shows_everything_a_visitor_needs(
    app: Flask, client: FlaskClient, browser: Any, base_url: str, cleanup: list[Any]
) -> None:
    with app.extensions[STORE_EXTENSION_KEY].store.write() as session:
        author = add_user(session, "e2e-event-author", "contributor")[1]
        mod = add_user(session, "e2e-event-mod", "moderator")[1]
    as_mod = {"Authorization": f"Bearer {mod}"}
    posted = client.post(
        "/api/v1/offers", json=EVENT, headers={"Authorization": f"Bearer {author}"}
    )
    assert posted.status_code == 201, posted.get_data(as_text=True)
    offer_id = posted.get_json()["id"]
    cleanup.append(lambda: client.delete(f"/api/v1/offers/{offer_id}", headers=as_mod))
    decision = {"decision": "approve"}
    approved = client.post(f"/api/v1/offers/{offer_id}/moderation", json=decision, headers=as_mod)
    assert approved.status_code == 200

    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    page.fill("#visit-date", "2026-12-12")
    page.fill("#commune-search", "Nevers")
    page.press("#commune-search", "Enter")
    wait_for_citizen_results(page)
    page.locator("#reachable-list .result", has_text=EVENT["title"]).click()
    page.wait_for_selector("#offer-details .event-details")
    details = page.locator("#offer-details")
    text = details.inner_text()
    assert "samedi 12 décembre 2026, 15 h – 17 h" in text
    assert "Cathédrale Saint-Cyr-et-Sainte-Julitte, Place de la République, 58000 Nevers" in text
    assert re.search(r"12,50\s€", text)
    assert "Les Amis de la cathédrale" in text
    assert "Téléphone : 03 86 00 00 00" in text
    assert "Accessible : personnes en fauteuil roulant, personnes sourdes ou malentendantes" in text
    assert "Chants de Noël par la maîtrise" in text
    hrefs = details.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "mailto:billets@example.org" in hrefs
    assert "https://example.org/billetterie" in hrefs
    assert all(re.match(r"(https?:|mailto:|/api/v1/)", h) for h in hrefs), hrefs
    calendar = details.locator("a.add-to-calendar")
    assert calendar.inner_text() == "Ajouter à mon agenda"
    ics = page.request.get(base_url + calendar.get_attribute("href"))
    assert ics.status == 200
    assert "BEGIN:VEVENT" in ics.text()
    assert "SUMMARY:Concert de Noël à la cathédrale" in ics.text()
    assert log.errors == []
    page.close()


def test_an_api_error_is_said_in_french(browser: Any, base_url: str) -> None:
    page, _ = open_page(browser, base_url, DESKTOP_VIEWPORT)
    page.check("#mode-transit")
    page.fill("#departure", "1850-01-01T10:00")
    page.fill("#commune-search", "Nevers")
    page.press("#commune-search", "Enter")
    page.wait_for_selector("#error:not([hidden])")
    text = page.locator("#error").inner_text()
    assert "date et heure de départ" in text, text
    assert "champ « " not in text  # every parameter has its French name
    # Never the English detail of the problem document.
    for english in ("invalid", "parameter", "must", "year", "out of range"):
        assert not re.search(rf"\b{english}\b", text.lower()), text
    page.close()
