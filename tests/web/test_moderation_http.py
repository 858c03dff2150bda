"""Moderation over HTTP: the known bypasses are refused or kept private (SQLite and
PostgreSQL), and random sequences of posts, edits, cancels and decisions by random roles
never make unapproved content public (hypothesis stateful test)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from typing import Any

import icalendar
import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import delete

from geoservice.runtime import Runtime
from geoservice.store.auth import add_user
from geoservice.store.db import Store
from geoservice.store.location import Coverage
from geoservice.store.models import ModerationEvent, Offer, OfferTheme, OfferTiming
from geoservice.store.ratelimit import TokenBucketLimiter
from geoservice.web import create_app
from geoservice.web.contributions import STORE_EXTENSION_KEY, ContributionsState
from tests.web.test_contributions import offer_body, props

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
ROLES = ("anonymous", "contributor", "organisation", "moderator")
#: The ranking around Nevers, where offer_body() places its events.
REACHABLE_FROM_NEVERS = (
    "/api/v1/reachable?lon=3.159&lat=46.99&mode=drive&max_minutes=15&limit=200&category=event"
)


@pytest.fixture
def api(runtime: Runtime, store: Store, coverage: Coverage) -> FlaskClient:
    """The app, with anonymous posts not rate-limited (random sequences post many)."""
    app = create_app(runtime=runtime, store=store)
    state: ContributionsState = app.extensions[STORE_EXTENSION_KEY]
    unlimited = TokenBucketLimiter(burst=10**6, per_hour=10**6)
    app.extensions[STORE_EXTENSION_KEY] = replace(state, limiter=unlimited)
    return app.test_client()


@pytest.fixture
def auth(store: Store) -> dict[str, dict[str, str]]:
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    with store.write() as session:
        for role in ROLES[1:]:
            headers[role] = {"Authorization": f"Bearer {add_user(session, role, role)[1]}"}
    return headers


def public_titles(api: FlaskClient, q: str) -> dict[str, set[str]]:
    """Titles of posted offers in every public output, per output (the search: for `q`)."""
    out: dict[str, set[str]] = {}
    search = api.get("/api/v1/offers", query_string={"q": q, "limit": 500}).get_json()
    out["search"] = {
        f["properties"]["name"]
        for f in search["features"]
        if f["properties"]["source"] == "contribution"
    }
    geojson = api.get("/api/v1/offers/export.geojson").get_json()
    out["geojson"] = {f["properties"]["title"] for f in geojson["features"]}
    rows = csv.DictReader(io.StringIO(api.get("/api/v1/offers/export.csv").get_data(as_text=True)))
    out["csv"] = {r["title"] for r in rows}
    calendar = icalendar.Calendar.from_ical(api.get("/api/v1/events.ics").get_data())
    out["ics"] = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    return out


def seen_anywhere(api: FlaskClient, offer_id: str, title: str) -> list[str]:
    """The public outputs that show `title` (and GET by id as anonymous when it answers)."""
    found = [name for name, titles in public_titles(api, title).items() if title in titles]
    if api.get(f"/api/v1/offers/{offer_id}").status_code == 200:
        found.append("get")
    ranked = api.get(REACHABLE_FROM_NEVERS).get_json()["features"]
    if title in {f["properties"]["name"] for f in ranked}:
        found.append("reachable")
    return found


def patch(api: FlaskClient, offer_id: str, headers: dict[str, str], **body: Any) -> Any:
    return api.patch(f"/api/v1/offers/{offer_id}", json=body, headers=headers)


def decide(api: FlaskClient, offer_id: str, headers: dict[str, str], decision: str) -> Any:
    body = {"decision": decision, "reason": "Hors sujet"}
    return api.post(f"/api/v1/offers/{offer_id}/moderation", json=body, headers=headers)


def test_an_organisation_cannot_republish_a_rejected_offer(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    org, mod = auth["organisation"], auth["moderator"]
    offer_id = props(api.post("/api/v1/offers", json=offer_body(title="Bal"), headers=org))[
        "offer_id"
    ]
    assert props(decide(api, offer_id, mod, "reject"))["status"] == "rejected"
    assert props(patch(api, offer_id, org, status="cancelled"))["status"] == "cancelled"
    refused = patch(api, offer_id, org, status="published")
    assert refused.status_code == 403, refused.get_data(as_text=True)
    assert patch(api, offer_id, org, status="draft").status_code == 403
    # Resubmitting goes to the moderators, not to the public.
    assert props(patch(api, offer_id, org, status="pending"))["status"] == "pending"
    assert patch(api, offer_id, org, status="published").status_code == 403
    assert seen_anywhere(api, offer_id, "Bal") == []


@pytest.mark.parametrize("start", ["draft", "pending", "rejected"])
def test_a_contributor_cancelling_an_unapproved_offer_keeps_it_private(
    api: FlaskClient, auth: dict[str, dict[str, str]], start: str
) -> None:
    alice, mod = auth["contributor"], auth["moderator"]
    body = offer_body(title="Brocante", status="draft" if start == "draft" else "pending")
    offer_id = props(api.post("/api/v1/offers", json=body, headers=alice))["offer_id"]
    if start == "rejected":
        decide(api, offer_id, mod, "reject")
    assert props(patch(api, offer_id, alice, status="cancelled"))["status"] == "cancelled"
    assert api.get(f"/api/v1/offers/{offer_id}").status_code == 404
    assert api.get(f"/api/v1/offers/{offer_id}", headers=alice).status_code == 200
    assert seen_anywhere(api, offer_id, "Brocante") == []


@pytest.mark.parametrize("together", [False, True], ids=["two-patches", "one-patch"])
def test_a_contributor_cannot_rewrite_an_approved_offer_unseen(
    api: FlaskClient, auth: dict[str, dict[str, str]], together: bool
) -> None:
    alice, mod = auth["contributor"], auth["moderator"]
    posted = api.post("/api/v1/offers", json=offer_body(title="Concert"), headers=alice)
    offer_id = props(posted)["offer_id"]
    decide(api, offer_id, mod, "approve")
    assert {"ics", "reachable", "get", "search"} <= set(seen_anywhere(api, offer_id, "Concert"))
    if together:
        patch(api, offer_id, alice, status="cancelled", title="Arnaque", description="Payez ici")
    else:
        assert "ics" in seen_anywhere(api, offer_id, "Concert")
        patch(api, offer_id, alice, status="cancelled")
        assert "ics" in seen_anywhere(api, offer_id, "Concert")  # cancelled, still listed
        patch(api, offer_id, alice, title="Arnaque", description="Payez ici")
    assert seen_anywhere(api, offer_id, "Arnaque") == []
    assert seen_anywhere(api, offer_id, "Concert") == []  # hidden until approved again
    # Keeping "published" in the body does not keep the new text out of moderation.
    assert props(patch(api, offer_id, alice, status="pending"))["status"] == "pending"
    decide(api, offer_id, mod, "approve")
    edited = patch(api, offer_id, alice, title="Arnaque 2", status="published")
    assert props(edited)["status"] == "pending"
    assert seen_anywhere(api, offer_id, "Arnaque 2") == []


# ---- Random sequences -------------------------------------------------------------------


@dataclass
class Model:
    """What the test knows of one offer: its author, current title and status as last
    answered, and whether its current content was approved (by a moderator, or by its
    organisation author for the organisation's own unrejected posts)."""

    author: str
    title: str
    status: str
    approved: bool


#: Contributors first: hypothesis favours the first choices, and they are the ones to watch.
RANDOM_ROLES = st.sampled_from(["contributor", "organisation", "anonymous", "moderator"])
STATUS_REQUESTS = st.sampled_from([None, "draft", "pending", "published", "rejected", "cancelled"])
DECISIONS = st.sampled_from(["approve", "reject"])
#: (who, status or decision, content edit too): the steps that matter, first.
STEPS = st.sampled_from(
    [
        ("author", None, True),
        ("moderator", "approve", False),
        ("author", "cancelled", False),
        ("author", "cancelled", True),
        ("author", "published", False),
        ("author", "published", True),
        ("author", "pending", False),
        ("author", "draft", False),
        ("moderator", "reject", False),
        ("moderator", "cancelled", False),
        ("moderator", "draft", False),
        ("moderator", "published", False),
        ("moderator", None, True),
    ]
)


@pytest.mark.slow
@SQLITE_ONLY
def test_random_sequences_never_publish_unapproved_content(
    api: FlaskClient, auth: dict[str, dict[str, str]], store: Store
) -> None:
    models: dict[str, Model] = {}
    counter = iter(range(10**6))

    class Moderation(RuleBasedStateMachine):
        offers = Bundle("offers")

        def __init__(self) -> None:
            super().__init__()
            models.clear()  # each run starts from an empty database
            with store.write() as session:
                for table in (ModerationEvent, OfferTiming, OfferTheme, Offer):
                    session.execute(delete(table))

        def _apply(self, offer_id: str, role: str, response: Any, title: str | None) -> None:
            model = models[offer_id]
            if response.status_code >= 400:
                assert response.status_code in {401, 403, 404, 409}, response.get_data()
                return
            if role == "contributor" and title is not None:
                model.approved = False
            new = response.get_json()["properties"]
            if title is not None:
                model.title = title
            model.status = new["status"]

        @precondition(lambda self: len(models) < 3)  # few offers: long stories for each
        @rule(target=offers, role=RANDOM_ROLES, draft=st.booleans())
        def post(self, role: str, draft: bool) -> str:
            title = f"Offre {next(counter)}"
            status = "draft" if draft and role != "anonymous" else "pending"
            response = api.post(
                "/api/v1/offers", json=offer_body(title=title, status=status), headers=auth[role]
            )
            record = props(response)
            author = role
            approved = role in {"organisation", "moderator"}
            models[record["offer_id"]] = Model(author, title, record["status"], approved)
            return str(record["offer_id"])

        def _patch(self, offer_id: str, role: str, status: str | None, edit: bool) -> None:
            model = models[offer_id]
            body: dict[str, Any] = {}
            title = f"Offre {next(counter)}" if edit or status is None else None
            if title is not None:
                body["title"] = title
            if status is not None:
                body |= {"status": status, "reason": "motif"}
            response = api.patch(f"/api/v1/offers/{offer_id}", json=body, headers=auth[role])
            if response.status_code < 400 and role == "moderator":
                if status == "published":
                    model.approved = True
                elif status == "rejected":
                    model.approved = False
                elif status == "draft" and model.author == "organisation":
                    # A moderator hands it back as a draft: the organisation's own draft.
                    model.approved = True
            self._apply(offer_id, role, response, title)

        @rule(offer_id=offers, step=STEPS)
        def act(self, offer_id: str, step: tuple[str, str | None, bool]) -> None:
            """A plausible step: the author or a moderator edits, asks for a status or
            decides."""
            who, change, edit = step
            author = models[offer_id].author
            role = who if who != "author" else author
            if role == "anonymous":
                role = "contributor"  # somebody else: refused
            if change in {"approve", "reject"}:
                self._moderate(offer_id, role, change)
            else:
                self._patch(offer_id, role, change, edit)

        @rule(offer_id=offers, role=RANDOM_ROLES, status=STATUS_REQUESTS, edit=st.booleans())
        def anyone_patches(self, offer_id: str, role: str, status: str | None, edit: bool) -> None:
            self._patch(offer_id, role, status, edit)

        def _moderate(self, offer_id: str, role: str, decision: str) -> None:
            response = decide(api, offer_id, auth[role], decision)
            if response.status_code < 400:
                models[offer_id].approved = decision == "approve"
            self._apply(offer_id, role, response, None)

        @rule(offer_id=offers, role=RANDOM_ROLES, decision=DECISIONS)
        def anyone_decides(self, offer_id: str, role: str, decision: str) -> None:
            self._moderate(offer_id, role, decision)

        @invariant()
        def everything_public_was_approved(self) -> None:
            public = public_titles(api, "Offre")
            every = set().union(*public.values())
            for offer_id, model in models.items():
                response = api.get(f"/api/v1/offers/{offer_id}")
                shown = response.status_code == 200 or model.title in every
                if shown:
                    assert model.approved, (offer_id, model, public)
                    assert model.status in {"published", "cancelled"}, (offer_id, model)
                if response.status_code == 200:
                    assert props(response)["title"] == model.title
                if model.status == "published":
                    assert response.status_code == 200, (offer_id, model)
            known = {m.title for m in models.values()}
            for name, titles in public.items():
                assert titles <= known, name

    Moderation.TestCase.settings = settings(
        max_examples=10,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    Moderation.TestCase().runTest()
