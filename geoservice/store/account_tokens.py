"""Self-service API tokens of an account, and role changes by moderators.

Tokens are made and stored as in ``store/auth.py`` (only the sha256 is kept; the token is
shown once). An account manages its own tokens only: another account's token id is "not
found", not "forbidden", so that ids do not leak.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geoservice.errors import (
    InvalidParameterError,
    LimitExceededError,
    NotFoundError,
    PermissionDeniedError,
)
from geoservice.store.auth import hash_token, new_token
from geoservice.store.models import ApiToken, User, utc_now
from geoservice.store.policy import Actor, require_user

#: Most active tokens per account.
MAX_ACTIVE_TOKENS = 20
#: Roles a moderator may give through the API (moderators are named with the CLI).
ASSIGNABLE_ROLES: tuple[str, ...] = ("contributor", "organisation")


def create_own_token(session: Session, user_id: int, label: str | None) -> tuple[ApiToken, str]:
    """A new API token of user `user_id`; returns the row and the token in clear."""
    label = " ".join(label.split()) if label else None
    if label is not None and len(label) > 80:
        raise InvalidParameterError("label", "libellé trop long : au plus 80 caractères")
    active = session.scalar(
        select(func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    )
    if int(active or 0) >= MAX_ACTIVE_TOKENS:
        msg = f"au plus {MAX_ACTIVE_TOKENS} jetons actifs par compte : révoquez-en un d'abord"
        raise LimitExceededError("label", msg)
    token = new_token()
    row = ApiToken(
        user_id=user_id, token_sha256=hash_token(token), label=label or None, created_at=utc_now()
    )
    session.add(row)
    session.flush()
    return row, token


def list_own_tokens(session: Session, user_id: int) -> list[ApiToken]:
    """Every token of user `user_id`, revoked ones included, newest first."""
    query = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
    return list(session.scalars(query))


def revoke_own_token(session: Session, user_id: int, token_id: int) -> ApiToken:
    """Revoke token `token_id` of user `user_id` (idempotent)."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user_id:
        raise NotFoundError(f"aucun jeton n° {token_id} dans ce compte")
    if row.revoked_at is None:
        row.revoked_at = utc_now()
    return row


def token_record(row: ApiToken) -> dict[str, object]:
    """A token as listed to its owner (never its value)."""
    return {
        "id": row.id,
        "label": row.label,
        "created_at": row.created_at,
        "revoked_at": row.revoked_at,
    }


def set_role(session: Session, actor: Actor, user_id: int, role: str) -> User:
    """Give user `user_id` the `role` (``contributor`` or ``organisation``); moderators only."""
    require_user(actor, "changer un rôle")
    if not actor.is_moderator:
        raise PermissionDeniedError("seul un modérateur peut changer le rôle d'un compte")
    if role not in ASSIGNABLE_ROLES:
        msg = f"rôle {role!r} impossible à attribuer ici"
        raise InvalidParameterError("role", msg, ASSIGNABLE_ROLES)
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"aucun compte n° {user_id}")
    if user.role == "moderator":
        msg = "le rôle d'un modérateur se change en ligne de commande (geoservice users)"
        raise PermissionDeniedError(msg)
    user.role = role
    session.flush()
    return user
