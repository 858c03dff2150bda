"""The offers store on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from geoservice.errors import NotFoundError, PermissionDeniedError
from geoservice.store.auth import actor_from_token, add_user
from geoservice.store.db import Store, open_store
from geoservice.store.location import Coverage, resolve_location
from geoservice.store.models import ModerationEvent, Offer
from geoservice.store.offers import (
    create_offer,
    delete_offer,
    get_offer,
    moderate_offer,
    offer_history,
    update_offer,
)
from geoservice.store.policy import Actor
from geoservice.store.search import OfferFilter, search_stored_offers

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
NEVERS = "58194"


def _users(store: Store) -> dict[str, Actor]:
    actors = {}
    with store.write() as session:
        tokens = {
            role: add_user(session, name, role)[1]
            for name, role in (
                ("alice", "contributor"),
                ("mjc", "organisation"),
                ("mod", "moderator"),
            )
        }
    with store.read() as session:
        for role, token in tokens.items():
            actors[role] = actor_from_token(session, token)
    return actors


def _event(title: str, begin: datetime, hours: float = 2, **extra: object) -> dict[str, object]:
    return {
        "kind": "event",
        "title": title,
        "timings": [{"begin": begin, "end": begin + timedelta(hours=hours)}],
        **extra,
    }


def test_moderation_flow_records_every_state_change(store: Store, coverage: Coverage) -> None:
    actors = _users(store)
    where = resolve_location(coverage, commune_code=NEVERS)
    with store.write() as session:
        offer_id = create_offer(
            session, actors["contributor"], _event("Bal folk", NOW), where
        ).offer_id
    with store.write() as session:
        moderate_offer(session, actors["moderator"], offer_id, "reject", "date manquante")
    with store.write() as session:
        update_offer(
            session, actors["contributor"], offer_id, {"title": "Bal folk du printemps"}, None
        )
    with store.write() as session:
        offer = moderate_offer(session, actors["moderator"], offer_id, "approve", None)
        assert offer.status == "published"
    with store.write() as session:
        delete_offer(session, actors["contributor"], offer_id)
    with store.read() as session:
        offer = session.scalars(select(Offer)).one()
        steps = [
            (e.actor_name, e.from_status, e.to_status, e.reason)
            for e in offer_history(session, offer)
        ]
    assert steps == [
        ("alice", None, "pending", None),
        ("mod", "pending", "rejected", "date manquante"),
        ("alice", "rejected", "pending", None),
        ("mod", "pending", "published", None),
        ("alice", "published", "deleted", None),
    ]
    with store.read() as session, pytest.raises(NotFoundError):
        get_offer(session, offer_id, actors["moderator"])


def test_nobody_edits_another_ones_offer(store: Store, coverage: Coverage) -> None:
    actors = _users(store)
    where = resolve_location(coverage, commune_code=NEVERS)
    with store.write() as session:
        offer_id = create_offer(
            session, actors["organisation"], _event("Expo", NOW), where
        ).offer_id
    with store.write() as session, pytest.raises(PermissionDeniedError):
        update_offer(session, actors["contributor"], offer_id, {"title": "pirate"}, None)
    with store.read() as session:
        assert get_offer(session, offer_id, actors["contributor"]).title == "Expo"
        events = session.scalars(select(ModerationEvent)).all()
    assert len(events) == 1  # the refused edit left no trace and changed nothing


def test_full_text_search_ignores_accents_and_case(store: Store, coverage: Coverage) -> None:
    actors = _users(store)
    where = resolve_location(coverage, commune_code=NEVERS)
    with store.write() as session:
        for title in ("Visite de l'église Saint-Étienne", "Théâtre à Clamecy", "Marché de Noël"):
            create_offer(session, actors["organisation"], _event(title, NOW), where)
    with store.read() as session:

        def titles(q: str) -> list[str]:
            return [o.title for o in search_stored_offers(session, OfferFilter(q=q))[0]]

        assert titles("eglise") == ["Visite de l'église Saint-Étienne"]
        assert titles("ÉGLISE étienne") == ["Visite de l'église Saint-Étienne"]
        assert titles("theatre") == ["Théâtre à Clamecy"]
        assert titles("noel march") == ["Marché de Noël"]  # prefix match
        assert titles('"noël*(^') == ["Marché de Noël"]  # FTS syntax is never interpreted
        assert titles("opéra") == []


def test_when_and_date_filters(store: Store, coverage: Coverage) -> None:
    actors = _users(store)
    where = resolve_location(coverage, commune_code=NEVERS)
    with store.write() as session:
        for title, begin in (
            ("past", NOW - timedelta(days=3)),
            ("now", NOW - timedelta(hours=1)),
            ("soon", NOW + timedelta(days=3)),
        ):
            create_offer(session, actors["organisation"], _event(title, begin), where)
        create_offer(
            session, actors["organisation"], {"kind": "venue", "title": "permanent"}, where
        )
    with store.read() as session:

        def titles(**criteria: object) -> set[str]:
            offers, total = search_stored_offers(session, OfferFilter(**criteria), now=NOW)  # type: ignore[arg-type]
            assert total == len(offers)
            return {o.title for o in offers}

        assert titles(when="upcoming") == {"soon"}
        assert titles(when="current") == {"now", "permanent"}
        assert titles(when="past") == {"past"}
        # A date keeps the events on then and the permanent venue (no timings), never the past.
        assert titles(date_from=NOW + timedelta(days=1), date_to=NOW + timedelta(days=5)) == {
            "soon",
            "permanent",
        }
        assert titles(commune_code=NEVERS) == {"past", "now", "soon", "permanent"}
        assert titles(commune_code="58086") == set()
        assert titles(bbox=(3.0, 46.9, 3.3, 47.1)) == {"past", "now", "soon", "permanent"}
        assert titles(bbox=(3.5, 47.3, 3.6, 47.4)) == set()
        assert titles(kinds=("venue",)) == {"permanent"}


def test_pending_offers_are_not_searched(store: Store, coverage: Coverage) -> None:
    actors = _users(store)
    where = resolve_location(coverage, commune_code=NEVERS)
    with store.write() as session:
        create_offer(
            session, actors["contributor"], _event("en attente", NOW, themes=["music"]), where
        )
        create_offer(
            session, actors["organisation"], _event("publiée", NOW, themes=["music"]), where
        )
    with store.read() as session:
        offers, total = search_stored_offers(session, OfferFilter(themes=["music"]))
    assert (total, [o.title for o in offers]) == (1, ["publiée"])


def test_posts_survive_a_restart(database_url: str, coverage: Coverage) -> None:
    first = open_store(database_url)
    actors = _users(first)
    where = resolve_location(coverage, lon=3.5, lat=47.0)
    with first.write() as session:
        offer_id = create_offer(
            session, actors["organisation"], _event("Concert", NOW), where
        ).offer_id
    first.dispose()
    second = open_store(database_url)  # a new engine on the same database
    try:
        with second.read() as session:
            offer = get_offer(session, offer_id, actors["contributor"])
            assert (offer.title, offer.status, offer.commune_code) == (
                "Concert",
                "published",
                where.commune_code,
            )
            assert offer.timings[0].begin_at == NOW
    finally:
        second.dispose()


@pytest.mark.slow
def test_200_concurrent_posts_all_persist_with_distinct_ids(
    store: Store, coverage: Coverage
) -> None:
    actors = _users(store)
    where = resolve_location(coverage, commune_code=NEVERS)
    ids: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def post(n: int) -> None:
        try:
            with store.write() as session:
                offer_id = create_offer(
                    session, actors["contributor"], _event(f"post {n}", NOW), where
                ).offer_id
            with lock:
                ids.append(offer_id)
        except BaseException as e:  # collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(ids)) == 200
    with store.read() as session:
        assert session.query(Offer).count() == 200
        assert session.query(ModerationEvent).count() == 200
