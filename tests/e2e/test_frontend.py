"""The page at / in headless Chromium, against the service started on localhost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.e2e.browser import (
    DESKTOP_VIEWPORT,
    PHONE_VIEWPORT,
    click_map_center,
    open_page,
    show_planner,
    wait_for_citizen_results,
)

pytestmark = pytest.mark.slow


def _has_route(app: Flask, rule: str, method: str = "GET") -> bool:
    return any(r.rule == rule and method in (r.methods or ()) for r in app.url_map.iter_rules())


def test_click_on_a_commune_draws_bands_and_ranks_offers(
    app: Flask, browser: Any, base_url: str, artifacts: Path
) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    assert page.locator(".leaflet-interactive").count() >= 309  # the communes base layer

    click_map_center(page)
    wait_for_citizen_results(page)

    assert page.locator(".isochrone-band").count() == 3  # 10, 20 and 30 min by car
    assert "Départ : point choisi à" in page.locator("#origin-label").inner_text()
    items = page.locator("#reachable-list li button")
    assert items.count() > 0
    if _has_route(app, "/api/v1/reachable"):
        times = [float(t) for t in items.evaluate_all("bs => bs.map(b => b.dataset.travelTimeS)")]
        assert times == sorted(times)
        assert all(0 <= t <= 30 * 60 for t in times)
        assert (
            "de la plus proche à la plus lointaine"
            in page.locator("#reachable-summary").inner_text()
        )
    else:
        assert "temps de trajet non disponibles" in page.locator("#reachable-summary").inner_text()

    first_name = items.first.locator(".result-name").inner_text()
    items.first.click()
    details = page.locator("#offer-details")
    details.wait_for(state="visible")
    assert details.locator("h3").inner_text() == first_name
    assert "Catégorie" in details.inner_text()
    page.screenshot(path=str(artifacts / "e2e-citizen.png"))
    assert log.errors == []
    page.close()


def test_commune_search_by_keyboard(browser: Any, base_url: str) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    page.focus("#commune-search")
    page.keyboard.type("Clamecy")
    page.keyboard.press("Enter")
    wait_for_citizen_results(page)
    assert page.locator("#commune-search").input_value() == "Clamecy (58079)"
    assert page.locator("#origin-label").inner_text() == "Départ : Clamecy (58079)"
    assert page.locator(".isochrone-band").count() == 3
    # Tabs follow the WAI-ARIA pattern: arrow keys move between views.
    page.focus("#tab-citizen")
    page.keyboard.press("ArrowRight")
    assert page.locator("#tab-planner").get_attribute("aria-selected") == "true"
    assert page.locator("#view-planner").is_visible()
    assert log.errors == []
    page.close()


def test_transit_from_nevers_uses_the_timetable(app: Flask, browser: Any, base_url: str) -> None:
    if not _has_route(app, "/api/v1/transit/isochrones"):
        pytest.fail("GET /api/v1/transit/isochrones is on main: the transit mode must be offered")
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    assert page.locator("#mode-transit").is_enabled()
    page.check("#mode-transit")
    assert page.locator("#departure").is_visible()
    page.fill("#departure", "2026-11-28T14:00")  # a Saturday, outside the feed's dates
    page.fill("#commune-search", "Nevers")
    page.press("#commune-search", "Enter")
    wait_for_citizen_results(page)
    assert page.locator(".isochrone-band").count() == 3
    notice = page.locator("#isochrone-notice").inner_text()
    assert "1er février 2025" in notice  # the same weekday inside the timetable's validity
    assert page.locator("#reachable-list li").count() > 0
    assert log.errors == []
    page.close()


def test_unknown_commune_is_reported_in_french(browser: Any, base_url: str) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    page.fill("#commune-search", "Atlantis")
    page.click("#citizen-form button[type=submit]")
    error = page.locator("#error")
    error.wait_for(state="visible")
    assert "Commune introuvable" in error.inner_text()
    assert "« Atlantis » n'est pas une commune de la Nièvre" in error.inner_text()
    assert page.locator(".isochrone-band").count() == 0
    assert log.errors == []
    page.close()


def test_planner_view_draws_the_choropleth(
    app: Flask, browser: Any, base_url: str, artifacts: Path
) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    show_planner(page)
    has_map = _has_route(app, "/api/v1/accessibility") or any(
        r.rule.startswith("/api/v1/maps/accessibility") for r in app.url_map.iter_rules()
    )
    if has_map:
        page.wait_for_selector(".choropleth-zone")
        assert page.locator(".choropleth-zone").count() == 309
        assert page.locator(".map-legend").is_visible()
        page.wait_for_selector("#underserved-body tr")
        summary = page.locator("#underserved-summary").inner_text()
        assert "habitants à plus de 20 min" in summary
        # The map's metadata reach the page: it says the times rest on main roads only.
        note = page.locator("#choropleth-note").inner_text()
        assert "Réseau routier principal uniquement" in note
    else:
        assert "/api/v1/accessibility" in page.locator("#error").inner_text()
        assert page.locator(".choropleth-zone").count() == 0
    page.screenshot(path=str(artifacts / "e2e-planner.png"))
    assert log.errors == []
    page.close()


def test_phone_sized_screen(browser: Any, base_url: str, artifacts: Path) -> None:
    page, log = open_page(browser, base_url, PHONE_VIEWPORT)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    map_box = page.locator("#map").bounding_box()
    panel_box = page.locator("#panel").bounding_box()
    assert map_box["width"] == pytest.approx(PHONE_VIEWPORT["width"], abs=1)
    assert panel_box["y"] >= map_box["y"] + map_box["height"] - 1  # panel below the map
    page.screenshot(path=str(artifacts / "e2e-phone.png"), full_page=True)
    assert log.errors == []
    page.close()


def test_scenario_adds_a_venue_and_shows_the_gain(app: Flask, browser: Any, base_url: str) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    show_planner(page)
    page.click("#scenario-toggle")
    assert page.locator("#scenario-toggle").get_attribute("aria-pressed") == "true"
    click_map_center(page)  # a new cinema in the middle of the département
    page.fill("#scenario-commune", "Luzy")  # and one by keyboard
    page.press("#scenario-commune", "Enter")
    assert page.locator("#scenario-venues li").count() == 2
    page.click("#scenario-run")
    if not _has_route(app, "/api/v1/scenarios", "POST"):
        page.wait_for_selector("#error:not([hidden])")
        assert "/api/v1/scenarios" in page.locator("#error").inner_text()
        assert log.errors == []
        return
    page.wait_for_selector("#scenario-result dd.gain")
    gain = int(
        page.locator("#scenario-result dd.gain").inner_text().replace("\u202f", "").replace(" ", "")
    )
    assert gain >= 0
    assert (
        "Habitants nouvellement à moins de 20 min" in page.locator("#scenario-result").inner_text()
    )
    assert log.errors == []
    page.close()


def test_propose_form_shows_the_api_errors_next_to_the_fields(
    app: Flask, browser: Any, base_url: str
) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    page.click("#tab-propose")
    page.fill("#propose-begin", "2026-12-01T10:00")
    page.fill("#propose-end", "2026-11-01T10:00")  # before the beginning
    page.fill("#propose-url", "ftp://example.org")  # not http(s)
    page.click("#propose-form button[type=submit]")
    if not _has_route(app, "/api/v1/offers", "POST"):
        page.wait_for_selector("#error:not([hidden])")
        assert "n'accepte pas encore de propositions" in page.locator("#error").inner_text()
        assert log.errors == []
        return
    page.wait_for_selector("#field-title-error")
    assert page.locator("#propose-title").get_attribute("aria-invalid") == "true"
    assert page.locator("#propose-title").get_attribute("aria-describedby") == "field-title-error"
    assert page.locator("#field-end-error").inner_text() == "La fin ne peut pas précéder le début."
    assert page.locator("#field-url-error").is_visible()
    assert page.evaluate("document.activeElement.id") == "propose-title"
    # The refused post is the only failed request (the browser logs it as an error).
    assert log.errors
    assert all("400" in e for e in log.errors)

    page.fill("#propose-title", "Atelier de gravure")
    page.fill("#propose-end", "2026-12-01T12:00")
    page.fill("#propose-url", "https://example.org/atelier")
    page.fill("#propose-commune", "Luzy")
    page.click("#propose-form button[type=submit]")
    page.wait_for_selector("#propose-result:has-text('Merci')")
    assert "relecture par un modérateur" in page.locator("#propose-result").inner_text()
    assert page.locator(".field-error:visible").count() == 0
    assert page.locator("#propose-title").input_value() == ""  # the form is reset
    page.close()
