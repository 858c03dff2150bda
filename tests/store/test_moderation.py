"""The moderation state machine: every (state × role × action) against rules written here
independently of the table, reachability (no sequence of one's own actions launders a
rejection), and the same combinations carried out through the store on a database."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from geoservice.errors import (
    AuthenticationError,
    ConflictError,
    GeoserviceError,
    InvalidParameterError,
    NotFoundError,
    PermissionDeniedError,
)
from geoservice.store.auth import actor_from_token, add_user
from geoservice.store.db import Store, open_store
from geoservice.store.location import Coverage, resolve_location
from geoservice.store.moderation import (
    ACTIONS,
    CANCELLED_PRIVATE,
    CANCELLED_PUBLIC,
    CREATE_ACTIONS,
    DELETED,
    DRAFT,
    NEW,
    PENDING,
    PUBLIC_STATES,
    PUBLISHED,
    REJECTED,
    ROLES,
    STATES,
    TRANSITIONS,
    decide,
)
from geoservice.store.offers import (
    create_offer,
    delete_offer,
    get_offer,
    is_public,
    moderate_offer,
    offer_state,
    update_offer,
)
from geoservice.store.policy import ANONYMOUS_ACTOR, Actor
from geoservice.store.search import OfferFilter, search_stored_offers

Outcome = str | type[GeoserviceError]
EXISTING_ACTIONS = tuple(a for a in ACTIONS if a not in CREATE_ACTIONS)
STORED_STATUS = {s: "cancelled" if s.startswith("cancelled") else s for s in STATES}


def expected(state: str, role: str, action: str) -> Outcome:
    """The rules of the issue, written as plainly as possible (not from the table)."""
    if state == NEW:
        if role == "anonymous":
            return PENDING if action == "create" else InvalidParameterError
        if action == "create_draft":
            return DRAFT
        return PENDING if role == "contributor" else PUBLISHED
    if role == "anonymous":
        return AuthenticationError
    if action == "delete":
        return DELETED
    if action in {"approve", "reject"}:
        if role != "moderator":
            return PermissionDeniedError
        if action == "approve":
            return PUBLISHED if state in {PENDING, REJECTED} else ConflictError
        return REJECTED if state in {PENDING, PUBLISHED} else ConflictError
    public = state in PUBLIC_STATES
    if action.startswith("set_"):
        wanted = action.removeprefix("set_")
        if wanted == STORED_STATUS[state]:
            return state  # asking for the current status changes nothing
        if wanted == "cancelled":
            return CANCELLED_PUBLIC if public else CANCELLED_PRIVATE
        if role == "moderator":
            return wanted
        if wanted == "pending":
            return PENDING
        if wanted == "draft":
            return DRAFT if public else PermissionDeniedError
        if wanted == "published" and role == "organisation" and state in {DRAFT, CANCELLED_PUBLIC}:
            return PUBLISHED
        return PermissionDeniedError
    assert action == "edit"
    if role == "moderator":
        return state
    if role == "organisation" and public:
        return state
    if state in {PUBLISHED, REJECTED}:
        return PENDING
    if state == CANCELLED_PUBLIC:
        return CANCELLED_PRIVATE
    return state


COMBINATIONS = [
    *itertools.product([NEW], ROLES, CREATE_ACTIONS),
    *itertools.product(STATES, ROLES, EXISTING_ACTIONS),
]


def _outcome(state: str, role: str, action: str) -> Outcome:
    try:
        return decide(state, role, action)
    except GeoserviceError as e:
        return type(e)


@pytest.mark.parametrize(("state", "role", "action"), COMBINATIONS)
def test_every_combination_follows_the_rules(state: str, role: str, action: str) -> None:
    assert _outcome(state, role, action) == expected(state, role, action)


def test_the_table_holds_nothing_else() -> None:
    assert set(TRANSITIONS) <= set(COMBINATIONS)
    assert len(COMBINATIONS) == 4 * 2 + len(STATES) * len(ROLES) * len(EXISTING_ACTIONS)


def _reachable(start: str, role: str) -> set[str]:
    """States an offer reaches from `start` by any sequence of `role`'s own actions."""
    seen, todo = {start}, [start]
    while todo:
        state = todo.pop()
        for action in EXISTING_ACTIONS:
            target = TRANSITIONS.get((state, role, action))
            if target is not None and target != DELETED and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


@pytest.mark.parametrize("start", [PENDING, REJECTED, CANCELLED_PRIVATE])
@pytest.mark.parametrize("role", ["contributor", "organisation"])
def test_no_sequence_of_own_actions_publishes_unapproved_content(start: str, role: str) -> None:
    assert _reachable(start, role).isdisjoint(PUBLIC_STATES)


def test_a_contributor_never_makes_content_public() -> None:
    for (state, role, action), target in TRANSITIONS.items():
        if role in {"anonymous", "contributor"} and target in PUBLIC_STATES:
            assert state in PUBLIC_STATES, (state, action)
            assert action != "edit", state


# ---- The same combinations carried out through the store, on SQLite ----

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def module_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path: Path = tmp_path_factory.mktemp("moderation") / "offers.sqlite"
    opened = open_store(f"sqlite:///{path}")
    yield opened
    opened.dispose()


@pytest.fixture(scope="module")
def actors(module_store: Store) -> dict[str, Actor]:
    with module_store.write() as session:
        tokens = {
            role: add_user(session, f"{role}-user", role)[1]
            for role in ("contributor", "organisation", "moderator")
        }
    with module_store.read() as session:
        found = {role: actor_from_token(session, t) for role, t in tokens.items()}
    return {**found, "anonymous": ANONYMOUS_ACTOR}


# How a moderator brings a fresh draft into each state.
SETUP = {
    DRAFT: [],
    PENDING: ["pending"],
    PUBLISHED: ["published"],
    REJECTED: ["rejected"],
    CANCELLED_PUBLIC: ["published", "cancelled"],
    CANCELLED_PRIVATE: ["pending", "cancelled"],
}


def _act(store: Store, actor: Actor, offer_id: str, action: str) -> None:
    with store.write() as session:
        if action == "edit":
            update_offer(session, actor, offer_id, {"title": "Nouveau titre"}, None, now=NOW)
        elif action.startswith("set_"):
            change = {"status": action.removeprefix("set_"), "reason": "motif"}
            update_offer(session, actor, offer_id, change, None, now=NOW)
        elif action in {"approve", "reject"}:
            moderate_offer(session, actor, offer_id, action, "motif", now=NOW)
        else:
            delete_offer(session, actor, offer_id, now=NOW)


@pytest.mark.parametrize("state", STATES)
def test_the_store_follows_the_table(
    module_store: Store, actors: dict[str, Actor], coverage: Coverage, state: str
) -> None:
    where = resolve_location(coverage, commune_code="58194")
    moderator = actors["moderator"]
    for role, action in itertools.product(ROLES, EXISTING_ACTIONS):
        owner = actors[role] if role in {"contributor", "organisation"} else actors["contributor"]
        with module_store.write() as session:
            body = {"kind": "venue", "title": f"{state} {role} {action}", "status": "draft"}
            offer_id = create_offer(session, owner, body, where, now=NOW).offer_id
        for status in SETUP[state]:
            change = {"status": status, "reason": "motif"}
            with module_store.write() as session:
                update_offer(session, moderator, offer_id, change, None, now=NOW)
        want = expected(state, role, action)
        if isinstance(want, str):
            _act(module_store, actors[role], offer_id, action)
        else:
            with pytest.raises(want):
                _act(module_store, actors[role], offer_id, action)
            want = state
        with module_store.read() as session:
            if want == DELETED:
                with pytest.raises(NotFoundError):
                    get_offer(session, offer_id, moderator)
                continue
            offer = get_offer(session, offer_id, moderator)
            assert offer_state(offer) == want, (role, action)
            public = want in PUBLIC_STATES
            assert is_public(offer) == public
            found = search_stored_offers(
                session, OfferFilter(statuses=("published", "cancelled")), now=NOW
            )[0]
            assert (offer in found) == public, (role, action)
            if not public:
                with pytest.raises(NotFoundError):
                    get_offer(session, offer_id, ANONYMOUS_ACTOR)


def test_an_edit_hides_until_approved_again(
    module_store: Store, actors: dict[str, Actor], coverage: Coverage
) -> None:
    where = resolve_location(coverage, commune_code="58194")
    contributor, moderator = actors["contributor"], actors["moderator"]
    with module_store.write() as session:
        offer_id = create_offer(
            session, contributor, {"kind": "venue", "title": "A"}, where
        ).offer_id
    with module_store.write() as session:
        moderate_offer(session, moderator, offer_id, "approve", None, now=NOW)
    with module_store.write() as session:
        first = get_offer(session, offer_id, ANONYMOUS_ACTOR).published_at
        assert first is not None
        update_offer(session, contributor, offer_id, {"title": "B"}, None, now=NOW)
    with module_store.read() as session, pytest.raises(NotFoundError):
        get_offer(session, offer_id, ANONYMOUS_ACTOR)
    later = NOW + timedelta(hours=1)
    with module_store.write() as session:
        moderate_offer(session, moderator, offer_id, "approve", None, now=later)
    with module_store.read() as session:
        offer = get_offer(session, offer_id, ANONYMOUS_ACTOR)
        assert (offer.title, offer.published_at) == ("B", later)
