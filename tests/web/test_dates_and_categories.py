"""Dates that matter and category is not theme (issue #15), on the real offers."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient

from geoservice.core.offer_dates import offers_on_date, season_from_period
from geoservice.runtime import Runtime
from geoservice.store.auth import add_user
from geoservice.store.db import Store
from geoservice.store.location import Coverage
from geoservice.web import create_app

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
DECEMBER = "2026-12-12"
NEVERS = "58194"


@pytest.fixture
def api(runtime: Runtime, store: Store, coverage: Coverage) -> FlaskClient:
    return create_app(runtime=runtime, store=store).test_client()


def _post_event(api: FlaskClient, store: Store, title: str, day: str) -> str:
    with store.write() as session:
        token = add_user(session, f"org-{title}", "organisation")[1]
    body: dict[str, Any] = {
        "kind": "event",
        "title": title,
        "themes": ["music"],
        "timings": [{"begin": f"{day}T20:30:00+01:00", "end": f"{day}T22:00:00+01:00"}],
        "commune_code": NEVERS,
    }
    r = api.post("/api/v1/offers", json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.get_json()
    offer_id: str = r.get_json()["id"]
    return offer_id


def _in_season(period: str, day: date) -> bool:
    season = season_from_period(period)
    assert season is not None, period
    (m0, d0), (m1, d1) = season
    return (m0, d0) <= (day.month, day.day) <= (m1, d1)


@SQLITE_ONLY
def test_in_december_no_out_of_season_festival_and_no_past_event_is_ranked(
    api: FlaskClient, store: Store
) -> None:
    past = _post_event(api, store, "Concert de 2020", "2020-03-14")
    later = _post_event(api, store, "Concert de Noël", "2026-12-20")
    query = {"commune": NEVERS, "mode": "drive", "max_minutes": 30, "limit": 200}
    undated = api.get("/api/v1/reachable", query_string=query).get_json()["features"]
    assert past in {f["id"] for f in undated}  # without a date, everything is listed
    summer = [
        f
        for f in undated
        if f["properties"]["category"] == "festival"
        and not _in_season(f["properties"]["period"], date(2026, 12, 12))
    ]
    assert summer  # there are out-of-season festivals within 30 min of Nevers
    body = api.get("/api/v1/reachable", query_string={**query, "date": DECEMBER}).get_json()
    ranked = {f["id"]: f["properties"] for f in body["features"]}
    assert past not in ranked
    assert later in ranked
    festivals = [p for p in ranked.values() if p["category"] == "festival"]
    assert festivals
    assert all(_in_season(p["period"], date(2026, 12, 12)) for p in festivals)
    assert not {f["id"] for f in summer} & set(ranked)
    # Permanent venues stay.
    assert {"cinema", "library", "museum"} <= {p["category"] for p in ranked.values()}
    # The transit ranking and the offer search select the same way.
    transit = api.get(
        "/api/v1/reachable",
        query_string={
            **query,
            "mode": "transit",
            "departure": f"{DECEMBER}T14:00",
            "max_minutes": 60,
            "date": DECEMBER,
        },
    ).get_json()
    assert past not in {f["id"] for f in transit["features"]}
    search = api.get(
        "/api/v1/offers", query_string={"commune": NEVERS, "date": DECEMBER, "limit": 500}
    ).get_json()
    found = {f["id"] for f in search["features"]}
    assert later in found
    assert past not in found
    assert not {f["id"] for f in summer} & found


def test_offers_on_date_rules(runtime: Runtime) -> None:
    offers = runtime.offers
    keep = offers_on_date(offers, date(2026, 12, 12))
    venues = offers["category"].isin(["cinema", "library", "museum"]).to_numpy()
    assert keep[venues].all()
    festivals = offers[(offers["category"] == "festival").to_numpy()]
    kept = set(festivals[keep[(offers["category"] == "festival").to_numpy()]]["period"])
    assert kept == {"Après-saison (6 septembre - 31 décembre)"}


def test_category_cinema_counts_cinemas_only(client: FlaskClient, runtime: Runtime) -> None:
    category_of = dict(zip(runtime.offers["offer_id"], runtime.offers["category"], strict=True))
    by_category = client.get(
        "/api/v1/accessibility",
        query_string={"category": "cinema", "mode": "drive", "level": "commune"},
    ).get_json()["items"]
    nearest = {i["nearest_offer_id"] for i in by_category if i["nearest_offer_id"]}
    assert nearest
    assert {category_of[o] for o in nearest} == {"cinema"}
    # The theme "cinema" also counts film festivals: it is another question.
    by_theme = client.get(
        "/api/v1/accessibility",
        query_string={"theme": "cinema", "mode": "drive", "level": "commune"},
    ).get_json()["items"]
    themed = {category_of[i["nearest_offer_id"]] for i in by_theme if i["nearest_offer_id"]}
    assert "festival" in themed
    under = client.get(
        "/api/v1/underserved",
        query_string={"category": "cinema", "mode": "drive", "threshold_minutes": 20},
    ).get_json()
    assert {category_of[i["nearest_offer_id"]] for i in under["items"]} <= {"cinema"}
