"""The page's "Créer un compte" and "Se connecter" forms, in headless Chromium, against an app
with its own empty database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from geoservice.runtime import Runtime
from geoservice.store.db import open_store
from tests.e2e.browser import DESKTOP_VIEWPORT, account_app, open_page

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(runtime: Runtime, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app on a fresh database (its rate limits untouched by the other tests)."""
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('accounts') / 'offers.sqlite'}")
    yield account_app(runtime, store)
    store.dispose()


def test_sign_up_then_sign_out_and_sign_in(browser: Any, base_url: str, artifacts: Path) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    assert page.locator("#open-sign-in").inner_text() == "Se connecter"
    page.click("#open-sign-up")
    page.wait_for_selector("#sign-up-form:not([hidden])")
    page.fill("#sign-up-name", "Association des Amis du Morvan")
    page.fill("#sign-up-email", "amis.morvan@example.org")
    page.fill("#sign-up-password", "court")
    page.click("#sign-up-form button[type=submit]")
    error = page.locator("#account-error")
    error.wait_for(state="visible")
    assert error.inner_text() == "Mot de passe : mot de passe trop court : au moins 10 caractères"

    page.fill("#sign-up-password", "une phrase assez longue")
    page.click("#sign-up-form button[type=submit]")
    page.wait_for_selector("#account-name:not([hidden])")
    assert page.locator("#account-name").inner_text() == "Connecté : Association des Amis du Morvan"
    assert not page.locator("#account-dialog").is_visible()
    assert page.locator("#open-sign-in").is_hidden()
    cookie = next(c for c in page.context.cookies() if c["name"] == "geoservice_session")
    assert cookie["httpOnly"]
    assert page.evaluate("document.cookie") == ""  # the page cannot read the session

    page.click("#sign-out")
    page.wait_for_selector("#open-sign-in:not([hidden])")
    assert page.locator("#account-name").is_hidden()

    page.click("#open-sign-in")
    page.fill("#sign-in-email", "amis.morvan@example.org")
    page.fill("#sign-in-password", "pas le bon mot de passe")
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_selector("#account-error:has-text('incorrect')")
    assert error.inner_text() == "adresse électronique ou mot de passe incorrect"
    page.fill("#sign-in-password", "une phrase assez longue")
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_selector("#account-name:not([hidden])")
    page.screenshot(path=str(artifacts / "accounts-signed-in.png"))

    # Signed in, the page still loads the account after a reload (cookie + /accounts/me).
    page.reload()
    page.wait_for_selector("#account-name:not([hidden])")
    # The two refused requests (short password, wrong password) are the only failures.
    http = [
        e.removeprefix("HTTP ").replace(base_url, "") for e in log.errors if e.startswith("HTTP")
    ]
    assert http == ["400 /api/v1/accounts", "401 /api/v1/sessions"]
    others = [e for e in log.errors if not e.startswith("HTTP")]  # the console's copy of each
    assert len(others) == 2
    assert all("status of 40" in e for e in others), others
    page.close()
