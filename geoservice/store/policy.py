"""Who makes a request, and who may touch an offer. Pure functions, no database.

- editing, cancelling or deleting an offer: its author or a moderator (401 anonymous,
  403 the others);
- which status an offer ends in after any of these: :mod:`geoservice.store.moderation`.
"""

from __future__ import annotations

from dataclasses import dataclass

from geoservice.errors import AuthenticationError, PermissionDeniedError

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Actor:
    """Who makes a request.

    Attributes
    ----------
    user_id
        Database id of the user; ``None`` for an anonymous caller.
    name
        User name, or ``anonymous``.
    role
        ``anonymous``, ``contributor``, ``organisation`` or ``moderator``.
    """

    user_id: int | None
    name: str
    role: str

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    @property
    def is_moderator(self) -> bool:
        return self.role == "moderator"


ANONYMOUS_ACTOR = Actor(user_id=None, name=ANONYMOUS, role=ANONYMOUS)


def require_user(actor: Actor, action: str) -> None:
    """Refuse `action` to anonymous callers (401)."""
    if actor.is_anonymous:
        raise AuthenticationError(f"{action} needs an API token (Authorization: Bearer TOKEN)")


def require_owner_or_moderator(actor: Actor, author_id: int | None, action: str) -> None:
    """Only the offer's author or a moderator may `action` it (401 anonymous, 403 others)."""
    require_user(actor, action)
    if actor.is_moderator:
        return
    if author_id is None or author_id != actor.user_id:
        raise PermissionDeniedError(f"only the offer's author or a moderator may {action} it")
