"""One offer catalogue: published posted offers are ranked wherever open-data offers are.

Road and transit rankings (``/reachable``), the nearest offer of each kind
(``/reachable/nearest``) and the travel-time filter of ``/offers`` read the same catalogue:
the open-data offers and the published posted offers.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from geoservice.runtime import Runtime
from geoservice.store.auth import add_user
from geoservice.store.db import Store
from geoservice.store.location import Coverage
from geoservice.web import create_app

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
TUESDAY_0800 = "2025-02-04T08:00"
#: The Eden cinema in Cosne-Cours-sur-Loire, reached from Nevers by the direct TER.
EDEN_COSNE = "cnc:121951"


@pytest.fixture
def api(runtime: Runtime, store: Store, coverage: Coverage) -> FlaskClient:
    return create_app(runtime=runtime, store=store).test_client()


@pytest.fixture
def headers(store: Store) -> dict[str, dict[str, str]]:
    """Authorization of an organisation (publishes at once) and a contributor (pending)."""
    with store.write() as session:
        return {
            role: {"Authorization": f"Bearer {add_user(session, name, role)[1]}"}
            for role, name in (("organisation", "mjc"), ("contributor", "alice"))
        }


@pytest.fixture(scope="module")
def eden(runtime: Runtime) -> tuple[float, float]:
    """lon, lat of the Eden cinema of Cosne (open data)."""
    row = runtime.offers[runtime.offers["offer_id"] == EDEN_COSNE].iloc[0]
    return float(row.geometry.x), float(row.geometry.y)


@pytest.fixture(scope="module")
def nevers_station(runtime: Runtime) -> tuple[float, float]:
    """lon, lat of Nevers station."""
    tt = runtime.transit
    assert tt is not None
    i = tt.stops_of_station("ter:StopArea:OCE87696005")[0]
    return float(tt.stop_lon[i]), float(tt.stop_lat[i])


def _post(api: FlaskClient, headers: dict[str, str], lon: float, lat: float, title: str) -> str:
    body: dict[str, Any] = {
        "kind": "event",
        "title": title,
        "themes": ["music"],
        "timings": [{"begin": "2030-06-21T20:30:00+02:00", "end": "2030-06-21T22:00:00+02:00"}],
        "lon": lon,
        "lat": lat,
    }
    response = api.post("/api/v1/offers", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    offer_id: str = response.get_json()["id"]
    return offer_id


@SQLITE_ONLY
def test_a_posted_offer_is_ranked_by_transit(
    api: FlaskClient,
    headers: dict[str, dict[str, str]],
    eden: tuple[float, float],
    nevers_station: tuple[float, float],
) -> None:
    posted = _post(api, headers["organisation"], *eden, "Concert au cinéma de Cosne")
    pending = _post(api, headers["contributor"], *eden, "Pas encore publié")
    lon, lat = nevers_station
    query = {
        "lon": lon,
        "lat": lat,
        "mode": "transit",
        "departure": TUESDAY_0800,
        "max_minutes": 120,
        "limit": 200,
    }
    body = api.get("/api/v1/reachable", query_string=query).get_json()
    by_id = {f["id"]: f["properties"] for f in body["features"]}
    assert pending not in by_id
    assert posted in by_id
    # Same point as the Eden: same door-to-door time and the same direct TER.
    assert by_id[posted]["travel_time_s"] == pytest.approx(by_id[EDEN_COSNE]["travel_time_s"])
    rides = [leg for leg in by_id[posted]["itinerary"] if leg["mode"] not in {"walk", "bike"}]
    assert [(r["from_name"], r["to_name"]) for r in rides] == [("Nevers", "Cosne-sur-Loire")]
    assert by_id[posted]["itinerary"][-1]["to_name"] == "Concert au cinéma de Cosne"
    times = [f["properties"]["travel_time_s"] for f in body["features"]]
    assert times == sorted(times)
    assert body["total"] == len(body["features"])
    # The kind filter selects posted offers in the transit ranking too.
    events = api.get("/api/v1/reachable", query_string={**query, "category": "event"})
    assert [f["id"] for f in events.get_json()["features"]] == [posted]
    # And the dates: the concert is in June 2030.
    later = {**query, "category": "event", "date_from": "2030-07-01"}
    assert api.get("/api/v1/reachable", query_string=later).get_json()["features"] == []


@SQLITE_ONLY
@pytest.mark.parametrize("mode", ["drive", "walk", "transit"])
def test_a_posted_offer_is_the_nearest_of_its_theme(
    api: FlaskClient, headers: dict[str, dict[str, str]], eden: tuple[float, float], mode: str
) -> None:
    lon, lat = eden
    query: dict[str, Any] = {"lon": lon, "lat": lat, "mode": mode}
    if mode == "transit":
        query["departure"] = TUESDAY_0800
    before = api.get("/api/v1/reachable/nearest", query_string=query).get_json()
    music = next(i for i in before["nearest"] if i["value"] == "music")
    posted = _post(api, headers["organisation"], lon, lat + 0.0001, "Concert au cinéma")
    after = api.get("/api/v1/reachable/nearest", query_string=query).get_json()
    items = {(i["kind"], i["value"]): i for i in after["nearest"]}
    assert items[("theme", "music")]["offer_id"] == posted
    assert items[("theme", "music")]["travel_time_s"] < 120
    assert music["offer_id"] != posted
    # Kinds the posted offer is not of are unchanged.
    for item in before["nearest"]:
        if item["value"] != "music":
            assert items[(item["kind"], item["value"])]["offer_id"] == item["offer_id"]
