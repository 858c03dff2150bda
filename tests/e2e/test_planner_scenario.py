"""The planner's what-if tool in headless Chromium (issue #17, item 6): a cinema added at
Lormes, the map and the table of the communes that gain match the API's answer, the export
gives what is shown, the names focus the map from the keyboard; the shared-ride figures of an
offered ride from Azy-le-Vif to the Nevers cinema, with their limits; and a scenario where no
commune gains says so."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from geoservice.runtime import Runtime
from geoservice.store.db import open_store
from geoservice.web import create_app
from tests.e2e.browser import DESKTOP_VIEWPORT, open_page, show_planner
from tests.e2e.test_french_texts import PAGE_TEXTS, _slips
from tests.web.collab_helpers import make_users

pytestmark = pytest.mark.slow

NEVERS_CINEMA = "cnc:289783"  # CINE MAZARIN, Nevers (CNC open data)
AZY_LE_VIF = "58021"  # beyond 20 min by car from any cinema, before and after the scenario


@pytest.fixture(scope="module")
def app(runtime: Runtime, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('scenario') / 'offers.sqlite'}")
    app = create_app(runtime=runtime, store=store)
    auth = make_users(store, {"driver": "contributor"})
    ride = {
        "event": NEVERS_CINEMA,
        "commune_code": AZY_LE_VIF,
        "seats": 3,
        "departure": (datetime.now(UTC) + timedelta(days=10)).isoformat(),
        "max_detour_minutes": 20,
        "contact": "06 12 34 56 78",
    }
    response = app.test_client().post("/api/v1/rides", json=ride, headers=auth["driver"])
    assert response.status_code == 201, response.get_json()
    yield app
    store.dispose()


def _fr(n: int) -> str:
    """An integer as the page writes it (fr-FR groups), with plain spaces."""
    return f"{n:,}".replace(",", " ")


def _plain(text: str) -> str:
    return re.sub(r"[\u202f\u00a0\s]+", " ", text).strip()


def _gains(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The communes whose nearest offer gets nearer or becomes reachable, per the API."""
    return [
        c
        for c in answer["communes"]
        if c["time_s_after"] is not None
        and (c["time_s_before"] is None or c["time_s_after"] < c["time_s_before"])
    ]


def _run_scenario(page: Any, commune: str, category: str) -> dict[str, Any]:
    """Add a venue of `category` at `commune`, compute; the API's answer."""
    page.select_option("#scenario-category", category)
    page.fill("#scenario-commune", commune)
    page.click("#scenario-add-commune")
    with page.expect_response("**/api/v1/scenarios") as response:
        page.click("#scenario-run")
    page.wait_for_selector("#scenario-gains-summary, #scenario-no-gain")
    answer: dict[str, Any] = response.value.json()
    return answer


def test_what_if_map_shows_the_communes_the_api_says_gain(
    browser: Any, base_url: str, tmp_path: Path, artifacts: Path
) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    show_planner(page)
    answer = _run_scenario(page, "Lormes", "cinema")
    gains = _gains(answer)
    assert answer["thresholds"][0]["population_newly_within"] > 0
    assert "58145" in {c["code"] for c in gains}  # Lormes itself

    # The map: one drawn commune per gaining commune, the choropleth put aside.
    assert page.locator("path.scenario-gain").count() == len(gains)
    assert page.locator("path.choropleth-zone").count() == 0
    assert page.locator("#planner-map-gains").is_checked()
    legend = _plain(page.locator("#scenario-legend").inner_text())
    assert legend.startswith("Gain du scénario : Cinémas, en voiture")
    counts = [int(n) for n in re.findall(r"\((\d+)\)", legend)]
    crossing = [
        c
        for c in gains
        if c["time_s_after"] <= 1200 and (c["time_s_before"] is None or c["time_s_before"] > 1200)
    ]
    assert sum(counts[:-1]) == len(gains)
    assert legend.endswith(f"passe à 20 min ou moins ({len(crossing)})")
    # The outlined communes are the inhabitants newly within 20 min of the API's figure.
    newly = answer["thresholds"][0]["population_newly_within"]
    assert sum(c["population"] for c in crossing) == newly

    # Its text alternative: the same communes, with the people concerned.
    rows = page.locator("#scenario-gains-table tbody tr")
    codes = rows.evaluate_all("rows => rows.map(r => r.dataset.code)")
    assert sorted(codes) == sorted(c["code"] for c in gains)
    people = sum(c["population"] for c in gains)
    summary = _plain(page.locator("#scenario-gains-summary").inner_text())
    assert summary == (
        f"{len(gains)} communes gagnent du temps d'accès : {_fr(people)} habitants concernés."
    )
    lormes = _plain(page.locator("#scenario-gains-table tr[data-code='58145']").inner_text())
    assert lormes.startswith("Lormes 1 251")

    # Keyboard: a commune's name focuses it on the map and says its figures.
    first = rows.first.locator("button")
    name = first.inner_text()
    first.focus()
    page.keyboard.press("Enter")
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text().startswith(f"{name} : ")
    assert page.locator("#status").inner_text().startswith(f"{name} : ")

    # The export gives exactly what is shown.
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Exporter les gains (CSV)").click()
    csv_path = tmp_path / "gains.csv"
    csv_download.value.save_as(csv_path)
    lines = csv_path.read_bytes().decode("utf-8-sig").strip().split("\r\n")
    assert lines[0] == "Commune;Habitants;Avant (min);Après (min);Gain (min)"
    assert len(lines) == len(gains) + 1
    assert lines[1].split(";")[0] == name
    with page.expect_download() as geo_download:
        page.get_by_role("button", name="Exporter la carte des gains (GeoJSON)").click()
    geo_path = tmp_path / "gains.geojson"
    geo_download.value.save_as(geo_path)
    collection = json.loads(geo_path.read_text(encoding="utf-8"))
    assert [f["properties"]["code"] for f in collection["features"]] == codes
    assert all(f["geometry"]["type"] in {"Polygon", "MultiPolygon"} for f in collection["features"])
    outlined = [f["properties"] for f in collection["features"]]
    assert sum(p["population"] for p in outlined if p["newly_within_threshold"]) == newly

    # The shared-ride figures: the one ride offered from Azy-le-Vif, with the data's limits.
    block = answer["shared_rides"]
    row = block["thresholds"][0]
    assert block["rides"] == 1
    assert row["population_by_shared_ride"] > 0
    assert AZY_LE_VIF in row["commune_codes"]
    rides = page.locator("#scenario-rides")
    offered = _plain(rides.locator(".rides-offered").inner_text())
    assert offered == "1 trajet proposé vers une offre « Cinémas », 3 places libres en tout."
    communes = "commune" if row["communes_by_shared_ride"] < 2 else "communes"
    assert _plain(rides.locator(".rides-population").inner_text()) == (
        f"{_fr(row['population_by_shared_ride'])} habitants "
        f"({row['communes_by_shared_ride']} {communes})"
    )
    assert _plain(rides.locator(".rides-seats").inner_text()) == "1 trajet, 3 places libres"
    assert "Azy-le-Vif" in rides.locator(".rides-communes").inner_text()
    limits = rides.locator(".rides-limits").inner_text()
    assert "proposés par des utilisateurs" in limits
    assert "pas un service de transport" in limits

    # No French slip nor English sentence in what the scenario added to the page.
    assert _slips(page.evaluate(PAGE_TEXTS)) == []

    # Back to the access map, and again to the gains.
    page.check("#planner-map-access")
    page.wait_for_selector("path.choropleth-zone")
    assert page.locator("path.scenario-gain").count() == 0
    page.check("#planner-map-gains")
    assert page.locator("path.scenario-gain").count() == len(gains)
    page.screenshot(path=str(artifacts / "planner-scenario.png"))
    assert log.errors == []
    page.close()


def test_a_scenario_where_no_commune_gains_says_so(browser: Any, base_url: str) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    show_planner(page)
    # A museum does not count when the planner measures cinemas.
    answer = _run_scenario(page, "Lormes", "museum")
    assert _gains(answer) == []
    message = page.locator("#scenario-no-gain").inner_text()
    assert message.startswith("Aucune commune ne gagne de temps avec ce scénario.")
    assert "ne compte pas pour l'offre mesurée (Cinémas)" in message
    assert page.locator("path.scenario-gain").count() == 0
    assert "Aucune commune ne gagne de temps." in page.locator("#scenario-legend").inner_text()
    assert page.locator("#scenario-gains-table").count() == 0
    csv_button = page.get_by_role("button", name="Exporter les gains (CSV)")
    assert csv_button.is_disabled()
    assert _slips(page.evaluate(PAGE_TEXTS)) == []
    assert log.errors == []
    page.close()
