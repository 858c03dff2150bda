"""Who may do what to an offer, and which status it ends in. Pure functions, no database.

- create: anonymous → pending (rate-limited); contributor → pending; organisation and
  moderator → published; any registered user may keep a draft.
- edit or delete one's own offer: any registered user (a contributor's edit of a published
  or rejected offer sends it back to pending); anonymous callers never (401).
- edit or delete another's offer: moderators only (403 for the others).
- approve / reject: moderators only.
"""

from __future__ import annotations

from dataclasses import dataclass

from geoservice.errors import (
    AuthenticationError,
    ConflictError,
    InvalidParameterError,
    PermissionDeniedError,
)
from geoservice.store.config import STATUSES

ANONYMOUS = "anonymous"

#: Statuses an offer's owner may ask for with PATCH, per role.
OWNER_STATUSES: dict[str, frozenset[str]] = {
    "contributor": frozenset({"draft", "pending", "cancelled"}),
    "organisation": frozenset({"draft", "published", "cancelled"}),
    "moderator": frozenset(STATUSES),
}

#: Moderation decisions: decision → (statuses it applies to, resulting status).
DECISIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({"pending", "rejected"}), "published"),
    "reject": (frozenset({"pending", "published"}), "rejected"),
}


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


def status_on_create(actor: Actor, *, draft: bool) -> str:
    """Status of a new offer posted by `actor`; `draft` keeps it unsubmitted."""
    if actor.is_anonymous:
        if draft:
            msg = "anonymous posts cannot be drafts: nobody could submit them later"
            raise InvalidParameterError("status", msg, allowed=["pending"])
        return "pending"
    if draft:
        return "draft"
    return "pending" if actor.role == "contributor" else "published"


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


def status_after_edit(actor: Actor, current: str, requested: str | None) -> str:
    """Status after `actor` (the owner or a moderator) edits an offer.

    Parameters
    ----------
    current
        The offer's status before the edit.
    requested
        The status asked for in the edit, ``None`` when only content changes.
    """
    if requested is None:
        if actor.role == "contributor" and current in {"published", "rejected"}:
            return "pending"  # a contributor's change is moderated again
        return current
    if requested == current:
        return current
    allowed = OWNER_STATUSES.get(actor.role, frozenset())
    if requested not in allowed:
        msg = f"a {actor.role} may not set status {requested!r}"
        raise PermissionDeniedError(f"{msg}; allowed: {', '.join(sorted(allowed))}")
    if current == "rejected" and requested == "published" and not actor.is_moderator:
        raise PermissionDeniedError("a rejected offer is published again only by a moderator")
    return requested


def status_after_decision(current: str, decision: str) -> str:
    """Status after a moderator's `decision` (approve / reject) on an offer in `current`."""
    if decision not in DECISIONS:
        raise InvalidParameterError("decision", f"unknown decision {decision!r}", DECISIONS)
    applies_to, result = DECISIONS[decision]
    if current not in applies_to:
        msg = f"cannot {decision} an offer whose status is {current!r}"
        raise ConflictError(f"{msg}; applies to: {', '.join(sorted(applies_to))}")
    return result
