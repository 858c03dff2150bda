"""The page tells the truth (issue #15): it sends the date of the outing, says when no train
or coach stop is in reach, lists the missing networks, and measures cinemas as cinemas."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from flask.testing import FlaskClient

from tests.e2e.browser import DESKTOP_VIEWPORT, open_page, show_planner, wait_for_citizen_results

pytestmark = pytest.mark.slow


def _queries(urls: list[str], path: str) -> list[dict[str, list[str]]]:
    return [parse_qs(urlparse(u).query) for u in urls if urlparse(u).path == path]


def test_the_page_sends_the_date_by_road_and_by_transit(browser: Any, base_url: str) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    assert page.locator("#visit-date").is_visible()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", page.locator("#visit-date").input_value())
    page.fill("#visit-date", "2026-12-12")
    page.fill("#commune-search", "Nevers")
    page.press("#commune-search", "Enter")
    wait_for_citizen_results(page)
    road = _queries(urls, "/api/v1/reachable")
    assert road
    assert all(q["date"] == ["2026-12-12"] for q in road)
    # In December, no summer festival is ranked.
    names = page.locator("#reachable-list .result-name").all_inner_texts()
    assert "Les zaccros d'ma rue" not in names
    assert "horaires d'ouverture ne figurent pas" in page.locator("#visit-date-hint").inner_text()

    urls.clear()
    page.check("#mode-transit")
    assert page.locator("#visit-date-field").is_hidden()
    page.fill("#departure", "2026-12-19T10:00")
    page.click("#citizen-form button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('#origin-label') && "
        "!document.querySelector('#reachable-list').hasAttribute('aria-busy')"
    )
    page.wait_for_selector("#reachable-list li")
    transit = _queries(urls, "/api/v1/reachable")
    assert transit
    assert all(q["date"] == ["2026-12-19"] for q in transit)
    assert log.errors == []
    page.close()


def test_no_stop_in_reach_is_said_in_french(browser: Any, base_url: str) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    page.check("#mode-transit")
    page.fill("#departure", "2026-12-12T13:00")
    page.fill("#commune-search", "Achun")
    page.press("#commune-search", "Enter")
    summary = page.locator("#reachable-summary")
    page.wait_for_function(
        "() => document.querySelector('#reachable-summary').textContent.includes('Aucun arrêt')"
    )
    text = summary.inner_text()
    assert "Aucun arrêt de train ou de car" in text
    assert "« Corbigny », à 14,5 km" in text
    assert "Mobigo" in text
    # No walking results labelled "transports en commun".
    assert page.locator("#reachable-list li").count() == 0
    assert page.locator(".isochrone-band").count() == 0
    limits = page.locator("#limits-networks").inner_text()
    for name in ("TER", "Mobigo", "Taneo", "Transport à la demande"):
        assert name in limits
    assert "Horaires d'ouverture" in page.locator("#limits-opening-hours").inner_text()
    assert log.errors == []
    page.close()


def test_planner_cinemas_match_the_api(browser: Any, base_url: str, client: FlaskClient) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    show_planner(page)
    page.wait_for_selector("#underserved-body tr")
    target = page.locator("#planner-target")
    assert target.input_value() == "category:cinema"
    groups = target.locator("optgroup").evaluate_all("gs => gs.map(g => g.label)")
    assert groups == ["Type de lieu", "Thème"]
    assert target.locator("option[value='theme:cinema']").count() == 1
    summary = page.locator("#underserved-summary").inner_text()
    rows = page.locator("#underserved-body tr").count()
    api = client.get(
        "/api/v1/underserved",
        query_string={"category": "cinema", "mode": "drive", "threshold_minutes": 20},
    ).get_json()
    people = f"{api['population_beyond']:,}".replace(",", "\u202f")
    assert summary.startswith(f"{len(api['items'])} communes, ")
    assert people in summary.replace("\xa0", "\u202f")
    assert rows == len(api["items"])
    # Every nearest offer the page lists is a cinema of the open data.
    nearest = set(page.locator("#underserved-body tr td.wide").all_inner_texts())
    cinemas = set(
        client.get("/api/v1/offers", query_string={"category": "cinema", "limit": 500}).get_json()[
            "features"
        ][i]["properties"]["name"]
        for i in range(10)
    )
    assert nearest <= cinemas
    assert log.errors == []
    page.close()
