"""Users and API tokens.

A token is 32 random bytes (``secrets.token_urlsafe``), shown once; the database keeps only
its sha256. A fast unsalted hash is enough here, unlike for passwords: the secret has 256
bits of entropy, so neither a dictionary nor brute force can invert the hash, and a
leaked table gives nothing usable. Lookup is by hash through a unique index.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from geoservice.errors import AuthenticationError, ConflictError, InvalidParameterError
from geoservice.store.config import ROLES
from geoservice.store.models import ApiToken, User, utc_now
from geoservice.store.policy import Actor

TOKEN_PREFIX = "gs_"


def new_token() -> str:
    """A fresh random API token (``gs_`` + 43 URL-safe characters)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Hex sha256 of `token`."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(session: Session, name: str, role: str) -> tuple[User, str]:
    """Create user `name` with `role` and one API token; return both (the token in clear).

    Raises
    ------
    InvalidParameterError
        Unknown role or empty name.
    ConflictError
        A user of that name exists.
    """
    name = name.strip()
    if not name or len(name) > 80:
        raise InvalidParameterError("name", f"user name must be 1 to 80 characters: {name!r}")
    if role not in ROLES:
        raise InvalidParameterError("role", f"unknown role {role!r}", ROLES)
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise ConflictError(f"user {name!r} already exists")
    user = User(name=name, role=role, created_at=utc_now())
    session.add(user)
    session.flush()
    return user, issue_token(session, user)


def issue_token(session: Session, user: User) -> str:
    """A new token for `user` (earlier ones stay valid); returned in clear, stored hashed."""
    token = new_token()
    session.add(ApiToken(user_id=user.id, token_sha256=hash_token(token), created_at=utc_now()))
    session.flush()
    return token


def revoke_tokens(session: Session, user: User) -> int:
    """Revoke every active token of `user`; return how many."""
    now = utc_now()
    count = 0
    for token in user.tokens:
        if token.revoked_at is None:
            token.revoked_at = now
            count += 1
    return count


def find_user(session: Session, name: str) -> User:
    """The user called `name`."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise InvalidParameterError("name", f"no user {name!r}")
    return user


def actor_from_token(session: Session, token: str) -> Actor:
    """The :class:`Actor` a bearer token belongs to (401 when unknown or revoked)."""
    row = session.execute(
        select(User.id, User.name, User.role)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_sha256 == hash_token(token), ApiToken.revoked_at.is_(None))
    ).one_or_none()
    if row is None:
        raise AuthenticationError("unknown or revoked API token")
    return Actor(user_id=row.id, name=row.name, role=row.role)
