"""An edit of an approved offer: the moderators see what changed since the approved version
(field by field) and its history; the public never sees the unapproved text, in any output
(SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import update

from geoservice.store.db import Store
from geoservice.store.models import Offer
from tests.web.test_contributions import offer_body, props
from tests.web.test_moderation_http import api, auth, decide, patch, seen_anywhere

__all__ = ["api", "auth"]  # fixtures

HOSTILE = "Arnaque <script>alert(1)</script> payez ici"


def queue_entry(api: FlaskClient, headers: dict[str, str], offer_id: str) -> dict[str, Any]:
    response = api.get("/api/v1/moderation/queue", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    entries = {f["id"]: f["properties"] for f in response.get_json()["features"]}
    assert offer_id in entries, sorted(entries)
    return entries[offer_id]


def approved_offer(api: FlaskClient, auth: dict[str, dict[str, str]], title: str) -> str:
    posted = api.post("/api/v1/offers", json=offer_body(title=title), headers=auth["contributor"])
    offer_id: str = props(posted)["offer_id"]
    assert props(decide(api, offer_id, auth["moderator"], "approve"))["status"] == "published"
    return offer_id


def test_the_queue_shows_each_changed_field_since_the_approval_and_the_history(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    alice, mod = auth["contributor"], auth["moderator"]
    offer_id = approved_offer(api, auth, "Concert d'orgue")
    timings = [{"begin": "2030-06-21T21:00:00+02:00", "end": "2030-06-21T22:30:00+02:00"}]
    edited = patch(api, offer_id, alice, title="Concert d'orgue et chœur", timings=timings)
    assert props(edited)["status"] == "pending"
    entry = queue_entry(api, mod, offer_id)
    diff = entry["changes_since_approval"]
    assert diff["approved_at"] is not None
    by_field = {c["field"]: c for c in diff["changes"]}
    assert set(by_field) == {"title", "timings"}
    assert by_field["title"]["before"] == "Concert d'orgue"
    assert by_field["title"]["after"] == "Concert d'orgue et chœur"
    assert len(by_field["timings"]["before"]) == 2
    assert by_field["timings"]["after"] == [
        {"begin": "2030-06-21T19:00:00+00:00", "end": "2030-06-21T20:30:00+00:00"}
    ]
    steps = [(e["from_status"], e["to_status"], e["actor_role"]) for e in entry["history"]]
    assert steps == [
        (None, "pending", "contributor"),
        ("pending", "published", "moderator"),
        ("published", "pending", "contributor"),
    ]


def test_a_never_approved_offer_has_no_diff(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    posted = api.post(
        "/api/v1/offers", json=offer_body(title="Atelier"), headers=auth["contributor"]
    )
    offer_id = props(posted)["offer_id"]
    patch(api, offer_id, auth["contributor"], title="Atelier d'écriture")
    assert queue_entry(api, auth["moderator"], offer_id)["changes_since_approval"] is None


def test_a_second_approval_becomes_the_reference(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    alice, mod = auth["contributor"], auth["moderator"]
    offer_id = approved_offer(api, auth, "Bal folk")
    patch(api, offer_id, alice, title="Bal folk de printemps")
    decide(api, offer_id, mod, "approve")
    assert "search" in seen_anywhere(api, offer_id, "Bal folk de printemps")
    patch(api, offer_id, alice, description="Avec l'orchestre du Morvan.")
    changes = queue_entry(api, mod, offer_id)["changes_since_approval"]["changes"]
    assert [c["field"] for c in changes] == ["description"]
    assert changes[0]["before"] == offer_body()["description"]


def test_an_organisation_edit_stays_published_and_is_the_new_reference(
    api: FlaskClient, auth: dict[str, dict[str, str]], store: Store
) -> None:
    org, alice, mod = auth["organisation"], auth["contributor"], auth["moderator"]
    posted = api.post("/api/v1/offers", json=offer_body(title="Expo"), headers=org)
    offer_id = props(posted)["offer_id"]
    assert props(patch(api, offer_id, org, title="Expo photo"))["status"] == "published"
    with store.read() as session:
        offer = session.get(Offer, int(offer_id.removeprefix("user:")))
        assert offer is not None
        assert offer.approved_content is not None
        assert offer.approved_content["content"]["title"] == "Expo photo"
    # Only its owner edits it: another contributor cannot.
    assert patch(api, offer_id, alice, title=HOSTILE).status_code == 403
    assert queue_entry_missing(api, mod, offer_id)


def queue_entry_missing(api: FlaskClient, headers: dict[str, str], offer_id: str) -> bool:
    features = api.get("/api/v1/moderation/queue", headers=headers).get_json()["features"]
    return offer_id not in {f["id"] for f in features}


def test_an_offer_approved_before_versions_were_kept_still_shows_its_diff(
    api: FlaskClient, auth: dict[str, dict[str, str]], store: Store
) -> None:
    offer_id = approved_offer(api, auth, "Lecture publique")
    with store.write() as session:  # as an offer approved before migration 0005
        session.execute(update(Offer).values(approved_content=None))
    patch(api, offer_id, auth["contributor"], title="Lecture à voix haute")
    changes = queue_entry(api, auth["moderator"], offer_id)["changes_since_approval"]["changes"]
    assert changes == [
        {"field": "title", "before": "Lecture publique", "after": "Lecture à voix haute"}
    ]


def test_the_queue_is_for_moderators_only(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    for role in ("anonymous", "contributor", "organisation"):
        status = api.get("/api/v1/moderation/queue", headers=auth[role]).status_code
        assert status in {401, 403}, role


def test_editing_an_approved_offer_with_hostile_text_never_reaches_the_public(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    """post → approve → edit (hostile) → every public output; then the attacker's next moves:
    cancel, un-cancel, a status it may not set, an edit back; then a rejection."""
    alice, mod = auth["contributor"], auth["moderator"]
    offer_id = approved_offer(api, auth, "Concert du dimanche")
    number = offer_id.removeprefix("user:")
    assert api.get(f"/api/v1/offers/user:{number}/event.ics").status_code == 200
    patch(api, offer_id, alice, title=HOSTILE, description=HOSTILE)

    def leaks() -> list[str]:
        found = seen_anywhere(api, offer_id, HOSTILE)
        ics = api.get(f"/api/v1/offers/user:{number}/event.ics")
        if ics.status_code != 404 or "Arnaque" in ics.get_data(as_text=True):
            found.append("event.ics")
        for path in ("/api/v1/offers/export.geojson", "/api/v1/offers/export.csv"):
            if "Arnaque" in api.get(path).get_data(as_text=True):
                found.append(path)
        search = api.get("/api/v1/offers", query_string={"q": "arnaque", "limit": 500})
        if "Arnaque" in search.get_data(as_text=True):
            found.append("search")
        return found

    assert leaks() == []
    # Decision: while the edit waits, the public sees neither version (the offer is hidden).
    assert seen_anywhere(api, offer_id, "Concert du dimanche") == []
    assert patch(api, offer_id, alice, status="published").status_code == 403
    assert leaks() == []
    assert props(patch(api, offer_id, alice, status="cancelled"))["status"] == "cancelled"
    assert leaks() == []
    assert patch(api, offer_id, alice, status="published").status_code == 403
    assert props(patch(api, offer_id, alice, status="pending"))["status"] == "pending"
    assert leaks() == []
    diff = queue_entry(api, mod, offer_id)["changes_since_approval"]
    assert {c["field"] for c in diff["changes"]} == {"title", "description"}
    assert props(decide(api, offer_id, mod, "reject"))["status"] == "rejected"
    assert leaks() == []
    # The owner and the moderators still see it, with the rejection reason.
    history = api.get(f"/api/v1/offers/{offer_id}/moderation", headers=alice).get_json()
    assert history[-1]["reason"] == "Hors sujet"
