"""Accounts in the store, on SQLite and on a real PostgreSQL server: sign-up rules, password
hashing, sessions, password reset, self-service tokens, roles and account deletion."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from geoservice.errors import (
    AuthenticationError,
    ConflictError,
    InvalidParameterError,
    NotFoundError,
    PermissionDeniedError,
)
from geoservice.store.account_config import AccountsConfig, Argon2Params
from geoservice.store.account_deletion import DELETED_ACTOR_NAME, delete_account
from geoservice.store.account_models import AccountCredentials, AccountSession, PasswordReset
from geoservice.store.account_tokens import (
    create_own_token,
    list_own_tokens,
    revoke_own_token,
    set_role,
)
from geoservice.store.accounts import (
    actor_from_session,
    authenticate,
    close_session,
    create_account,
    csrf_token_for,
    csrf_token_matches,
    finish_password_reset,
    new_account,
    open_session,
    start_password_reset,
    upgrade_password_hash,
)
from geoservice.store.auth import actor_from_token, add_user
from geoservice.store.db import Store
from geoservice.store.location import Coverage, resolve_location
from geoservice.store.models import ApiToken, ModerationEvent, Offer, OfferTiming, User, utc_now
from geoservice.store.offers import create_offer
from geoservice.store.passwords import hash_password
from geoservice.store.policy import Actor

#: Cheap hashing for tests (the argon2id algorithm is the same; only the cost differs).
FAST = AccountsConfig(argon2=Argon2Params(time_cost=1, memory_kib=1024, parallelism=1))
PASSWORD = "correct horse battery"


def _account(store: Store, email: str = "Camille@Example.org", name: str = "Camille D.") -> int:
    account = new_account(FAST, email=email, password=PASSWORD, display_name=name)
    with store.write() as session:
        return create_account(session, account).id


def test_sign_up_stores_an_argon2id_hash_and_a_lower_case_email(store: Store) -> None:
    user_id = _account(store)
    with store.read() as session:
        user = session.get(User, user_id)
        credentials = session.get(AccountCredentials, user_id)
        assert user is not None
        assert credentials is not None
        assert (user.role, user.name) == ("contributor", "Camille D.")
        assert credentials.email == "camille@example.org"
        assert credentials.password_hash.startswith("$argon2id$")
        assert PASSWORD not in credentials.password_hash


@pytest.mark.parametrize(
    ("email", "name", "conflict"),
    [("CAMILLE@example.ORG", "Someone else", "adresse"), ("x@example.org", "camille d.", "nom")],
)
def test_duplicate_email_or_display_name_is_a_conflict(
    store: Store, email: str, name: str, conflict: str
) -> None:
    _account(store)
    account = new_account(FAST, email=email, password=PASSWORD, display_name=name)
    with pytest.raises(ConflictError, match=conflict), store.write() as session:
        create_account(session, account)


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("email", {"email": "not-an-address"}),
        ("email", {"email": "a b@example.org"}),
        ("password", {"password": "short"}),
        ("password", {"password": "x" * 129}),
        ("password", {"password": "camille@example.org"}),
        ("display_name", {"display_name": " "}),
        ("display_name", {"display_name": "bell\x07"}),
    ],
)
def test_sign_up_rules_name_the_field(field: str, changes: dict[str, str]) -> None:
    body = {"email": "camille@example.org", "password": PASSWORD, "display_name": "Camille"}
    with pytest.raises(InvalidParameterError) as caught:
        new_account(FAST, **{**body, **changes})
    assert caught.value.field == field


def test_authenticate_accepts_the_right_password_only(store: Store) -> None:
    user_id = _account(store)
    with store.write() as session:
        found = authenticate(session, FAST, " CAMILLE@example.org ", PASSWORD)
        assert found is not None
        assert found.id == user_id
        assert authenticate(session, FAST, "camille@example.org", PASSWORD + "!") is None
        assert authenticate(session, FAST, "nobody@example.org", PASSWORD) is None
        assert authenticate(session, FAST, 42, None) is None


def test_an_old_hash_is_upgraded_at_sign_in(store: Store) -> None:
    user_id = _account(store)
    old = Argon2Params(time_cost=2, memory_kib=2048, parallelism=1)
    with store.write() as session:
        credentials = session.get(AccountCredentials, user_id)
        assert credentials is not None
        credentials.password_hash = hash_password(old, PASSWORD)
    with store.write() as session:
        assert authenticate(session, FAST, "camille@example.org", PASSWORD) is not None
        assert upgrade_password_hash(session, FAST, user_id, PASSWORD)
        assert not upgrade_password_hash(session, FAST, user_id, PASSWORD)
    with store.read() as session:
        credentials = session.get(AccountCredentials, user_id)
        assert credentials is not None
        assert "m=1024,t=1,p=1" in credentials.password_hash
        assert authenticate(session, FAST, "camille@example.org", PASSWORD) is not None


def test_session_lifecycle_and_csrf_token(store: Store) -> None:
    user_id = _account(store)
    with store.write() as session:
        user = session.get(User, user_id)
        assert user is not None
        signed = open_session(session, FAST, user)
    with store.read() as session:
        actor = actor_from_session(session, signed.session_token)
        assert actor == Actor(user_id=user_id, name="Camille D.", role="contributor")
        assert actor_from_session(session, signed.session_token + "x") is None
        stored = session.scalar(select(AccountSession.token_sha256))
        assert stored is not None
        assert signed.session_token not in stored
    csrf = csrf_token_for(signed.session_token)
    assert csrf_token_matches(signed.session_token, csrf)
    flipped = csrf[:-1] + ("1" if csrf[-1] == "0" else "0")
    assert not csrf_token_matches(signed.session_token, flipped)
    assert not csrf_token_matches(signed.session_token, None)
    # Another token (its last character changed: never the same one, whatever it was).
    other = signed.session_token[:-1] + ("B" if signed.session_token.endswith("A") else "A")
    assert csrf != csrf_token_for(other)
    # Expired sessions no longer authenticate; closing one removes it.
    with store.write() as session:
        session.execute(update(AccountSession).values(expires_at=utc_now() - timedelta(seconds=1)))
    with store.read() as session:
        assert actor_from_session(session, signed.session_token) is None
    with store.write() as session:
        assert close_session(session, signed.session_token)
        assert not close_session(session, signed.session_token)


def test_password_reset_is_single_use_and_ends_sessions(store: Store) -> None:
    user_id = _account(store)
    with store.write() as session:
        assert start_password_reset(session, FAST, "nobody@example.org") is None
        user = session.get(User, user_id)
        assert user is not None
        signed = open_session(session, FAST, user)
        started = start_password_reset(session, FAST, "camille@EXAMPLE.org")
        assert started is not None
        token = started[1]
        stored = session.scalar(select(PasswordReset.token_sha256))
        assert stored is not None
        assert token not in stored
    with pytest.raises(InvalidParameterError) as bad, store.write() as session:
        finish_password_reset(session, FAST, token, "short")
    assert bad.value.field == "password"
    with store.write() as session:
        finish_password_reset(session, FAST, token, "a brand new passphrase")
    with store.write() as session:
        assert actor_from_session(session, signed.session_token) is None
        assert authenticate(session, FAST, "camille@example.org", PASSWORD) is None
        assert authenticate(session, FAST, "camille@example.org", "a brand new passphrase")
    with pytest.raises(InvalidParameterError) as again, store.write() as session:
        finish_password_reset(session, FAST, token, "yet another passphrase")
    assert again.value.field == "token"


def test_an_expired_reset_token_is_refused(store: Store) -> None:
    _account(store)
    with store.write() as session:
        started = start_password_reset(session, FAST, "camille@example.org")
        assert started is not None
        session.execute(update(PasswordReset).values(expires_at=utc_now() - timedelta(seconds=1)))
    with pytest.raises(InvalidParameterError, match="expiré"), store.write() as session:
        finish_password_reset(session, FAST, started[1], "a brand new passphrase")


def test_own_tokens_are_created_listed_and_revoked(store: Store) -> None:
    user_id = _account(store)
    other_id = _account(store, "bob@example.org", "Bob")
    with store.write() as session:
        row, token = create_own_token(session, user_id, "  import   agenda ")
        assert row.label == "import agenda"
    with store.read() as session:
        assert actor_from_token(session, token).user_id == user_id
        assert [t.id for t in list_own_tokens(session, user_id)] == [row.id]
        assert list_own_tokens(session, other_id) == []
    with pytest.raises(NotFoundError), store.write() as session:
        revoke_own_token(session, other_id, row.id)
    with store.write() as session:
        assert revoke_own_token(session, user_id, row.id).revoked_at is not None
    with pytest.raises(AuthenticationError), store.read() as session:
        actor_from_token(session, token)


def test_only_a_moderator_promotes_an_organisation(store: Store) -> None:
    user_id = _account(store)
    with store.write() as session:
        mod = add_user(session, "mod", "moderator")[0]
        moderator = Actor(user_id=mod.id, name="mod", role="moderator")
        contributor = Actor(user_id=user_id, name="Camille D.", role="contributor")
        with pytest.raises(PermissionDeniedError):
            set_role(session, contributor, user_id, "organisation")
        with pytest.raises(InvalidParameterError):
            set_role(session, moderator, user_id, "moderator")
        with pytest.raises(PermissionDeniedError):
            set_role(session, moderator, mod.id, "contributor")
        with pytest.raises(NotFoundError):
            set_role(session, moderator, user_id + 1000, "organisation")
        assert set_role(session, moderator, user_id, "organisation").role == "organisation"


def test_deleting_an_account_removes_its_personal_data(store: Store, coverage: Coverage) -> None:
    user_id = _account(store)
    where = resolve_location(coverage, commune_code="58194")
    author = Actor(user_id=user_id, name="Camille D.", role="contributor")
    with store.write() as session:
        user = session.get(User, user_id)
        assert user is not None
        open_session(session, FAST, user)
        assert start_password_reset(session, FAST, "camille@example.org") is not None
        create_own_token(session, user_id, "script")
        mod = add_user(session, "mod", "moderator")[0]
        ids = {}
        for title in ("public", "pending", "cancelled", "draft"):
            begin = utc_now() + timedelta(days=30)
            data = {"kind": "event", "title": title, "timings": [{"begin": begin, "end": begin}]}
            ids[title] = create_offer(session, author, data, where).id
        # Publication (and a moderator's event naming the author) set directly, so that the
        # test does not depend on the moderation rules.
        for title in ("public", "cancelled"):
            offer = session.get(Offer, ids[title])
            assert offer is not None
            offer.status, offer.published_at = ("published", utc_now())
        session.get(Offer, ids["cancelled"]).status = "cancelled"  # type: ignore[union-attr]
        session.add(
            ModerationEvent(
                offer_id=ids["public"],
                actor_id=user_id,
                actor_name="Camille D.",
                actor_role="contributor",
                at=utc_now(),
                to_status="published",
            )
        )
        session.add(
            ModerationEvent(
                offer_id=ids["public"],
                actor_id=mod.id,
                actor_name="mod",
                actor_role="moderator",
                at=utc_now(),
                to_status="published",
            )
        )
    with store.write() as session:
        summary = delete_account(session, user_id)
    assert (summary.offers_deleted, summary.offers_anonymised) == (2, 2)
    with store.read() as session:
        assert session.get(User, user_id) is None
        for table in (AccountCredentials, AccountSession, PasswordReset, ApiToken):
            count = select(func.count()).select_from(table).where(table.user_id == user_id)
            assert session.scalar(count) == 0
        kept = {o.title: o for o in session.scalars(select(Offer))}
        assert set(kept) == {"public", "cancelled"}
        assert all(o.author_id is None for o in kept.values())
        names = set(session.scalars(select(ModerationEvent.actor_name)))
        assert "Camille D." not in names
        assert DELETED_ACTOR_NAME in names
        assert "mod" in names
        # The deleted offers' timings went with them.
        timings = set(session.scalars(select(OfferTiming.offer_id)))
        assert timings == {ids["public"], ids["cancelled"]}
    with pytest.raises(NotFoundError), store.write() as session:
        delete_account(session, user_id)
