"""The screens for the people who run the platform (issue #17): a person signs up and posts an
event, a moderator approves it in the moderation queue, and the event appears on the page;
"Mes offres" shows its status and history."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from geoservice.runtime import Runtime
from geoservice.store.db import Store, open_store
from geoservice.store.models import User
from tests.e2e.browser import (
    DESKTOP_VIEWPORT,
    account_app,
    open_page,
    post_event,
    sign_up,
    wait_for_citizen_results,
)

pytestmark = pytest.mark.slow

TITLE = "Lecture de contes au lavoir"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path_factory.mktemp('workspace') / 'offers.sqlite'}")
    yield opened
    opened.dispose()


@pytest.fixture(scope="module")
def app(runtime: Runtime, store: Store) -> Flask:
    """An app on a fresh database, with cheap password hashing."""
    return account_app(runtime, store)


def test_sign_up_post_approve_and_the_event_appears(
    browser: Any, base_url: str, store: Store
) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    assert page.locator("#tab-workspace").is_hidden()
    sign_up(page, "Conteurs de Luzy", "conteurs@example.org")
    assert page.locator("#tab-workspace").is_visible()
    post_event(page, TITLE)

    page.click("#tab-workspace")
    mine = page.locator("#my-offers .my-offer", has_text=TITLE)
    mine.wait_for()
    assert "En attente de relecture" in mine.inner_text()
    assert page.locator("#moderation-section").is_hidden()  # not a moderator
    page.click("#sign-out")
    page.wait_for_selector("#open-sign-in:not([hidden])")
    assert page.locator("#tab-workspace").is_hidden()

    sign_up(page, "Modération Nièvre", "moderation@example.org")
    with store.write() as session:
        session.execute(
            update(User).where(User.name == "Modération Nièvre").values(role="moderator")
        )
    page.reload()
    page.wait_for_selector("#account-name:not([hidden])")
    page.click("#tab-workspace")
    item = page.locator("#moderation-queue .queue-item", has_text=TITLE)
    item.wait_for()
    assert "Luzy" in item.inner_text()
    item.get_by_role("button", name="Approuver").click()
    page.wait_for_selector("#moderation-summary:has-text('Aucune offre')")

    page.click("#tab-citizen")
    page.fill("#visit-date", "2026-12-12")
    page.fill("#commune-search", "Luzy")
    page.press("#commune-search", "Enter")
    wait_for_citizen_results(page)
    assert page.locator("#reachable-list .result", has_text=TITLE).count() == 1
    assert log.errors == []
    page.close()
