"""Usable by everyone (issue #17): axe-core finds no serious or critical violation on any
tab, and at 360 px wide the tabs, the form and the results work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import (
    AXE,
    DESKTOP_VIEWPORT,
    TIMEOUT_MS,
    open_page,
    serious_axe_violations,
    show_planner,
    wait_for_citizen_results,
)

pytestmark = pytest.mark.slow

NARROW_VIEWPORT = {"width": 360, "height": 740}


def test_axe_finds_no_serious_violation_on_any_tab(browser: Any, base_url: str) -> None:
    if not AXE.is_file():
        pytest.fail("node_modules/axe-core is missing: run make install (npm ci)")
    # The page's CSP forbids inline scripts: this context lets the test inject axe-core.
    context = browser.new_context(viewport=DESKTOP_VIEWPORT, locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(base_url + "/")
    page.wait_for_selector("body[data-ready='true']")
    page.fill("#commune-search", "Clamecy")
    page.press("#commune-search", "Enter")
    wait_for_citizen_results(page)
    page.locator("#reachable-list .result").first.click()
    found = {"citizen": serious_axe_violations(page)}
    show_planner(page)
    found["planner"] = serious_axe_violations(page)
    page.click("#tab-propose")
    found["propose"] = serious_axe_violations(page)
    page.click("#open-sign-up")
    page.wait_for_selector("#sign-up-form:not([hidden])")
    found["sign-up"] = serious_axe_violations(page)
    assert found == {"citizen": [], "planner": [], "propose": [], "sign-up": []}
    context.close()


def test_the_page_works_at_360_px(browser: Any, base_url: str, artifacts: Path) -> None:
    page, log = open_page(browser, base_url, NARROW_VIEWPORT)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways: {width} px"
    for tab in ("#tab-citizen", "#tab-planner", "#tab-propose"):
        box = page.locator(tab).bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 360
    page.fill("#commune-search", "Clamecy")
    page.click("#citizen-form button[type=submit]")
    wait_for_citizen_results(page)
    first = page.locator("#reachable-list .result").first
    first.scroll_into_view_if_needed()
    box = first.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 360
    first.click()
    page.locator("#offer-details").wait_for(state="visible")
    page.screenshot(path=str(artifacts / "page-360px.png"), full_page=False)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert log.errors == []
    page.close()
