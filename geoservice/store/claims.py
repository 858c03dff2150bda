"""Claims of imported agenda events by organisations.

An imported event (OpenAgenda, iCalendar; ids ``oa:…`` / ``ics:…``) belongs to no account.
An organisation claims it by asking for its own copy: a posted offer with the event's content
and origin link, created as a draft and sent at once to moderation (``pending``) with the
reason ``claim of <imported id>``. A moderator approves it like any post
(``POST /offers/user:{n}/moderation``); once it is published, the next
``geoservice data update --only agenda`` leaves the imported copy out (same title, first day
and commune as a posted offer), so the organisation's offer replaces it. No schema change: the
claim is the moderation event.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geoservice.errors import ConflictError, PermissionDeniedError
from geoservice.store.location import ResolvedLocation
from geoservice.store.models import ModerationEvent, Offer, utc_now
from geoservice.store.moderation import decide, state_of, stored
from geoservice.store.offers import create_offer
from geoservice.store.policy import Actor

CLAIM_PREFIX = "claim of "


def claim_reason(imported_id: str) -> str:
    """The moderation reason that records a claim of `imported_id`."""
    return f"{CLAIM_PREFIX}{imported_id}"


def open_claim(session: Session, imported_id: str) -> Offer | None:
    """The live posted offer that claimed `imported_id`, if any."""
    return session.scalars(
        select(Offer)
        .join(ModerationEvent, ModerationEvent.offer_id == Offer.id)
        .where(ModerationEvent.reason == claim_reason(imported_id))
        .where(Offer.deleted_at.is_(None))
        .where(Offer.status != "rejected")
    ).first()


def claim_imported_event(
    session: Session,
    actor: Actor,
    imported_id: str,
    data: Mapping[str, Any],
    location: ResolvedLocation,
    *,
    now: datetime | None = None,
) -> Offer:
    """Create `actor`'s pending copy of imported event `imported_id`.

    Raises
    ------
    PermissionDeniedError
        `actor` is not an organisation.
    ConflictError
        The event already has a live (pending or published) claim.
    """
    if actor.role != "organisation":
        raise PermissionDeniedError("only an organisation account may claim an imported event")
    if open_claim(session, imported_id) is not None:
        raise ConflictError(f"{imported_id} is already claimed (pending or published)")
    now = now or utc_now()
    offer = create_offer(session, actor, {**data, "status": "draft"}, location, now=now)
    # The copy waits for a moderator like any submission: the state machine decides.
    target = stored(decide(state_of(offer.status, offer.published_at), actor.role, "set_pending"))
    session.add(
        ModerationEvent(
            offer_id=offer.id,
            actor_id=actor.user_id,
            actor_name=actor.name,
            actor_role=actor.role,
            at=now,
            from_status=offer.status,
            to_status=target.status,
            reason=claim_reason(imported_id),
        )
    )
    offer.status = target.status
    return offer
