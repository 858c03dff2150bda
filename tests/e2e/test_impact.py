"""The « Impact » tab in headless Chromium: the series of two daily snapshots and the map of
the latest value per commune, on an app with its own database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from geoservice.analytics.impact import LOCAL_TIMEZONE
from geoservice.cli.impact import take_snapshot
from geoservice.runtime import Runtime
from geoservice.store.db import open_store
from geoservice.web import create_app
from tests.e2e.browser import DESKTOP_VIEWPORT, open_page
from tests.web.collab_helpers import CLAMECY, NEVERS, make_users, post_offer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(runtime: Runtime, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('impact') / 'offers.sqlite'}")
    app = create_app(runtime=runtime, store=store)
    api = app.test_client()
    today = datetime.now(LOCAL_TIMEZONE).date()
    auth = make_users(store, {"mjc": "organisation"})
    # Yesterday's snapshot sees no posted offer: both are published today.
    post_offer(api, auth["mjc"], "venue", "Salle des fêtes", CLAMECY, themes=["music"])
    take_snapshot(runtime, store, today - timedelta(days=1))
    post_offer(api, auth["mjc"], "venue", "Théâtre municipal", NEVERS, themes=["music"])
    take_snapshot(runtime, store, today)
    yield app
    store.dispose()


def test_impact_tab_shows_the_series_and_the_map(
    browser: Any, base_url: str, artifacts: Path
) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    page.click("#tab-impact")
    page.wait_for_selector("#impact-chart svg .series-point")
    assert page.locator("#impact-chart svg .series-point").count() == 2
    assert page.locator("#impact-table-body tr").count() == 2
    rows = page.locator("#impact-table-body tr").all_inner_texts()
    assert rows[0].split("\t")[1].strip() == "0"
    assert rows[1].split("\t")[1].strip() == "2"
    assert "Offres publiées sur la plateforme" in page.locator("#impact-about").inner_text()
    assert "proxys de valeur" in page.locator("#impact-about").inner_text()
    # The map: every commune drawn, the two with a posted offer coloured.
    zones = page.locator("path.impact-zone")
    assert zones.count() == 309
    assert page.locator("path.impact-zone:not(.impact-zero)").count() == 2
    assert "Par commune" in page.locator(".impact-legend").inner_text()
    page.select_option("#impact-indicator", "reach_new.drive.music.30min.population")
    page.locator("#impact-about", has_text="nouvellement").wait_for()
    page.screenshot(path=str(artifacts / "impact.png"))
    assert log.errors == []
