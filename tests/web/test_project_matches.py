"""Needs matched with posted skills and resources by travel time, on the real Nièvre network:
a project in Clamecy needing a sound engineer and a stage."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from geoservice.runtime import Runtime
from geoservice.store.db import Store
from geoservice.web import create_app
from tests.web.collab_helpers import CLAMECY, CORBIGNY, COSNE, NEVERS, VARZY, make_users, post_offer

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def api(runtime: Runtime, store: Store) -> FlaskClient:
    return create_app(runtime=runtime, store=store).test_client()


@pytest.fixture
def scene(api: FlaskClient, store: Store) -> dict[str, Any]:
    """Posted skills and resources around the Nièvre, and the Clamecy project."""
    auth = make_users(store, {"mjc": "organisation", "asso": "organisation", "x": "contributor"})
    org = auth["mjc"]
    offers = {
        "son_nevers": post_offer(api, org, "skill", "Ingénieur du son, concerts", NEVERS),
        "son_clamecy": post_offer(api, org, "skill", "Ingénieure son et lumière", CLAMECY),
        "son_cosne": post_offer(api, org, "skill", "Sonorisation : ingénieur son", COSNE),
        "piano": post_offer(api, org, "skill", "Cours de piano", CLAMECY),
        "scene_varzy": post_offer(api, org, "resource", "Scène mobile 8 x 6 m", VARZY),
        "scene_corbigny": post_offer(api, org, "venue", "Salle avec scène", CORBIGNY),
        "son_resource": post_offer(api, org, "resource", "Table de son à prêter", NEVERS),
    }
    # A contributor's skill nobody approved is never matched.
    pending = api.post(
        "/api/v1/offers",
        json={"kind": "skill", "title": "Ingénieur du son", "commune_code": CLAMECY},
        headers=auth["x"],
    )
    assert pending.get_json()["properties"]["status"] == "pending"
    body = {
        "title": "Concert au bord de l'Yonne",
        "commune_code": CLAMECY,
        "needs": [
            {"kind": "skill", "text": "un ingénieur du son", "quantity": 1},
            {"kind": "resource", "text": "une scène"},
        ],
    }
    project = api.post("/api/v1/projects", json=body, headers=auth["asso"]).get_json()
    return {"offers": offers, "project": project, "auth": auth, "pending": pending.get_json()["id"]}


def test_matches_are_ranked_by_travel_time_equal_to_reachable(
    api: FlaskClient, scene: dict[str, Any]
) -> None:
    offers, project = scene["offers"], scene["project"]
    number = project["id"]
    answer = api.get(f"/api/v1/projects/{number}/matches?mode=drive&max_minutes=120")
    assert answer.status_code == 200, answer.get_json()
    document = answer.get_json()
    sound, stage = document["needs"]
    assert sound["words"] == ["ingenieur", "son"]
    ids = [m["offer_id"] for m in sound["matches"]]
    # Every posted sound skill, nearer first; not the piano, not the resource, not the
    # pending skill.
    assert set(ids) == {offers["son_clamecy"], offers["son_nevers"], offers["son_cosne"]}
    assert ids[0] == offers["son_clamecy"]
    times = [m["travel_time_s"] for m in sound["matches"]]
    assert times == sorted(times)
    assert scene["pending"] not in ids
    stage_ids = [m["offer_id"] for m in stage["matches"]]
    assert set(stage_ids) == {offers["scene_varzy"], offers["scene_corbigny"]}
    # The times are /reachable's from the project's point.
    lon, lat = project["geometry"]["coordinates"]
    reachable = api.get(
        f"/api/v1/reachable?lon={lon}&lat={lat}&mode=drive&max_minutes=120&limit=200"
        "&category=skill,resource,venue"
    ).get_json()
    by_id = {f["id"]: f["properties"]["travel_time_s"] for f in reachable["features"]}
    for match in sound["matches"] + stage["matches"]:
        assert match["travel_time_s"] == by_id[match["offer_id"]]
    # A tighter budget keeps the nearer ones only.
    near = api.get(f"/api/v1/projects/{number}/matches?mode=drive&max_minutes=20").get_json()
    kept = [m["travel_time_s"] for m in near["needs"][0]["matches"]]
    assert kept
    assert all(t <= 20 * 60 for t in kept)
    assert len(kept) < len(times)


@SQLITE_ONLY
def test_matches_by_bike_and_transit_and_bad_requests(
    api: FlaskClient, scene: dict[str, Any]
) -> None:
    number = scene["project"]["id"]
    bike = api.get(f"/api/v1/projects/{number}/matches?mode=bike&max_minutes=120").get_json()
    drive = api.get(f"/api/v1/projects/{number}/matches?mode=drive&max_minutes=120").get_json()
    # The Clamecy skill is placed at the commune's point, as the project: 0 s either way.
    assert bike["needs"][0]["matches"][0]["travel_time_s"] == 0.0
    by_bike = {m["offer_id"]: m["travel_time_s"] for m in bike["needs"][1]["matches"]}
    by_car = {m["offer_id"]: m["travel_time_s"] for m in drive["needs"][1]["matches"]}
    farther = [k for k in by_bike if by_bike[k] > 0]  # the Varzy stage, 15 km away
    assert farther
    assert all(by_bike[k] > by_car[k] for k in farther)
    transit = api.get(
        f"/api/v1/projects/{number}/matches?mode=transit&max_minutes=120&departure=2030-07-13T09:00"
    )
    assert transit.status_code == 200, transit.get_json()
    lon, lat = scene["project"]["geometry"]["coordinates"]
    reachable = api.get(
        f"/api/v1/reachable?lon={lon}&lat={lat}&mode=transit&max_minutes=120&limit=200"
        "&category=skill,resource,venue&departure=2030-07-13T09:00"
    ).get_json()
    by_id = {f["id"]: f["properties"]["travel_time_s"] for f in reachable["features"]}
    by_transit = [m for need in transit.get_json()["needs"] for m in need["matches"]]
    assert by_transit
    for match in by_transit:
        assert match["travel_time_s"] == by_id[match["offer_id"]]
        assert match["distance_m"] is None
    no_departure = api.get(f"/api/v1/projects/{number}/matches?mode=transit")
    assert no_departure.status_code == 400
    assert no_departure.get_json()["invalid_params"][0]["name"] == "departure"
    bad = api.get(f"/api/v1/projects/{number}/matches?max_minutes=0")
    assert bad.status_code == 400
    assert bad.get_json()["invalid_params"][0]["name"] == "max_minutes"
    assert api.get("/api/v1/projects/999999/matches").status_code == 404


def test_an_offer_finds_the_projects_that_need_it(api: FlaskClient, scene: dict[str, Any]) -> None:
    offers, project = scene["offers"], scene["project"]
    number = offers["son_nevers"].removeprefix("user:")
    found = api.get(f"/api/v1/offers/user:{number}/projects?max_minutes=120").get_json()
    assert [p["project_id"] for p in found["projects"]] == [project["id"]]
    assert [n["kind"] for n in found["projects"][0]["needs"]] == ["skill"]
    matches = api.get(f"/api/v1/projects/{project['id']}/matches?max_minutes=120").get_json()
    same = next(m for m in matches["needs"][0]["matches"] if m["offer_id"] == offers["son_nevers"])
    assert found["projects"][0]["travel_time_s"] == same["travel_time_s"]
    tight = api.get(f"/api/v1/offers/user:{number}/projects?max_minutes=10").get_json()
    assert tight["projects"] == []
    piano = offers["piano"].removeprefix("user:")
    assert api.get(f"/api/v1/offers/user:{piano}/projects").get_json()["projects"] == []
