"""Hostile offer titles, published through moderation, are shown as text: the page creates
no element from them and sends no request to any host but the service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geoservice.store.auth import add_user
from geoservice.web.contributions import STORE_EXTENSION_KEY
from tests.e2e.browser import (
    DESKTOP_VIEWPORT,
    click_map_center,
    open_page,
    wait_for_citizen_results,
)

pytestmark = pytest.mark.slow

HOSTILE_TITLES = (
    '<img src="https://attacker.example/beacon.png">Concert',
    "<script>window.__pwned = 1</script>Fête",
    '<b id="injected">Bal</b>',
    '<svg onload="window.__pwned = 2"></svg>Exposition',
    '<iframe src="https://attacker.example/"></iframe>Atelier',
)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _publish(
    client: FlaskClient, app: Flask, lon: float, lat: float, cleanup: list[Callable[[], Any]]
) -> None:
    """Post the hostile titles as a contributor; a moderator approves them. `cleanup`
    receives the deletions (the app and its database are shared by the session's tests)."""
    with app.extensions[STORE_EXTENSION_KEY].store.write() as session:
        alice = add_user(session, "e2e-hostile-alice", "contributor")[1]
        mod = add_user(session, "e2e-hostile-mod", "moderator")[1]
    as_mod = {"Authorization": f"Bearer {mod}"}
    for title in HOSTILE_TITLES:
        body = {"kind": "venue", "title": title, "lon": lon, "lat": lat, "themes": ["music"]}
        posted = client.post(
            "/api/v1/offers", json=body, headers={"Authorization": f"Bearer {alice}"}
        )
        assert posted.status_code == 201, posted.get_data(as_text=True)
        url = f"/api/v1/offers/{posted.get_json()['id']}"
        cleanup.append(lambda url=url: client.delete(url, headers=as_mod))
        approved = client.post(
            f"/api/v1/offers/{posted.get_json()['id']}/moderation",
            json={"decision": "approve"},
            headers=as_mod,
        )
        assert approved.status_code == 200, approved.get_data(as_text=True)


@pytest.fixture
def cleanup() -> Iterator[list[Callable[[], Any]]]:
    actions: list[Callable[[], Any]] = []
    yield actions
    for action in actions:
        assert action().status_code == 204


def test_hostile_titles_create_no_element_and_no_outside_request(
    app: Flask, browser: Any, base_url: str, cleanup: list[Callable[[], Any]]
) -> None:
    outside: list[str] = []
    origins: list[tuple[float, float]] = []
    page, _ = open_page(browser, base_url, DESKTOP_VIEWPORT)

    def guard(route: Any) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK or route.request.url.startswith(
            "data:"
        ):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)

    def remember_origin(request: Any) -> None:
        query = parse_qs(urlsplit(request.url).query)
        if "/api/v1/isochrones" in request.url and "lon" in query:
            origins.append((float(query["lon"][0]), float(query["lat"][0])))

    page.on("request", remember_origin)
    click_map_center(page)
    wait_for_citizen_results(page)
    assert origins, "the page asked for no isochrone"
    lon, lat = origins[-1]
    _publish(app.test_client(), app, lon, lat, cleanup)

    click_map_center(page)  # again: the ranking now holds the hostile offers
    wait_for_citizen_results(page)
    names = page.locator("#reachable-list li .result-name")
    page.wait_for_function(
        "n => [...document.querySelectorAll('#reachable-list .result-name')]"
        ".filter(e => e.textContent.includes('<')).length >= n",
        arg=len(HOSTILE_TITLES),
    )
    shown = set(names.all_inner_texts())
    assert set(HOSTILE_TITLES) <= shown  # as text, brackets and all

    # Every marker's tooltip, every list entry's details.
    markers = page.locator(".leaflet-overlay-pane path.leaflet-interactive[fill='#7b2d8e']")
    assert markers.count() >= 1
    tooltips = set()
    for i in range(min(markers.count(), 60)):
        markers.nth(i).dispatch_event("mouseover")
        tooltips.update(page.locator(".leaflet-tooltip").all_inner_texts())
    buttons = page.locator("#reachable-list li button")
    for i in range(buttons.count()):
        if "<" in buttons.nth(i).inner_text():
            buttons.nth(i).click()
            page.locator("#offer-details").wait_for(state="visible")
            assert "<" in page.locator("#offer-details h3").inner_text()

    created = page.evaluate(
        """() => ({
            pwned: window.__pwned ?? null,
            injected: document.querySelectorAll('#injected').length,
            attackerImages: [...document.images].filter(i => i.src.includes('attacker')).length,
            frames: document.querySelectorAll('iframe').length,
            inlineScripts: [...document.scripts].filter(s => !s.src).length,
            svgOnload: document.querySelectorAll('svg[onload]').length,
        })"""
    )
    assert created == {
        "pwned": None,
        "injected": 0,
        "attackerImages": 0,
        "frames": 0,
        "inlineScripts": 0,
        "svgOnload": 0,
    }
    assert outside == []
    assert tooltips & set(HOSTILE_TITLES)  # shown as text, brackets and all
    page.close()
