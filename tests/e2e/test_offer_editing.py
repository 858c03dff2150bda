"""Editing an offer from "Mes offres" and the moderators' view of the edit (issue #17):
sign-up → post → a moderator approves → the owner edits from "Mes offres" → the moderator's
queue shows what changed since the approved version → rejects with a reason, the owner sees
it and edits again → approves → the new text is public. axe-core finds no serious or
critical violation on "Mon espace" (the list, the edit form, the queue with a diff)."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from geoservice.runtime import Runtime
from geoservice.store.db import Store, open_store
from geoservice.store.models import User
from tests.e2e.browser import (
    AXE,
    DESKTOP_VIEWPORT,
    TIMEOUT_MS,
    PageLog,
    account_app,
    post_event,
    serious_axe_violations,
    sign_up,
    wait_for_citizen_results,
)

pytestmark = pytest.mark.slow

TITLE = "Lecture de contes au lavoir (exemple de test)"
EDITED = "Lecture de contes et de comptines au lavoir (exemple de test)"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path_factory.mktemp('editing') / 'offers.sqlite'}")
    yield opened
    opened.dispose()


@pytest.fixture(scope="module")
def app(runtime: Runtime, store: Store) -> Flask:
    """An app on a fresh database, with cheap password hashing."""
    return account_app(runtime, store)


def open_person(browser: Any, base_url: str) -> tuple[Any, Any, PageLog]:
    """A page in its own context (own session cookie); axe-core may be injected (CSP)."""
    context = browser.new_context(viewport=DESKTOP_VIEWPORT, locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    log = PageLog()
    log.attach(page)
    page.goto(base_url + "/")
    page.wait_for_selector("body[data-ready='true']")
    return context, page, log


def queue_item(page: Any, title: str) -> Any:
    page.click("#tab-citizen")
    page.click("#tab-workspace")
    item = page.locator("#moderation-queue .queue-item", has_text=title)
    item.wait_for()
    return item


def public_texts(base_url: str) -> str:
    """What an anonymous visitor gets from the search, the exports and the calendar."""
    texts = [
        urllib.request.urlopen(f"{base_url}{path}", timeout=30).read().decode()
        for path in (
            "/api/v1/offers?q=comptines&limit=50",
            "/api/v1/offers/export.geojson",
            "/api/v1/offers/export.csv",
            "/api/v1/events.ics",
        )
    ]
    return "\n".join(texts)


def test_edit_from_my_offers_diff_in_the_queue_then_public(
    browser: Any, base_url: str, store: Store
) -> None:
    if not AXE.is_file():
        pytest.fail("node_modules/axe-core is missing: run make install (npm ci)")
    owner_ctx, owner, owner_log = open_person(browser, base_url)
    sign_up(owner, "Conteurs de Luzy", "conteurs-edit@example.org")
    post_event(owner, TITLE)

    mod_ctx, mod, mod_log = open_person(browser, base_url)
    sign_up(mod, "Modération Nièvre", "moderation-edit@example.org")
    with store.write() as session:
        session.execute(
            update(User).where(User.name == "Modération Nièvre").values(role="moderator")
        )
    mod.reload()
    mod.wait_for_selector("#account-name:not([hidden])")
    item = queue_item(mod, TITLE)
    assert item.locator("table.changes").count() == 0  # never approved: nothing to compare
    item.get_by_role("button", name="Approuver").click()
    mod.wait_for_selector("#moderation-summary:has-text('Aucune offre')")

    # The owner edits from "Mes offres": the form is filled with the offer's fields.
    owner.click("#tab-workspace")
    mine = owner.locator("#my-offers .my-offer", has_text=TITLE)
    mine.wait_for()
    assert "Publiée" in mine.inner_text()
    mine.get_by_role("button", name=f"Modifier « {TITLE} »").click()
    form = mine.locator("form.offer-edit-form")
    form.wait_for()
    assert form.get_by_label("Titre").input_value() == TITLE
    assert form.get_by_label("Commune").input_value() == "Luzy"
    assert form.get_by_label("Début").input_value() == "2026-12-12T15:00"
    assert form.get_by_label("Type").input_value() == "event"
    found = {"Mes offres, formulaire de modification": serious_axe_violations(owner)}
    # An error is said in French, next to its field.
    form.get_by_label("Titre").fill("   ")
    form.get_by_role("button", name="Enregistrer les modifications").click()
    owner.wait_for_selector("#error:not([hidden])")
    assert "Votre modification contient des erreurs" in owner.inner_text("#error")
    assert form.locator(".field-error").first.inner_text() == "Ne peut pas être vide."
    form.get_by_label("Titre").fill(EDITED)
    form.get_by_label("Début").fill("2026-12-12T16:00")
    form.get_by_label("Fin").fill("2026-12-12T18:00")
    form.get_by_role("button", name="Enregistrer les modifications").click()
    owner.wait_for_selector("#status:has-text('En attente de relecture')")
    mine = owner.locator("#my-offers .my-offer", has_text=EDITED)
    mine.wait_for()
    assert "En attente de relecture" in mine.inner_text()
    found["Mes offres"] = serious_axe_violations(owner)
    # Waiting for moderation: the public sees neither version.
    assert "exemple de test" not in public_texts(base_url)

    item = queue_item(mod, EDITED)
    rows = {
        row.get_attribute("data-field"): row.inner_text()
        for row in item.locator("table.changes tbody tr").all()
    }
    assert set(rows) == {"title", "timings"}
    assert TITLE in rows["title"]
    assert EDITED in rows["title"]
    assert "samedi 12 décembre 2026, 15 h – 17 h" in rows["timings"]
    assert "samedi 12 décembre 2026, 16 h – 18 h" in rows["timings"]
    item.locator("summary", has_text="Historique").click()
    assert "(par Conteurs de Luzy)" in item.locator(".history").inner_text()
    found["File de relecture avec modifications"] = serious_axe_violations(mod)
    item.get_by_label("Motif du refus").fill("Précisez l'heure de fin.")
    item.get_by_role("button", name="Refuser").click()
    mod.wait_for_selector("#moderation-summary:has-text('Aucune offre')")

    owner.click("#tab-citizen")
    owner.click("#tab-workspace")
    mine = owner.locator("#my-offers .my-offer", has_text=EDITED)
    mine.locator(".reason").wait_for()
    assert mine.locator(".reason").inner_text() == "Motif du refus : Précisez l'heure de fin."
    mine.get_by_role("button", name=f"Modifier « {EDITED} »").click()
    mine.locator("form.offer-edit-form").get_by_label("Fin").fill("2026-12-12T18:30")
    mine.get_by_role("button", name="Enregistrer les modifications").click()
    owner.wait_for_selector("#status:has-text('En attente de relecture')")

    item = queue_item(mod, EDITED)
    assert item.locator("table.changes tbody tr").count() == 2
    item.get_by_role("button", name="Approuver").click()
    mod.wait_for_selector("#moderation-summary:has-text('Aucune offre')")
    public = public_texts(base_url)
    assert EDITED in public
    assert TITLE not in public

    owner.click("#tab-citizen")
    owner.fill("#visit-date", "2026-12-12")
    owner.fill("#commune-search", "Luzy")
    owner.press("#commune-search", "Enter")
    wait_for_citizen_results(owner)
    assert owner.locator("#reachable-list .result", has_text=EDITED).count() == 1
    assert owner.locator("#reachable-list .result", has_text=TITLE).count() == 0
    assert found == {
        "Mes offres, formulaire de modification": [],
        "Mes offres": [],
        "File de relecture avec modifications": [],
    }
    # The refused title is an expected 400 answer, not a page error.
    expected = ("HTTP 400", "status of 400")
    assert [e for e in owner_log.errors if not any(x in e for x in expected)] == []
    assert mod_log.errors == []
    owner_ctx.close()
    mod_ctx.close()
