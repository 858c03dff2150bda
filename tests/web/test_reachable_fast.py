"""``/reachable`` by road: the answer is what its schema dumps, and the published posted
offers it ranks are kept between requests until a write is committed (by any worker)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geoservice.core.offer_selection import OfferSelection
from geoservice.core.offers import OfferQuery
from geoservice.core.reachable import offer_travel_times, route_to_offer
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.runtime import Runtime
from geoservice.store.auth import add_user
from geoservice.store.db import Store
from geoservice.store.location import Coverage
from geoservice.web import create_app
from geoservice.web import offer_catalogue as catalogue_module
from geoservice.web.contributions import posted_offers_frame
from geoservice.web.offer_catalogue import (
    CATALOGUE_CACHE_KEY,
    posted_offers_kept,
    published_catalogue,
)
from geoservice.web.reachable_schemas import ReachableCollectionSchema
from tests.web.test_contributions import offer_body

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
NEVERS_POINT = {"lon": 3.159, "lat": 46.99}


@pytest.fixture
def app(runtime: Runtime, store: Store, coverage: Coverage) -> Flask:
    return create_app(runtime=runtime, store=store)


@pytest.fixture
def auth(store: Store) -> dict[str, dict[str, str]]:
    with store.write() as session:
        return {
            role: {"Authorization": f"Bearer {add_user(session, role, role)[1]}"}
            for role in ("contributor", "organisation", "moderator")
        }


def _ranked(api: FlaskClient, **query: Any) -> dict[str, Any]:
    response = api.get("/api/v1/reachable", query_string={**NEVERS_POINT, **query})
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def _titles(api: FlaskClient) -> dict[str, str]:
    """Posted offers ranked from Nevers (15 min by car): id → name."""
    body = _ranked(api, mode="drive", max_minutes=15, limit=200, category="event")
    return {f["id"]: f["properties"]["name"] for f in body["features"]}


@SQLITE_ONLY
@pytest.mark.parametrize(
    "query",
    [
        {"mode": "drive", "max_minutes": 60, "limit": 200},
        {"mode": "bike", "max_minutes": 45, "limit": 20, "geometry": "true"},
        {"mode": "walk", "max_minutes": 30, "theme": "music,cinema"},
        {"commune": "58086", "mode": "drive", "max_minutes": 30, "date": "2030-06-21"},
        {"mode": "drive", "max_minutes": 1, "category": "skill"},
    ],
)
def test_the_answer_is_what_its_schema_dumps(
    app: Flask, auth: dict[str, dict[str, str]], query: dict[str, Any]
) -> None:
    api = app.test_client()
    posted = api.post("/api/v1/offers", json=offer_body(), headers=auth["organisation"])
    assert posted.status_code == 201
    args = dict(query) if "commune" in query else {**NEVERS_POINT, **query}
    response = api.get("/api/v1/reachable", query_string=args)
    assert response.status_code == 200
    body = json.loads(response.data)
    dumped = ReachableCollectionSchema().dump(body)
    # Same values, same key order: the schema would not change a byte.
    assert json.dumps(dumped) == json.dumps(body)
    if query["max_minutes"] > 1:
        assert body["features"]
        assert body["total"] >= len(body["features"])
    else:
        assert body["features"] == []
        assert "hint" in body


def test_route_fields_equal_the_reference_route(client: FlaskClient, runtime: Runtime) -> None:
    """Times, legs, distances and refs of the answer are those of ``route_to_offer``."""
    body = _ranked(client, mode="drive", max_minutes=60, limit=200)
    assert runtime.reachable is not None
    ox, oy = lambert93_from_wgs84([NEVERS_POINT["lon"]], [NEVERS_POINT["lat"]])
    times = offer_travel_times(
        runtime.reachable, "drive", float(ox[0]), float(oy[0]), limit_s=3600.0
    )
    position = {str(o): i for i, o in enumerate(times.egress.offer_ids[times.rows].tolist())}
    assert len(body["features"]) > 100
    for feature in body["features"]:
        ref = route_to_offer(times, position[feature["id"]])
        p = feature["properties"]
        assert p["travel_time_s"] == round(ref.travel_time_s, 1)
        assert p["distance_m"] == round(ref.distance_m)
        assert p["route_refs"] == list(ref.route_refs)
        assert p["legs"] == {
            "access_s": round(ref.access_s, 1),
            "network_s": round(ref.network_s, 1),
            "egress_s": round(ref.egress_s, 1),
        }


@SQLITE_ONLY
def test_the_store_is_read_again_only_after_a_write(
    app: Flask, auth: dict[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[int] = []
    search = catalogue_module.search_stored_offers

    def counting(*args: Any, **kwargs: Any) -> Any:
        reads.append(1)
        return search(*args, **kwargs)

    monkeypatch.setattr(catalogue_module, "search_stored_offers", counting)
    api = app.test_client()
    for _ in range(3):
        _ranked(api, mode="drive", max_minutes=30)
    assert len(reads) == 1
    kept = app.extensions[CATALOGUE_CACHE_KEY].latest
    posted = api.post("/api/v1/offers", json=offer_body(), headers=auth["organisation"])
    assert posted.status_code == 201
    assert posted.get_json()["id"] in _titles(api)
    assert len(reads) == 2
    assert app.extensions[CATALOGUE_CACHE_KEY].latest is not kept


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_every_write_by_another_worker_is_seen(
    runtime: Runtime, store: Store, coverage: Coverage, auth: dict[str, dict[str, str]]
) -> None:
    """Two apps on one database stand for two gunicorn workers: what one writes (posts,
    moderation, edits, cancellation, deletion), the other's ranking shows at once."""
    reader = create_app(runtime=runtime, store=store).test_client()
    writer = create_app(runtime=runtime, store=store).test_client()
    assert _titles(reader) == {}
    published = writer.post("/api/v1/offers", json=offer_body(), headers=auth["organisation"])
    pending = writer.post(
        "/api/v1/offers", json=offer_body(title="En attente"), headers=auth["contributor"]
    )
    pub_id, pending_id = published.get_json()["id"], pending.get_json()["id"]
    assert set(_titles(reader)) == {pub_id}
    decision = {"decision": "approve"}
    approved = writer.post(
        f"/api/v1/offers/{pending_id}/moderation", json=decision, headers=auth["moderator"]
    )
    assert approved.status_code == 200, approved.get_json()
    assert _titles(reader) == {pub_id: offer_body()["title"], pending_id: "En attente"}
    renamed = writer.patch(
        f"/api/v1/offers/{pub_id}", json={"title": "Récital"}, headers=auth["organisation"]
    )
    assert renamed.status_code == 200, renamed.get_json()
    assert _titles(reader)[pub_id] == "Récital"
    cancelled = writer.patch(
        f"/api/v1/offers/{pub_id}", json={"status": "cancelled"}, headers=auth["organisation"]
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    assert set(_titles(reader)) == {pending_id}
    deleted = writer.delete(f"/api/v1/offers/{pending_id}", headers=auth["moderator"])
    assert deleted.status_code == 204
    assert _titles(reader) == {}


@SQLITE_ONLY
@pytest.mark.parametrize(
    "selection",
    [
        OfferSelection(),
        OfferSelection(categories=("event",)),
        OfferSelection(categories=("venue", "museum")),
        OfferSelection(categories=("museum",)),
        OfferSelection(themes=("music",)),
        OfferSelection(themes=("cinema",)),
        OfferSelection(date_from=date(2030, 6, 21), date_to=date(2030, 6, 21)),
        OfferSelection(date_from=date(2030, 6, 23)),
        OfferSelection(date_to=date(2030, 6, 20)),
        OfferSelection(date_from=date(2030, 7, 1), date_to=date(2030, 7, 31)),
        OfferSelection(on_date=date(2030, 6, 22)),
        OfferSelection(on_date=date(2030, 6, 23), themes=("heritage",)),
    ],
)
def test_posted_offers_are_selected_as_the_store_selects_them(
    app: Flask, auth: dict[str, dict[str, str]], selection: OfferSelection
) -> None:
    """The rules applied to the kept offers give the store search's answer (kinds, themes,
    timings against Europe/Paris days, permanent non-events)."""
    api = app.test_client()
    bodies = [
        offer_body(),  # 21 June 20:30 local and 22 June 16:00
        # Ends at 23:30 local on 22 June: 21:30 UTC, still that local day.
        offer_body(
            title="Tard",
            themes=["cinema"],
            timings=[{"begin": "2030-06-22T22:00:00+02:00", "end": "2030-06-22T23:30:00+02:00"}],
        ),
        # Starts 00:30 local on 1 July: 30 June in UTC.
        offer_body(
            title="Minuit",
            timings=[{"begin": "2030-07-01T00:30:00+02:00", "end": "2030-07-01T01:00:00+02:00"}],
        ),
        offer_body(title="Lieu", kind="venue", timings=[], themes=["music"]),
        offer_body(
            title="Juin et août",
            timings=[
                {"begin": "2030-06-10T10:00:00+02:00", "end": "2030-06-10T12:00:00+02:00"},
                {"begin": "2030-08-10T10:00:00+02:00", "end": "2030-08-10T12:00:00+02:00"},
            ],
        ),
    ]
    for body in bodies:
        response = api.post("/api/v1/offers", json=body, headers=auth["organisation"])
        assert response.status_code == 201, response.get_json()
    runtime = app.extensions["geoservice"]
    with app.test_request_context():
        published = published_catalogue(runtime)
        kept = posted_offers_kept(published, selection)
        ours = set(published.frame["offer_id"][kept])
        date_from = max(
            (d for d in (selection.date_from, selection.on_date) if d is not None), default=None
        )
        store = posted_offers_frame(
            OfferQuery(themes=selection.themes, categories=selection.categories),
            date_from=date_from,
            date_to=selection.date_to,
        )
    assert len(published.posted) == len(bodies)
    assert ours == set(store["offer_id"])
