"""People's accounts: sign-up, sign-in sessions, password reset, deletion.

Every secret handed out (session cookie, reset token) is 32 random bytes; the database keeps
only its sha256, as for API tokens (``store/auth.py``). The CSRF token of a session is an HMAC
of the session secret, so it needs no storage and is worthless without the cookie.
Messages are in French: the page shows them to people.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geoservice.errors import ConflictError, InvalidParameterError
from geoservice.store.account_config import PASSWORD_MAX_LENGTH, AccountsConfig
from geoservice.store.account_models import AccountCredentials, AccountSession, PasswordReset
from geoservice.store.auth import hash_token
from geoservice.store.models import User, utc_now
from geoservice.store.passwords import hash_password, needs_rehash, verify_password
from geoservice.store.policy import Actor

#: Deliberately loose: one ``@``, a dot in the domain, no spaces; the reset e-mail proves it.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMAIL_MAX_LENGTH = 254
DISPLAY_NAME_LENGTHS = (2, 80)
#: The CSRF token is HMAC-SHA256(session secret, this label).
_CSRF_LABEL = b"geoservice csrf v1"
EMAIL_TAKEN = "un compte existe déjà avec cette adresse électronique"


@dataclass(frozen=True)
class SignedIn:
    """A new session: the account and the cookie secret (in clear, given once)."""

    user: User
    session_token: str
    expires_at: datetime


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(c) in {"Cc", "Cf", "Cs", "Co"} for c in text)


def normalise_email(email: Any) -> str:
    """`email` stripped and lower-cased (accounts compare addresses case-insensitively)."""
    text = str(email).strip().lower() if isinstance(email, str) else ""
    if not text or len(text) > EMAIL_MAX_LENGTH or not _EMAIL.match(text):
        raise InvalidParameterError("email", "adresse électronique invalide")
    if _has_control_characters(text):
        raise InvalidParameterError("email", "adresse électronique invalide")
    return text


def check_password(password: Any, config: AccountsConfig, email: str = "") -> str:
    """`password` when it follows the policy: ``password_min_length`` to 128 characters, not
    the e-mail address itself."""
    if not isinstance(password, str):
        raise InvalidParameterError("password", "mot de passe manquant")
    if len(password) < config.password_min_length:
        msg = f"mot de passe trop court : au moins {config.password_min_length} caractères"
        raise InvalidParameterError("password", msg)
    if len(password) > PASSWORD_MAX_LENGTH:
        msg = f"mot de passe trop long : au plus {PASSWORD_MAX_LENGTH} caractères"
        raise InvalidParameterError("password", msg)
    if "\x00" in password:
        raise InvalidParameterError("password", "le mot de passe contient un caractère nul")
    if email and password.strip().lower() == email:
        msg = "le mot de passe ne peut pas être l'adresse électronique"
        raise InvalidParameterError("password", msg)
    return password


def check_display_name(name: Any) -> str:
    """`name` stripped: 2 to 80 characters, no control characters."""
    text = " ".join(name.split()) if isinstance(name, str) else ""
    low, high = DISPLAY_NAME_LENGTHS
    if not low <= len(text) <= high or _has_control_characters(text):
        msg = f"le nom affiché doit compter de {low} à {high} caractères imprimables"
        raise InvalidParameterError("display_name", msg)
    return text


@dataclass(frozen=True)
class NewAccount:
    """Checked sign-up fields, the password already hashed."""

    email: str
    display_name: str
    password_hash: str


def new_account(
    config: AccountsConfig, *, email: Any, password: Any, display_name: Any
) -> NewAccount:
    """Check the sign-up fields and hash the password.

    Hashing is slow on purpose: call this outside a write transaction.

    Raises
    ------
    InvalidParameterError
        Bad e-mail, password (see :func:`check_password`) or display name.
    """
    address = normalise_email(email)
    name = check_display_name(display_name)
    checked = check_password(password, config, address)
    return NewAccount(address, name, hash_password(config.argon2, checked))


def create_account(session: Session, account: NewAccount) -> User:
    """A new contributor account.

    Raises
    ------
    ConflictError
        The e-mail address has an account, or the display name is taken (case ignored): the
        display name is public (it signs the offers), so no two people share one.
    """
    taken = select(AccountCredentials.user_id).where(AccountCredentials.email == account.email)
    if session.scalar(taken) is not None:
        raise ConflictError(EMAIL_TAKEN)
    same_name = select(User.id).where(func.lower(User.name) == account.display_name.lower())
    if session.scalar(same_name) is not None:
        raise ConflictError("ce nom affiché est déjà pris : choisissez-en un autre")
    now = utc_now()
    user = User(name=account.display_name, role="contributor", created_at=now)
    try:
        session.add(user)
        session.flush()
        session.add(
            AccountCredentials(
                user_id=user.id,
                email=account.email,
                password_hash=account.password_hash,
                created_at=now,
                password_changed_at=now,
            )
        )
        session.flush()
    except IntegrityError as e:  # the same address or name, signed up at the same moment
        raise ConflictError(EMAIL_TAKEN) from e
    return user


def credentials_of(session: Session, user_id: int) -> AccountCredentials | None:
    """The sign-in credentials of user `user_id` (``None`` for a CLI-made user)."""
    return session.get(AccountCredentials, user_id)


def authenticate(
    session: Session, config: AccountsConfig, email: Any, password: Any
) -> User | None:
    """The account whose e-mail and password these are, else ``None`` (same time either way).

    Only reads: verify in a read session, outside any write transaction (it is slow).
    """
    try:
        address = normalise_email(email)
    except InvalidParameterError:
        address = ""
    given = password if isinstance(password, str) and len(password) <= PASSWORD_MAX_LENGTH else ""
    credentials = session.scalar(
        select(AccountCredentials).where(AccountCredentials.email == address)
    )
    stored = credentials.password_hash if credentials is not None else None
    if not verify_password(config.argon2, stored, given) or credentials is None:
        return None
    return session.get(User, credentials.user_id)


def upgrade_password_hash(
    session: Session, config: AccountsConfig, user_id: int, password: str
) -> bool:
    """Re-hash the (just verified) `password` of `user_id` when its stored hash was made with
    other argon2 parameters than the current ones; whether it did."""
    credentials = session.get(AccountCredentials, user_id)
    if credentials is None or not needs_rehash(config.argon2, credentials.password_hash):
        return False
    credentials.password_hash = hash_password(config.argon2, password)
    return True


def open_session(session: Session, config: AccountsConfig, user: User) -> SignedIn:
    """A new session for `user`; expired sessions of every account are purged meanwhile."""
    now = utc_now()
    session.execute(delete(AccountSession).where(AccountSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(days=config.session_days)
    session.add(
        AccountSession(
            user_id=user.id, token_sha256=hash_token(token), created_at=now, expires_at=expires_at
        )
    )
    session.flush()
    return SignedIn(user=user, session_token=token, expires_at=expires_at)


def actor_from_session(session: Session, token: str) -> Actor | None:
    """The :class:`Actor` of a live session cookie, ``None`` when unknown or expired."""
    row = session.execute(
        select(User.id, User.name, User.role)
        .join(AccountSession, AccountSession.user_id == User.id)
        .where(AccountSession.token_sha256 == hash_token(token))
        .where(AccountSession.expires_at > utc_now())
    ).one_or_none()
    if row is None:
        return None
    return Actor(user_id=row.id, name=row.name, role=row.role)


def close_session(session: Session, token: str) -> bool:
    """End the session of cookie secret `token`; whether there was one."""
    result = session.execute(
        delete(AccountSession).where(AccountSession.token_sha256 == hash_token(token))
    )
    return bool(getattr(result, "rowcount", 0))


def csrf_token_for(session_token: str) -> str:
    """The CSRF token that goes with session secret `session_token` (hex HMAC-SHA256)."""
    return hmac.new(session_token.encode("utf-8"), _CSRF_LABEL, hashlib.sha256).hexdigest()


def csrf_token_matches(session_token: str, given: str | None) -> bool:
    """`given` is the CSRF token of `session_token` (constant-time comparison)."""
    return given is not None and hmac.compare_digest(csrf_token_for(session_token), given)


def start_password_reset(
    session: Session, config: AccountsConfig, email: Any
) -> tuple[User, str] | None:
    """A one-time reset token for the account of `email` (``None`` when there is none)."""
    try:
        address = normalise_email(email)
    except InvalidParameterError:
        return None
    credentials = session.scalar(
        select(AccountCredentials).where(AccountCredentials.email == address)
    )
    if credentials is None:
        return None
    now = utc_now()
    session.execute(
        delete(PasswordReset).where(
            PasswordReset.user_id == credentials.user_id, PasswordReset.expires_at <= now
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            user_id=credentials.user_id,
            token_sha256=hash_token(token),
            created_at=now,
            expires_at=now + timedelta(minutes=config.reset_minutes),
        )
    )
    session.flush()
    user = session.get(User, credentials.user_id)
    if user is None:  # the foreign key makes this impossible; keeps the type checker sure
        return None
    return user, token


def finish_password_reset(
    session: Session, config: AccountsConfig, token: Any, new_password: Any
) -> User:
    """Set the password of the account `token` was sent to; the token, every other reset
    token and every session of the account stop working.

    Raises
    ------
    InvalidParameterError
        Unknown, used or expired token (field ``token``); or a bad new password.
    """
    now = utc_now()
    reset = None
    if isinstance(token, str) and 0 < len(token) <= 200:
        reset = session.scalar(
            select(PasswordReset).where(PasswordReset.token_sha256 == hash_token(token))
        )
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        msg = "lien de réinitialisation inconnu, déjà utilisé ou expiré : demandez-en un nouveau"
        raise InvalidParameterError("token", msg)
    credentials = session.get(AccountCredentials, reset.user_id)
    user = session.get(User, reset.user_id)
    if credentials is None or user is None:
        raise InvalidParameterError("token", "ce compte n'existe plus")
    credentials.password_hash = hash_password(
        config.argon2, check_password(new_password, config, credentials.email)
    )
    credentials.password_changed_at = now
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    session.execute(delete(AccountSession).where(AccountSession.user_id == user.id))
    session.flush()
    return user


def account_record(user: User, credentials: AccountCredentials | None) -> dict[str, Any]:
    """The account as ``GET /accounts/me`` shows it to its owner."""
    return {
        "id": user.id,
        "email": credentials.email if credentials is not None else None,
        "display_name": user.name,
        "role": user.role,
        "created_at": user.created_at,
    }
