"""The planner exports exactly what it shows (issue #17): the underserved table as CSV and
the choropleth as GeoJSON; and the table fits its column."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import DESKTOP_VIEWPORT, open_page, show_planner

pytestmark = pytest.mark.slow


def test_planner_exports_what_is_shown(browser: Any, base_url: str, tmp_path: Path) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    show_planner(page)
    page.wait_for_selector("#underserved-body tr")
    wrap = page.locator("#underserved-table").evaluate(
        "t => [t.scrollWidth, t.parentElement.clientWidth]"
    )
    assert wrap[0] <= wrap[1], f"the table is cut: {wrap}"

    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Exporter le tableau (CSV)").click()
    csv_path = tmp_path / "table.csv"
    csv_download.value.save_as(csv_path)
    lines = csv_path.read_bytes().decode("utf-8-sig").strip().split("\r\n")
    shown = page.locator("#underserved-body tr").count()
    assert len(lines) == shown + 1
    assert lines[0] == "Commune;Habitants;Temps;Offre la plus proche"
    first = page.locator("#underserved-body tr").first.locator("th, td").all_inner_texts()
    assert lines[1].split(";")[0] == first[0].strip()

    with page.expect_download() as geo_download:
        page.get_by_role("button", name="Exporter la carte (GeoJSON)").click()
    geo_path = tmp_path / "map.geojson"
    geo_download.value.save_as(geo_path)
    collection = json.loads(geo_path.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == page.locator("path.choropleth-zone").count()
    assert collection["title"].endswith("cinémas")
    assert log.errors == []
    page.close()
