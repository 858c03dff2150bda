"""The page tells the whole journey (issue #17): a transit itinerary from a village with its
lines and times, drawn on the map, and the way home after the stay or its absence."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser import DESKTOP_VIEWPORT, open_page

pytestmark = pytest.mark.slow


def _search_by_transit(page: Any, commune: str, departure: str, minutes: str = "90") -> None:
    page.check("#mode-transit")
    page.fill("#departure", departure)
    page.select_option("#minutes", minutes)
    page.fill("#commune-search", commune)
    page.press("#commune-search", "Enter")
    page.wait_for_selector("#reachable-list li")
    page.wait_for_function(
        "() => !document.querySelector('#reachable-list').hasAttribute('aria-busy')"
    )


def _open_offer(page: Any, name: str) -> None:
    page.locator("#reachable-list .result", has_text=name).first.click()
    page.wait_for_selector("#offer-details:not([hidden]) .journey")


def test_transit_itinerary_from_a_village_with_lines_and_times(browser: Any, base_url: str) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    _search_by_transit(page, "Mesves-sur-Loire", "2026-12-12T09:00")
    result = page.locator("#reachable-list .result", has_text="musée Ernest Guedon")
    assert "Train P12" in result.inner_text()
    _open_offer(page, "musée Ernest Guedon")
    steps = page.locator("#offer-details .journey").first.locator("li").all_inner_texts()
    # Walk to the halt, the train with its times, the walk to the museum.
    assert steps[0].startswith("À pied ")
    assert "« Mesves - Bulcy »" in steps[0]
    ride = next(s for s in steps if s.startswith("Train P12"))
    assert "départ 9 h 59 de « Mesves - Bulcy »" in ride
    assert "arrivée 10 h 04 à « Pouilly-sur-Loire »" in ride
    assert steps[-1].startswith("À pied ")
    assert steps[-1].endswith(")")
    assert "musée Ernest Guedon" in steps[-1]
    # Drawn on the map: the ride along its stops, the walks dashed.
    assert page.locator("path.journey-ride").count() == 1
    assert page.locator("path.journey-walk").count() >= 2
    # The way home after 2 h there.
    home = page.locator("#offer-details .way-home-text").inner_text()
    assert home.startswith("Retour après 2 h sur place : départ ")
    assert log.errors == []
    page.close()


def test_the_way_home_or_its_absence_is_said(browser: Any, base_url: str) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    page.select_option("#stay-minutes", "240")
    _search_by_transit(page, "Imphy", "2026-12-15T17:30")
    cinema = page.locator("#reachable-list .result", has_text="CINE MAZARIN")
    text = cinema.inner_text()
    assert "Pas de retour possible ce jour-là après 4 h sur place" in text
    assert "le dernier retour part à 21 h 05" in text
    assert page.locator("#reachable-list .result-return.no-return").count() > 0
    # Only the offers with a way home.
    total_all = page.locator("#reachable-list li").count()
    page.check("#return-only")
    page.click("#citizen-form button[type=submit]")
    page.wait_for_function(
        f"() => document.querySelectorAll('#reachable-list li').length < {total_all}"
    )
    assert page.locator("#reachable-list .result-return.no-return").count() == 0
    assert page.locator("#reachable-list .result", has_text="CINE MAZARIN").count() == 0
    returns = page.locator("#reachable-list .result-return").all_inner_texts()
    assert returns
    assert all(r.startswith("Retour après 4 h sur place") for r in returns)
    assert log.errors == []
    page.close()
