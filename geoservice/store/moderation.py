"""Moderation: the one state machine that decides every change of a posted offer's status.

:data:`TRANSITIONS` maps (state, role, action) to the new state; a combination missing from
it is refused (:func:`decide` raises the error to answer). Nothing else in the code base
decides a status: creating, editing (content or status), cancelling, deleting and the
moderators' decisions all go through :func:`decide`.

States
    ``draft``, ``pending``, ``published``, ``rejected`` are the stored statuses.
    A cancelled offer is in one of two states, told apart by ``published_at``:
    ``cancelled_public`` (cancelled while published: listed, marked cancelled, so that
    calendars learn of it) and ``cancelled_private`` (cancelled before any approval, after
    a rejection, or whose content changed since its approval: hidden).

``published_at`` is set while the current content is public (``published`` or
``cancelled_public``) and cleared in every other state: an approved offer whose content a
contributor edits is hidden until a moderator approves it again. Its last approved content
is kept for the moderators only (:mod:`geoservice.store.approved_version`): the public sees
neither the edited nor the old text until the edit is approved.

Rules, in words
    - Anonymous and contributor posts wait for a moderator (``pending``); organisations and
      moderators publish their own new posts directly.
    - A contributor's content edit of a published (or cancelled-while-published) offer
      hides it until approved again; an organisation's edit of its published offer stays
      published (organisations publish directly).
    - Only a moderator publishes what is ``pending``, ``rejected`` or ``cancelled_private``:
      an organisation's direct publishing applies to its own drafts and to un-cancelling an
      offer that was public when cancelled. Un-cancelling follows the rules of publishing.
    - Nobody but a moderator turns a ``pending``, ``rejected`` or ``cancelled_private`` offer
      into a draft (a draft of an organisation may be published directly, so that would
      launder a rejection).
    - Cancelling and deleting one's own offer are always allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from geoservice.errors import (
    AuthenticationError,
    ConflictError,
    InvalidParameterError,
    PermissionDeniedError,
)

NEW = "new"
DRAFT = "draft"
PENDING = "pending"
PUBLISHED = "published"
REJECTED = "rejected"
CANCELLED_PUBLIC = "cancelled_public"
CANCELLED_PRIVATE = "cancelled_private"
DELETED = "deleted"

#: Every state of a stored (not deleted) offer.
STATES: tuple[str, ...] = (
    DRAFT,
    PENDING,
    PUBLISHED,
    REJECTED,
    CANCELLED_PUBLIC,
    CANCELLED_PRIVATE,
)
#: States whose offer everybody sees (the search, exports, calendar, rankings, the page).
PUBLIC_STATES: frozenset[str] = frozenset({PUBLISHED, CANCELLED_PUBLIC})
ROLES: tuple[str, ...] = ("anonymous", "contributor", "organisation", "moderator")

#: Actions: creating (from ``new``), a content edit, asking for a status with PATCH,
#: a moderator's decision, deleting.
CREATE_ACTIONS: tuple[str, ...] = ("create", "create_draft")
SET_ACTIONS: dict[str, str] = {
    "draft": "set_draft",
    "pending": "set_pending",
    "published": "set_published",
    "rejected": "set_rejected",
    "cancelled": "set_cancelled",
}
DECISION_ACTIONS: dict[str, str] = {"approve": "approve", "reject": "reject"}
ACTIONS: tuple[str, ...] = (
    *CREATE_ACTIONS,
    "edit",
    *SET_ACTIONS.values(),
    *DECISION_ACTIONS.values(),
    "delete",
)

# Own offers of contributors: nothing they do makes content public.
_CONTRIBUTOR: dict[str, dict[str, str]] = {
    NEW: {"create": PENDING, "create_draft": DRAFT},
    DRAFT: {"edit": DRAFT, "set_pending": PENDING, "set_cancelled": CANCELLED_PRIVATE},
    PENDING: {"edit": PENDING, "set_cancelled": CANCELLED_PRIVATE},
    PUBLISHED: {
        "edit": PENDING,
        "set_draft": DRAFT,
        "set_pending": PENDING,
        "set_cancelled": CANCELLED_PUBLIC,
    },
    REJECTED: {"edit": PENDING, "set_pending": PENDING, "set_cancelled": CANCELLED_PRIVATE},
    CANCELLED_PUBLIC: {"edit": CANCELLED_PRIVATE, "set_draft": DRAFT, "set_pending": PENDING},
    CANCELLED_PRIVATE: {"edit": CANCELLED_PRIVATE, "set_pending": PENDING},
}
# Organisations: as contributors, but they publish their own drafts, keep their published
# offers public when editing them, and un-cancel what was public when cancelled.
_ORGANISATION: dict[str, dict[str, str]] = {
    NEW: {"create": PUBLISHED, "create_draft": DRAFT},
    DRAFT: {**_CONTRIBUTOR[DRAFT], "set_published": PUBLISHED},
    PENDING: _CONTRIBUTOR[PENDING],
    PUBLISHED: {**_CONTRIBUTOR[PUBLISHED], "edit": PUBLISHED},
    REJECTED: _CONTRIBUTOR[REJECTED],
    CANCELLED_PUBLIC: {
        **_CONTRIBUTOR[CANCELLED_PUBLIC],
        "edit": CANCELLED_PUBLIC,
        "set_published": PUBLISHED,
    },
    CANCELLED_PRIVATE: _CONTRIBUTOR[CANCELLED_PRIVATE],
}
_APPROVABLE = frozenset({PENDING, REJECTED})
_REJECTABLE = frozenset({PENDING, PUBLISHED})


def _moderator_row(state: str) -> dict[str, str]:
    """A moderator sets any status; cancelling keeps an offer public only if it was."""
    cancelled = CANCELLED_PUBLIC if state in PUBLIC_STATES else CANCELLED_PRIVATE
    row = {
        "edit": state,
        "set_draft": DRAFT,
        "set_pending": PENDING,
        "set_published": PUBLISHED,
        "set_rejected": REJECTED,
        "set_cancelled": cancelled,
    }
    if state in _APPROVABLE:
        row["approve"] = PUBLISHED
    if state in _REJECTABLE:
        row["reject"] = REJECTED
    return row


def _stored_status(state: str) -> str:
    return "cancelled" if state in {CANCELLED_PUBLIC, CANCELLED_PRIVATE} else state


def _with_common_rules(rows: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Asking for the status one already has changes nothing; the author may delete."""
    out = {}
    for state, row in rows.items():
        row = dict(row)
        if state != NEW:
            row.setdefault(SET_ACTIONS[_stored_status(state)], state)
            row["delete"] = DELETED
        out[state] = row
    return out


_MODERATOR = {
    NEW: {"create": PUBLISHED, "create_draft": DRAFT},
    **{state: _moderator_row(state) for state in STATES},
}
_ANONYMOUS = {NEW: {"create": PENDING}}

#: (state, role, action) → new state. The only place where a transition is decided.
TRANSITIONS: dict[tuple[str, str, str], str] = {
    (state, role, action): target
    for role, rows in (
        ("anonymous", _ANONYMOUS),
        ("contributor", _with_common_rules(_CONTRIBUTOR)),
        ("organisation", _with_common_rules(_ORGANISATION)),
        ("moderator", _with_common_rules(_MODERATOR)),
    )
    for state, row in rows.items()
    for action, target in row.items()
}


def decide(state: str, role: str, action: str, *, subject: str = "offer") -> str:
    """The state after `role` does `action` on an offer in `state`, or the refusal.

    The caller has already checked that the actor is the offer's author or a moderator.
    Projects go through the same table; `subject` (``offer`` or ``project``) only names
    the thing in the refusals.

    Raises
    ------
    AuthenticationError
        An anonymous caller asks for anything but posting (401).
    InvalidParameterError
        An anonymous caller asks for a draft (400, field ``status``).
    PermissionDeniedError
        The role may not do that in this state (403).
    ConflictError
        A moderator's decision does not apply to this state (409).
    """
    target = TRANSITIONS.get((state, role, action))
    if target is not None:
        return target
    if role == "anonymous":
        if action == "create_draft":
            msg = "anonymous posts cannot be drafts: nobody could submit them later"
            raise InvalidParameterError("status", msg, allowed=["pending"])
        raise AuthenticationError("this needs an API token (Authorization: Bearer TOKEN)")
    if action in DECISION_ACTIONS.values():
        if role != "moderator":
            raise PermissionDeniedError(f"only moderators approve or reject {subject}s")
        applies = _APPROVABLE if action == "approve" else _REJECTABLE
        msg = f"cannot {action} {_article(subject)} whose status is {_stored_status(state)!r}"
        raise ConflictError(f"{msg}; applies to: {', '.join(sorted(applies))}")
    if action.startswith("set_"):
        wanted = action.removeprefix("set_")
        allowed = {
            a.removeprefix("set_")
            for (s, r, a) in TRANSITIONS
            if s == state and r == role and a.startswith("set_")
        }
        msg = f"a {role} may not set status {wanted!r} on a {state.replace('_', ' ')} {subject}"
        raise PermissionDeniedError(f"{msg}; allowed: {', '.join(sorted(allowed))}")
    raise PermissionDeniedError(f"a {role} may not {action} a {state.replace('_', ' ')} {subject}")


def _article(subject: str) -> str:
    return f"an {subject}" if subject[0] in "aeiou" else f"a {subject}"


def state_of(status: str, published_at: datetime | None) -> str:
    """The machine state of a stored offer (its status, and ``published_at`` when cancelled)."""
    if status == "cancelled":
        return CANCELLED_PUBLIC if published_at is not None else CANCELLED_PRIVATE
    return status


@dataclass(frozen=True)
class Stored:
    """How a state is stored: the ``status`` column, and whether ``published_at`` is set."""

    status: str
    public: bool

    def published_at(self, current: datetime | None, now: datetime) -> datetime | None:
        """``published_at`` after entering this state: kept while public (the first
        publication's time), set to `now` on becoming public, cleared when not public."""
        if not self.public:
            return None
        return now if current is None else current


def stored(state: str) -> Stored:
    """The column values of `state`."""
    return Stored(status=_stored_status(state), public=state in PUBLIC_STATES)
