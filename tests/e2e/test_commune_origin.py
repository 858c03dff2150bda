"""The page starts a search "from a commune" at the commune's origin (its town hall)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from geoservice.runtime import Runtime
from tests.e2e.browser import DESKTOP_VIEWPORT, open_page, wait_for_citizen_results

pytestmark = pytest.mark.slow

LUZY = "58149"


def test_commune_search_starts_at_the_town_hall(
    runtime: Runtime, browser: Any, base_url: str
) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.fill("#commune-search", "Luzy")
    page.press("#commune-search", "Enter")
    wait_for_citizen_results(page)
    assert page.locator("#origin-label").inner_text() == f"Départ : Luzy ({LUZY})"
    luzy = runtime.communes.set_index("code").loc[LUZY]
    assert luzy["origin_source"] == "town_hall"
    searches = [parse_qs(urlparse(u).query) for u in urls if "/api/v1/isochrones" in u]
    assert searches, urls
    for query in searches:
        assert float(query["lon"][0]) == pytest.approx(luzy["origin_lon"], abs=1e-6)
        assert float(query["lat"][0]) == pytest.approx(luzy["origin_lat"], abs=1e-6)
    assert log.errors == []
    page.close()
