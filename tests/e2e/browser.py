"""Drive the web page in headless Chromium (Debian's ``chromium``) with Playwright.

Shared by the end-to-end tests (``tests/e2e``) and ``make screenshot``. Playwright's own
browser download (``playwright install``) is never used: the system Chromium is launched by
its executable path.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from geoservice.runtime import Runtime
from geoservice.store.db import Store
from geoservice.web import create_app

#: Flags for a sandbox-less container without GPU, and no calls home.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
PHONE_VIEWPORT = {"width": 390, "height": 760}
SCREENSHOT_VIEWPORT = {"width": 1280, "height": 1100}
#: Milliseconds allowed for any one wait on the page.
TIMEOUT_MS = 15_000
#: axe-core (npm), injected into the page by the accessibility tests.
AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def find_chromium() -> str | None:
    """Path of the system Chromium (``GEOSERVICE_CHROMIUM`` overrides), or None."""
    explicit = os.environ.get("GEOSERVICE_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@contextmanager
def serve_app(app: Flask) -> Iterator[str]:
    """Serve `app` on a free localhost port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class PageLog:
    """What the page reported: console errors and uncaught exceptions."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status} {r.url}"),
        )


@contextmanager
def launch_chromium(executable: str) -> Iterator[Any]:
    """A headless Chromium browser (Playwright ``Browser``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser: Any, base_url: str, viewport: dict[str, int]) -> tuple[Any, PageLog]:
    """Open the front page and wait until the communes are drawn."""
    page = browser.new_page(viewport=viewport, locale="fr-FR")
    page.set_default_timeout(TIMEOUT_MS)
    log = PageLog()
    log.attach(page)
    page.goto(base_url + "/")
    page.wait_for_selector("body[data-ready='true']")
    return page, log


#: Cheap password hashing for the throw-away accounts of the browser tests.
CHEAP_ARGON2 = {"accounts.argon2": {"time_cost": 1, "memory_kib": 1024, "parallelism": 1}}


def account_app(runtime: Runtime, store: Store) -> Flask:
    """An app on `store` (a fresh database of one test module) with cheap password hashing."""
    settings = runtime.settings.with_overrides(CHEAP_ARGON2)
    return create_app(settings=settings, runtime=runtime, store=store)


def sign_up(page: Any, name: str, email: str) -> None:
    """Create an account through the page's "Créer un compte" form; it is then signed in."""
    page.click("#open-sign-up")
    page.wait_for_selector("#sign-up-form:not([hidden])")
    page.fill("#sign-up-name", name)
    page.fill("#sign-up-email", email)
    page.fill("#sign-up-password", "une phrase assez longue")
    page.click("#sign-up-form button[type=submit]")
    page.wait_for_selector("#account-name:not([hidden])")


def post_event(page: Any, title: str) -> None:
    """Post an event at Luzy on 12 December 2026, 15:00–17:00, from the "Proposer" tab
    (signed in), and wait for the thank-you."""
    page.click("#tab-propose")
    page.select_option("#propose-kind", "event")
    page.fill("#propose-title", title)
    page.fill("#propose-commune", "Luzy")
    page.fill("#propose-begin", "2026-12-12T15:00")
    page.fill("#propose-end", "2026-12-12T17:00")
    page.click("#propose-form button[type=submit]")
    page.wait_for_selector("#propose-result:has-text('Merci')")


def serious_axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as shown: "rule: targets"."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))"
    )
    return list(result)


def click_map_center(page: Any) -> None:
    """Click the middle of the map (inside the Nièvre once the communes are fitted)."""
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def wait_for_citizen_results(page: Any) -> None:
    """Wait for the isochrone bands and the first ranked offer."""
    page.wait_for_selector(".isochrone-band")
    page.wait_for_selector("#reachable-list li")


def show_planner(page: Any) -> None:
    """Switch to the planner view and wait for the choropleth or for its error message."""
    page.click("#tab-planner")
    page.wait_for_selector(".choropleth-zone, #error:not([hidden])")


def take_screenshot(base_url: str, executable: str, out: Path, commune: str = "Nevers") -> Path:
    """Citizen view: 30 min by car from `commune`, the nearest offer opened; a PNG at `out`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with launch_chromium(executable) as browser:
        page, log = open_page(browser, base_url, SCREENSHOT_VIEWPORT)
        page.fill("#commune-search", commune)
        page.press("#commune-search", "Enter")
        wait_for_citizen_results(page)
        # Open the offer ranked nearest to 15 min (its path is long enough to be seen).
        page.locator("#reachable-list li button").evaluate_all(
            """buttons => {
                const t = (b) => Math.abs(Number(b.dataset.travelTimeS ?? 0) - 900);
                buttons.reduce((a, b) => (t(b) < t(a) ? b : a)).click();
            }"""
        )
        page.wait_for_selector("#offer-details:not([hidden])")
        page.locator("#panel").evaluate(
            """panel => panel.scrollTo(0, document.getElementById("origin-label").offsetTop
                - panel.offsetTop - 8)"""
        )
        page.mouse.move(0, 0)  # no tooltip in the picture
        page.evaluate("document.activeElement.blur()")  # nor a focus ring
        page.wait_for_timeout(1000)  # let Leaflet's pan and zoom animations end
        page.screenshot(path=str(out))
        if log.errors:
            msg = f"the page reported errors: {log.errors}"
            raise RuntimeError(msg)
    return out
