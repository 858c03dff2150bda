"""Projects over HTTP (SQLite and PostgreSQL): moderation, needs, responses, decisions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from geoservice.runtime import Runtime
from geoservice.store.account_deletion import delete_account
from geoservice.store.db import Store
from geoservice.store.models import User
from geoservice.store.project_models import Project
from geoservice.web import create_app
from tests.web.collab_helpers import CLAMECY, make_users

ROLES = {
    "alice": "contributor",
    "bob": "contributor",
    "carol": "contributor",
    "mjc": "organisation",
    "mod": "moderator",
}


@pytest.fixture
def api(runtime: Runtime, store: Store) -> FlaskClient:
    return create_app(runtime=runtime, store=store).test_client()


@pytest.fixture
def auth(store: Store) -> dict[str, dict[str, str]]:
    return make_users(store, ROLES)


def project_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Fête de la musique au bord de l'Yonne",
        "description": "Une scène ouverte aux groupes du Clamecycois.",
        "themes": ["music"],
        "commune_code": CLAMECY,
        "starts_on": "2030-07-14",
        "needs": [
            {"kind": "skill", "text": "ingénieur du son", "quantity": 1},
            {"kind": "resource", "text": "scène démontable"},
        ],
    }
    body.update(changes)
    return body


def create(api: FlaskClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = api.post("/api/v1/projects", json=project_body(**changes), headers=headers)
    assert response.status_code == 201, response.get_json()
    feature: dict[str, Any] = response.get_json()
    assert response.headers["Location"] == f"/api/v1/projects/{feature['id']}"
    return feature


def listed_ids(api: FlaskClient, headers: dict[str, str], query: str = "") -> list[int]:
    response = api.get(f"/api/v1/projects{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [f["id"] for f in response.get_json()["features"]]


def test_a_project_nobody_approved_is_never_public(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    project = create(api, auth["alice"])
    number = project["id"]
    assert project["properties"]["status"] == "pending"
    assert [n["kind"] for n in project["properties"]["needs"]] == ["skill", "resource"]
    for who in ("anonymous", "bob", "mjc"):
        assert number not in listed_ids(api, auth[who])
        assert api.get(f"/api/v1/projects/{number}", headers=auth[who]).status_code == 404
        assert api.get(f"/api/v1/projects/{number}/matches", headers=auth[who]).status_code == 404
        body = {"need_id": project["properties"]["needs"][0]["id"]}
        answer = api.post(f"/api/v1/projects/{number}/responses", json=body, headers=auth[who])
        assert answer.status_code in {401, 404}
    # The owner and moderators see it; the offers' exports know nothing of projects.
    assert api.get(f"/api/v1/projects/{number}", headers=auth["alice"]).status_code == 200
    assert api.get(f"/api/v1/projects/{number}", headers=auth["mod"]).status_code == 200
    export = api.get("/api/v1/offers/export.geojson").get_data(as_text=True)
    assert "Yonne" not in export
    # Only a moderator approves.
    refused = api.post(
        f"/api/v1/projects/{number}/moderation", json={"decision": "approve"}, headers=auth["alice"]
    )
    assert refused.status_code == 403
    approved = api.post(
        f"/api/v1/projects/{number}/moderation", json={"decision": "approve"}, headers=auth["mod"]
    )
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["properties"]["status"] == "published"
    assert number in listed_ids(api, auth["anonymous"])
    # A contributor's edit hides it again until approved; a stage change does not.
    staged = api.patch(
        f"/api/v1/projects/{number}", json={"stage": "running"}, headers=auth["alice"]
    )
    assert staged.get_json()["properties"]["status"] == "published"
    edited = api.patch(
        f"/api/v1/projects/{number}", json={"title": "Autre titre"}, headers=auth["alice"]
    )
    assert edited.get_json()["properties"]["status"] == "pending"
    assert number not in listed_ids(api, auth["anonymous"])
    history = api.get(f"/api/v1/projects/{number}/moderation", headers=auth["alice"]).get_json()
    assert [(e["from_status"], e["to_status"]) for e in history] == [
        (None, "pending"),
        ("pending", "published"),
        ("published", "pending"),
    ]


def test_organisations_publish_directly_and_filters(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    number = create(api, auth["mjc"])["id"]
    create(
        api,
        auth["mjc"],
        title="Chorale",
        description="",
        themes=["heritage"],
        commune_code="58194",
        needs=[],
    )
    assert listed_ids(api, auth["anonymous"], "?q=ingenieur") == [number]
    assert listed_ids(api, auth["anonymous"], "?q=Scène") == [number]
    assert listed_ids(api, auth["anonymous"], "?theme=music") == [number]
    assert listed_ids(api, auth["anonymous"], f"?commune={CLAMECY}") == [number]
    assert listed_ids(api, auth["anonymous"], "?status=done") == []
    near = api.get("/api/v1/projects?near=3.5185,47.4572&within_minutes=15&mode=drive").get_json()
    assert [f["id"] for f in near["features"]] == [number]
    assert near["features"][0]["properties"]["travel_time_s"] < 15 * 60
    bad = api.get("/api/v1/projects?near=abc")
    assert bad.status_code == 400
    assert bad.get_json()["invalid_params"][0]["name"] == "near"


def test_only_the_owner_decides_on_responses(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    project = create(api, auth["mjc"])
    number = project["id"]
    need_id = project["properties"]["needs"][0]["id"]
    url = f"/api/v1/projects/{number}/responses"
    answer = api.post(
        url, json={"need_id": need_id, "message": "Je sonorise."}, headers=auth["bob"]
    )
    assert answer.status_code == 201, answer.get_json()
    rid = answer.get_json()["id"]
    join = api.post(url, json={"message": "Je veux aider"}, headers=auth["carol"])
    assert join.status_code == 201
    assert api.post(url, json={"need_id": need_id}, headers=auth["bob"]).status_code == 409
    assert api.post(url, json={}, headers=auth["mjc"]).status_code == 409  # own project
    assert api.post(url, json={}, headers=auth["anonymous"]).status_code == 401
    decision = f"/api/v1/projects/{number}/responses/{rid}/decision"
    for who, status in (("anonymous", 401), ("bob", 403), ("carol", 403), ("mod", 403)):
        refused = api.post(decision, json={"decision": "accept"}, headers=auth[who])
        assert refused.status_code == status, who
    # Responses are visible to the owner, and each responder sees only their own.
    public = api.get(f"/api/v1/projects/{number}").get_json()["properties"]
    assert public["responses"] == []
    seen_by_bob = api.get(f"/api/v1/projects/{number}", headers=auth["bob"]).get_json()
    assert [r["responder"] for r in seen_by_bob["properties"]["responses"]] == ["bob"]
    accepted = api.post(decision, json={"decision": "accept"}, headers=auth["mjc"])
    assert accepted.status_code == 200
    assert accepted.get_json()["status"] == "accepted"
    again = api.post(decision, json={"decision": "decline"}, headers=auth["mjc"])
    assert again.status_code == 409
    join_id = join.get_json()["id"]
    api.post(
        f"/api/v1/projects/{number}/responses/{join_id}/decision",
        json={"decision": "accept"},
        headers=auth["mjc"],
    )
    props = api.get(f"/api/v1/projects/{number}").get_json()["properties"]
    assert props["needs"][0]["fulfilled"] is True
    assert props["needs"][1]["fulfilled"] is False
    assert props["members"] == ["carol"]
    assert props["answers"] == [{"need_id": need_id, "responder": "bob", "offer_id": None}]
    # A fulfilled need takes no more answers.
    late = api.post(url, json={"need_id": need_id}, headers=auth["carol"])
    assert late.status_code == 409


def test_needs_are_added_by_the_owner(
    api: FlaskClient, auth: dict[str, dict[str, str]], store: Store
) -> None:
    number = create(api, auth["mjc"], needs=[])["id"]
    need = {"kind": "volunteers", "text": "bénévoles pour l'accueil", "quantity": 4}
    assert (
        api.post(f"/api/v1/projects/{number}/needs", json=need, headers=auth["bob"]).status_code
        == 403
    )
    added = api.post(f"/api/v1/projects/{number}/needs", json=need, headers=auth["mjc"])
    assert added.status_code == 201
    assert added.get_json()["properties"]["needs"][0]["quantity"] == 4
    bad = api.post(
        f"/api/v1/projects/{number}/needs", json={"kind": "money", "text": "x"}, headers=auth["mjc"]
    )
    assert bad.status_code == 400
    with store.read() as session:
        assert "benevoles" in session.get(Project, number).search_text  # type: ignore[union-attr]
    assert json.dumps(project_body())  # the example body is JSON


def test_deleting_an_account_deletes_its_projects_and_responses(
    api: FlaskClient, auth: dict[str, dict[str, str]], store: Store
) -> None:
    mine = create(api, auth["mjc"])["id"]
    other = create(api, auth["mjc"], title="Autre projet")["id"]
    url = f"/api/v1/projects/{other}/responses"
    assert api.post(url, json={"message": "Je viens"}, headers=auth["bob"]).status_code == 201
    with store.write() as session:
        bob = session.scalar(select(User.id).where(User.name == "bob"))
        assert bob is not None
        delete_account(session, bob)
    props = api.get(f"/api/v1/projects/{other}", headers=auth["mjc"]).get_json()["properties"]
    assert props["responses"] == []
    with store.write() as session:
        mjc = session.scalar(select(User.id).where(User.name == "mjc"))
        assert mjc is not None
        delete_account(session, mjc)
    with store.read() as session:
        assert session.get(Project, mine) is None
        assert session.scalar(select(func.count()).select_from(Project)) == 0
