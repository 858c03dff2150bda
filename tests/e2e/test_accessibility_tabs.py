"""Usable by everyone, on the tabs with content (issue #17, item 7): axe-core finds no
serious or critical violation on « Projets » (a project, its needs and matches), « Impact »
(a snapshot's chart, table and map) and the planner with a what-if result shown (the map of
the communes that gain, their table, the shared-ride figures), on a desktop and at 360 px
wide, where nothing scrolls sideways."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from geoservice.analytics.impact import LOCAL_TIMEZONE
from geoservice.cli.impact import take_snapshot
from geoservice.runtime import Runtime
from geoservice.store.db import open_store
from geoservice.web import create_app
from tests.e2e.browser import (
    AXE,
    DESKTOP_VIEWPORT,
    TIMEOUT_MS,
    serious_axe_violations,
    show_planner,
)
from tests.e2e.test_accessibility_page import NARROW_VIEWPORT
from tests.web.collab_helpers import CLAMECY, NEVERS, make_users, post_offer

pytestmark = pytest.mark.slow

PROJECT = "Fête au bord de l'Yonne"


@pytest.fixture(scope="module")
def app(runtime: Runtime, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('a11y') / 'offers.sqlite'}")
    app = create_app(runtime=runtime, store=store)
    api = app.test_client()
    auth = make_users(store, {"mjc": "organisation", "driver": "contributor"})
    post_offer(api, auth["mjc"], "skill", "Ingénieur du son", NEVERS)
    post_offer(api, auth["mjc"], "resource", "Scène mobile", CLAMECY)
    project = {
        "title": PROJECT,
        "commune_code": CLAMECY,
        "needs": [{"kind": "skill", "text": "ingénieur du son"}],
    }
    assert api.post("/api/v1/projects", json=project, headers=auth["mjc"]).status_code == 201
    ride = {
        "event": "cnc:289783",  # the Nevers cinema
        "commune_code": "58021",  # Azy-le-Vif
        "seats": 2,
        "departure": (datetime.now(UTC) + timedelta(days=10)).isoformat(),
        "max_detour_minutes": 20,
        "contact": "06 12 34 56 78",
    }
    assert api.post("/api/v1/rides", json=ride, headers=auth["driver"]).status_code == 201
    take_snapshot(runtime, store, datetime.now(LOCAL_TIMEZONE).date())
    yield app
    store.dispose()


def _open(browser: Any, base_url: str, viewport: dict[str, int]) -> tuple[Any, Any]:
    # The page's CSP forbids inline scripts: this context lets the test inject axe-core.
    context = browser.new_context(viewport=viewport, locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(base_url + "/")
    page.wait_for_selector("body[data-ready='true']")
    return context, page


def _visit_tabs(page: Any) -> dict[str, list[str]]:
    """Show each tab with content; axe's serious and critical violations per state."""
    found = {}
    page.click("#tab-projects")
    page.locator("#projects-list button", has_text=PROJECT).click()
    page.wait_for_selector("#project-details:not([hidden])")
    page.click("#project-show-matches")
    page.wait_for_selector("#project-matches ol li")
    found["projects"] = serious_axe_violations(page)
    page.click("#tab-impact")
    page.wait_for_selector("#impact-chart svg .series-point")
    page.wait_for_selector("path.impact-zone")
    found["impact"] = serious_axe_violations(page)
    show_planner(page)
    page.fill("#scenario-commune", "Lormes")
    page.click("#scenario-add-commune")
    page.click("#scenario-run")
    page.wait_for_selector("#scenario-gains-table")
    page.wait_for_selector("#scenario-rides .rides-population")
    found["scenario"] = serious_axe_violations(page)
    page.check("#planner-map-access")
    page.wait_for_selector("path.choropleth-zone")
    found["scenario, access map"] = serious_axe_violations(page)
    return found


def _sideways(page: Any) -> int:
    return int(page.evaluate("() => document.documentElement.scrollWidth"))


def test_axe_finds_nothing_serious_on_projects_impact_and_a_scenario(
    browser: Any, base_url: str
) -> None:
    if not AXE.is_file():
        pytest.fail("node_modules/axe-core is missing: run make install (npm ci)")
    context, page = _open(browser, base_url, DESKTOP_VIEWPORT)
    found = _visit_tabs(page)
    assert found == {"projects": [], "impact": [], "scenario": [], "scenario, access map": []}
    context.close()


def test_the_tabs_and_a_scenario_work_at_360_px(
    browser: Any, base_url: str, artifacts: Path
) -> None:
    if not AXE.is_file():
        pytest.fail("node_modules/axe-core is missing: run make install (npm ci)")
    context, page = _open(browser, base_url, NARROW_VIEWPORT)
    for tab in ("#tab-projects", "#tab-impact"):
        box = page.locator(tab).bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 360
    found = _visit_tabs(page)
    assert found == {"projects": [], "impact": [], "scenario": [], "scenario, access map": []}
    page.check("#planner-map-gains")
    assert _sideways(page) <= 360, f"the page scrolls sideways: {_sideways(page)} px"
    wrap = page.locator("#scenario-gains-table").evaluate(
        "t => [t.scrollWidth, t.parentElement.clientWidth,"
        " t.parentElement.getBoundingClientRect().right]"
    )
    assert wrap[0] <= wrap[1], f"the table of gains is cut: {wrap}"
    assert wrap[2] <= 360, f"the table of gains goes past the screen: {wrap}"
    legend = page.locator("#scenario-legend").bounding_box()
    assert legend is not None
    assert legend["x"] >= 0
    assert legend["x"] + legend["width"] <= 360
    page.locator("#scenario-result").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "scenario-360px.png"))
    page.click("#tab-projects")
    assert _sideways(page) <= 360
    page.click("#tab-impact")
    assert _sideways(page) <= 360
    context.close()
