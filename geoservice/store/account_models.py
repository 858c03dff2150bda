"""Tables of people's accounts: sign-in credentials, sessions and password-reset tokens.

An account is a row of ``users`` (its public display name is ``users.name``, its role
``users.role``) plus one row of ``account_credentials`` (e-mail and password hash). Users made
with ``geoservice users add`` have no credentials: they use API tokens only. Sessions and
reset tokens keep only the sha256 of their secret, like API tokens (see ``store/auth.py``).
Everything here is deleted with the user (``ON DELETE CASCADE``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from geoservice.store.models import Base, UtcDateTime, utc_now


class AccountCredentials(Base):
    """How a person signs in: e-mail (lower-cased, unique) and argon2id password hash."""

    __tablename__ = "account_credentials"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    #: Lower-cased on the way in, so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: argon2id PHC string (``$argon2id$v=19$m=...``), parameters included.
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    password_changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class AccountSession(Base):
    """A signed-in browser: the sha256 of its cookie's secret, and when it ends."""

    __tablename__ = "account_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class PasswordReset(Base):
    """A one-time password-reset token sent by e-mail: its sha256, expiry and use."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
