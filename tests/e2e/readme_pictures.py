"""More README pictures for ``make screenshot`` (issue #17): a transit itinerary from a
village, and the planner's map of the communes a what-if scenario makes gain."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.browser import (
    SCREENSHOT_VIEWPORT,
    launch_chromium,
    open_page,
    show_planner,
)


def _settle(page: object) -> None:
    page.mouse.move(0, 0)  # type: ignore[attr-defined]
    page.evaluate("document.activeElement.blur()")  # type: ignore[attr-defined]
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]


def take_transit_picture(base_url: str, executable: str, out: Path) -> Path:
    """From Mesves-sur-Loire (a village with a TER halt) by train to the musée Ernest Guedon,
    Saturday 12 December 2026 at 9 h: the itinerary and the way home."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with launch_chromium(executable) as browser:
        page, log = open_page(browser, base_url, SCREENSHOT_VIEWPORT)
        page.check("#mode-transit")
        page.fill("#departure", "2026-12-12T09:00")
        page.select_option("#minutes", "90")
        page.fill("#commune-search", "Mesves-sur-Loire")
        page.press("#commune-search", "Enter")
        page.wait_for_selector("#reachable-list li")
        page.locator("#reachable-list .result", has_text="musée Ernest Guedon").click()
        page.wait_for_selector("#offer-details .journey")
        page.locator("#offer-details").evaluate(
            "d => d.closest('#panel').scrollTo(0, d.offsetTop - d.closest('#panel').offsetTop - 8)"
        )
        _settle(page)
        page.screenshot(path=str(out))
        if log.errors:
            raise RuntimeError(f"the page reported errors: {log.errors}")
    return out


def take_planner_picture(base_url: str, executable: str, out: Path) -> Path:
    """The planner's what-if tool: a cinema added at Crux-la-Ville (the service's first
    suggested site for cinemas by car), the map and the table of the communes that gain."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with launch_chromium(executable) as browser:
        page, log = open_page(browser, base_url, SCREENSHOT_VIEWPORT)
        show_planner(page)
        page.fill("#scenario-commune", "Crux-la-Ville")
        page.click("#scenario-add-commune")
        page.click("#scenario-run")
        page.wait_for_selector("#scenario-gains-table")
        page.locator("#planner-map-choice").evaluate(
            "d => d.closest('#panel').scrollTo(0, d.offsetTop - d.closest('#panel').offsetTop - 8)"
        )
        _settle(page)
        page.screenshot(path=str(out))
        if log.errors:
            raise RuntimeError(f"the page reported errors: {log.errors}")
    return out
