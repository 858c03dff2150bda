"""Posted offers: create, edit, delete, moderate, read one. Every function takes a Session.

The caller owns the transaction (:meth:`~geoservice.store.db.Store.write`): an offer and its
moderation event are committed together or not at all. Deletion is soft (``deleted_at``)
so that the moderation history of a deleted offer is kept. Every status change is decided
by :func:`geoservice.store.moderation.decide`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from geoservice.errors import InvalidParameterError, NotFoundError, PermissionDeniedError
from geoservice.store.approved_version import remember_approved
from geoservice.store.location import ResolvedLocation
from geoservice.store.models import (
    OFFER_ID_PREFIX,
    ModerationEvent,
    Offer,
    OfferTheme,
    OfferTiming,
    utc_now,
)
from geoservice.store.moderation import (
    DELETED,
    NEW,
    PUBLIC_STATES,
    SET_ACTIONS,
    decide,
    state_of,
    stored,
)
from geoservice.store.policy import Actor, require_owner_or_moderator, require_user
from geoservice.store.search import search_text_of

#: Fields copied as given from a validated payload onto an :class:`Offer`.
CONTENT_FIELDS: tuple[str, ...] = (
    "kind",
    "title",
    "description",
    "organiser",
    "location_name",
    "address",
    "accessibility",
    "age_min",
    "age_max",
    "free",
    "price_eur",
    "conditions",
    "registration",
    "attendance_mode",
    "online_url",
    "url",
    "image_url",
)


def row_id_from_offer_id(offer_id: str) -> int:
    """``"user:12"`` → 12; anything else is not a posted offer (404)."""
    if offer_id.startswith(OFFER_ID_PREFIX):
        number = offer_id[len(OFFER_ID_PREFIX) :]
        if number.isascii() and number.isdigit() and len(number) < 12:
            return int(number)
    raise NotFoundError(f"no posted offer {offer_id!r}")


def offer_state(offer: Offer) -> str:
    """The moderation state of `offer` (see :mod:`geoservice.store.moderation`)."""
    return state_of(offer.status, offer.published_at)


def is_public(offer: Offer) -> bool:
    """Whether everybody may see `offer`."""
    return offer.deleted_at is None and offer_state(offer) in PUBLIC_STATES


def _record_event(
    session: Session,
    offer: Offer,
    actor: Actor,
    from_status: str | None,
    to_status: str,
    now: datetime,
    reason: str | None = None,
) -> None:
    session.add(
        ModerationEvent(
            offer_id=offer.id,
            actor_id=actor.user_id,
            actor_name=actor.name,
            actor_role=actor.role,
            at=now,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
        )
    )


def _enter_state(
    session: Session,
    offer: Offer,
    actor: Actor,
    state: str,
    now: datetime,
    reason: str | None = None,
) -> None:
    """Store `state` on `offer` (status and ``published_at``) and record the change."""
    columns = stored(state)
    if columns.status != offer.status:
        _record_event(session, offer, actor, offer.status, columns.status, now, reason)
        offer.status = columns.status
    offer.published_at = columns.published_at(offer.published_at, now)
    if columns.public:
        remember_approved(offer, now)


def _apply_content(
    offer: Offer, data: Mapping[str, Any], location: ResolvedLocation | None
) -> None:
    for name in CONTENT_FIELDS:
        if name in data:
            setattr(offer, name, data[name])
    if location is not None:
        offer.lon, offer.lat = location.lon, location.lat
        offer.commune_code, offer.located_by = location.commune_code, location.located_by
    if "themes" in data:
        wanted = sorted(set(data["themes"]))
        kept = [row for row in offer.theme_rows if row.theme in wanted]
        have = {row.theme for row in kept}
        offer.theme_rows = kept + [OfferTheme(theme=t) for t in wanted if t not in have]
    if "timings" in data:
        offer.timings = [
            OfferTiming(begin_at=t["begin"], end_at=t["end"])
            for t in sorted(data["timings"], key=lambda t: (t["begin"], t["end"]))
        ]
    offer.search_text = search_text_of(offer)


def create_offer(
    session: Session,
    actor: Actor,
    data: Mapping[str, Any],
    location: ResolvedLocation,
    *,
    now: datetime | None = None,
) -> Offer:
    """Insert a new offer from a validated payload; its status follows the actor's role.

    ``data["status"] == "draft"`` keeps it unsubmitted; otherwise the state machine decides
    (``pending`` for anonymous callers and contributors, ``published`` for the others).
    """
    now = now or utc_now()
    action = "create_draft" if data.get("status") == "draft" else "create"
    state = decide(NEW, actor.role, action)
    columns = stored(state)
    offer = Offer(
        status=columns.status,
        author_id=actor.user_id,
        created_at=now,
        updated_at=now,
        published_at=now if columns.public else None,
        accessibility={},
        registration=[],
        description="",
        attendance_mode="on_site",
    )
    _apply_content(offer, data, location)
    session.add(offer)
    session.flush()  # assigns offer.id
    _record_event(session, offer, actor, None, columns.status, now)
    if columns.public:
        remember_approved(offer, now)
    return offer


def _live_offer(session: Session, offer_id: str) -> Offer:
    offer = session.get(Offer, row_id_from_offer_id(offer_id))
    if offer is None or offer.deleted_at is not None:
        raise NotFoundError(f"no posted offer {offer_id!r}")
    return offer


def can_see(actor: Actor, offer: Offer) -> bool:
    """Public offers: everybody; the others: their author and moderators."""
    if is_public(offer):
        return True
    return actor.is_moderator or (actor.user_id is not None and actor.user_id == offer.author_id)


def get_offer(session: Session, offer_id: str, actor: Actor) -> Offer:
    """The offer `offer_id` if `actor` may see it (:func:`can_see`); 404 otherwise, so that
    hidden offers do not leak."""
    offer = _live_offer(session, offer_id)
    if not can_see(actor, offer):
        raise NotFoundError(f"no posted offer {offer_id!r}")
    return offer


def update_offer(
    session: Session,
    actor: Actor,
    offer_id: str,
    changes: Mapping[str, Any],
    location: ResolvedLocation | None,
    *,
    now: datetime | None = None,
) -> Offer:
    """Apply a validated partial payload; only the author or a moderator may.

    A requested ``status`` equal to the current one changes nothing; another one is a
    status change decided first, then a content change (any other field) is decided from
    the state it led to. Both go through the state machine; nothing is written when either
    is refused.
    """
    now = now or utc_now()
    require_user(actor, "editing an offer")
    offer = get_offer(session, offer_id, actor)
    require_owner_or_moderator(actor, offer.author_id, "edit")
    content = {k: v for k, v in changes.items() if k not in {"status", "reason"}}
    content_changed = location is not None or bool(content)
    requested = changes.get("status")
    reason = changes.get("reason")
    state = offer_state(offer)
    if requested is not None and requested != offer.status:
        if requested not in SET_ACTIONS:
            raise InvalidParameterError("status", f"unknown status {requested!r}", SET_ACTIONS)
        state = decide(state, actor.role, SET_ACTIONS[requested])
        if requested == "rejected" and not (reason and reason.strip()):
            raise InvalidParameterError("reason", "rejecting an offer needs a reason")
    if content_changed:
        state = decide(state, actor.role, "edit")
    elif state == offer_state(offer):
        return offer
    if is_public(offer) and offer.approved_content is None:
        # Public before versions were kept: what the public sees now is the approved version.
        remember_approved(offer, offer.published_at or now)
    _apply_content(offer, content, location)
    offer.updated_at = now
    _enter_state(session, offer, actor, state, now, reason)
    return offer


def delete_offer(
    session: Session, actor: Actor, offer_id: str, *, now: datetime | None = None
) -> None:
    """Soft-delete an offer (author or moderator); the deletion is a moderation event."""
    now = now or utc_now()
    require_user(actor, "deleting an offer")
    offer = get_offer(session, offer_id, actor)
    require_owner_or_moderator(actor, offer.author_id, "delete")
    decide(offer_state(offer), actor.role, "delete")
    _record_event(session, offer, actor, offer.status, DELETED, now)
    offer.deleted_at = now
    offer.updated_at = now


def moderate_offer(
    session: Session,
    actor: Actor,
    offer_id: str,
    decision: str,
    reason: str | None,
    *,
    now: datetime | None = None,
) -> Offer:
    """A moderator approves (→ published) or rejects (→ rejected, reason required)."""
    now = now or utc_now()
    require_user(actor, "moderation")
    if not actor.is_moderator:
        raise PermissionDeniedError("only moderators approve or reject offers")
    offer = _live_offer(session, offer_id)
    if decision not in {"approve", "reject"}:
        raise InvalidParameterError(
            "decision", f"unknown decision {decision!r}", ["approve", "reject"]
        )
    state = decide(offer_state(offer), actor.role, decision)
    if decision == "reject" and not (reason and reason.strip()):
        raise InvalidParameterError("reason", "rejecting an offer needs a reason")
    _enter_state(session, offer, actor, state, now, reason)
    offer.updated_at = now
    return offer


def offer_history(session: Session, offer: Offer) -> list[ModerationEvent]:
    """The moderation events of `offer`, oldest first."""
    return list(
        session.scalars(
            select(ModerationEvent)
            .where(ModerationEvent.offer_id == offer.id)
            .order_by(ModerationEvent.at, ModerationEvent.id)
        )
    )


def moderation_queue(
    session: Session, actor: Actor, *, limit: int, offset: int = 0
) -> tuple[list[Offer], int]:
    """Pending offers, oldest first (moderators only); and how many there are."""
    require_user(actor, "the moderation queue")
    if not actor.is_moderator:
        raise PermissionDeniedError("only moderators see the moderation queue")
    where = and_(Offer.status == "pending", Offer.deleted_at.is_(None))
    total = session.scalar(select(func.count()).select_from(Offer).where(where)) or 0
    rows = session.scalars(
        select(Offer).where(where).order_by(Offer.updated_at, Offer.id).limit(limit).offset(offset)
    )
    return list(rows), total
