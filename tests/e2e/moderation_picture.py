"""The README picture of the moderation queue (``make screenshot``, issue #17): an offer
edited since its approval, with what changed and its history.

Everything goes through the real API and page on a throw-away database (never the
service's own): an example contributor posts a clearly labelled example event (the texts of
the browser tests, marked "exemple"), a moderator approves it, the contributor edits it, and
a moderator who signed up on the page opens "Mon espace".
"""

from __future__ import annotations

import json
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import update

from geoservice.store.auth import add_user
from geoservice.store.db import Store, open_store
from geoservice.store.models import User
from geoservice.web import create_app
from geoservice.web.context import EXTENSION_KEY
from tests.e2e.browser import SCREENSHOT_VIEWPORT, launch_chromium, open_page, serve_app, sign_up

EXAMPLE_OFFER = {
    "kind": "event",
    "title": "Exemple : lecture de contes au lavoir",
    "description": "Offre d'exemple des tests (pas un vrai événement).",
    "themes": ["books"],
    "commune_code": "58149",  # Luzy
    "timings": [{"begin": "2026-12-12T15:00:00", "end": "2026-12-12T17:00:00"}],
    "free": True,
}
EXAMPLE_EDIT = {
    "title": "Exemple : lecture de contes et de comptines au lavoir",
    "timings": [{"begin": "2026-12-12T16:00:00", "end": "2026-12-12T18:00:00"}],
    "organiser": "Association d'exemple",
}
MODERATOR = "Modération (exemple)"


def _call(base_url: str, method: str, path: str, token: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        base_url + path,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def _edited_offer(base_url: str, store: Store) -> str:
    """Post → approve → edit through the API; the offer's id."""
    with store.write() as session:
        author = add_user(session, "Association d'exemple", "contributor")[1]
        moderator = add_user(session, "Modération des exemples", "moderator")[1]
    offer_id: str = _call(base_url, "POST", "/api/v1/offers", author, EXAMPLE_OFFER)["id"]
    decision = {"decision": "approve"}
    _call(base_url, "POST", f"/api/v1/offers/{offer_id}/moderation", moderator, decision)
    _call(base_url, "PATCH", f"/api/v1/offers/{offer_id}", author, EXAMPLE_EDIT)
    return offer_id


def take_moderation_picture(app: Flask, executable: str, out: Path) -> Path:
    """The moderation queue with an edited-since-approval diff, as a PNG at `out`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    runtime = app.extensions[EXTENSION_KEY]
    with tempfile.TemporaryDirectory() as scratch:
        store = open_store(f"sqlite:///{Path(scratch) / 'offers.sqlite'}")
        try:
            example_app = create_app(runtime=runtime, store=store)
            with serve_app(example_app) as base_url, launch_chromium(executable) as browser:
                offer_id = _edited_offer(base_url, store)
                page, log = open_page(browser, base_url, SCREENSHOT_VIEWPORT)
                sign_up(page, MODERATOR, "moderation@example.org")
                with store.write() as session:
                    session.execute(
                        update(User).where(User.name == MODERATOR).values(role="moderator")
                    )
                page.reload()
                page.wait_for_selector("#account-name:not([hidden])")
                page.click("#tab-workspace")
                item = page.locator(f"#moderation-queue [data-offer-id='{offer_id}']")
                item.locator("table.changes").wait_for()
                item.locator("summary", has_text="Historique").click()
                item.evaluate(
                    "i => i.closest('#panel').scrollTo(0, "
                    "document.getElementById('moderation-section').offsetTop "
                    "- i.closest('#panel').offsetTop - 8)"
                )
                page.mouse.move(0, 0)
                page.evaluate("document.activeElement.blur()")
                page.wait_for_timeout(500)
                page.screenshot(path=str(out))
                if log.errors:
                    raise RuntimeError(f"the page reported errors: {log.errors}")
        finally:
            store.dispose()
    return out
