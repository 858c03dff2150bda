"""The last approved version of a posted offer, kept to show moderators what an edit changed.

When a contributor edits an offer that was public, the state machine sends it back to
moderation and hides it (:mod:`geoservice.store.moderation`): the public sees neither the
edited text nor the old one until a moderator approves the edit. The content that was
public is kept here, in ``offers.approved_content``, so that the moderation queue shows the
edit field by field (:func:`changes_since_approval`). It is never served to the public.

The kept version is refreshed every time an offer's content is public after a write
(approval, a moderator's or an organisation's edit of a published offer), in
:func:`remember_approved`, called by the store after every write that leaves the offer
public (by the state machine's rules, such content is approved or published by a role that
publishes directly).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from geoservice.store.models import Offer
from geoservice.store.records import offer_to_record

#: Fields compared between the approved and the current version, in the order shown.
VERSIONED_FIELDS: tuple[str, ...] = (
    "kind",
    "title",
    "description",
    "themes",
    "timings",
    "commune_code",
    "located_by",
    "lon",
    "lat",
    "location_name",
    "address",
    "organiser",
    "free",
    "price_eur",
    "conditions",
    "age_min",
    "age_max",
    "accessibility",
    "registration",
    "attendance_mode",
    "online_url",
    "url",
    "image_url",
)


def content_of(offer: Offer) -> dict[str, Any]:
    """The versioned fields of `offer` as JSON-ready values."""
    record = offer_to_record(offer)
    return {name: record[name] for name in VERSIONED_FIELDS}


def remember_approved(offer: Offer, now: datetime) -> None:
    """Keep the current content of `offer` as its approved version (time: `now`, unless the
    content is the one already kept)."""
    content = content_of(offer)
    kept = offer.approved_content
    if kept is not None and kept.get("content") == content:
        return
    offer.approved_content = {"approved_at": now.astimezone(UTC).isoformat(), "content": content}


def changes_since_approval(offer: Offer) -> dict[str, Any] | None:
    """What changed since the approved version: ``{"approved_at", "changes": [{"field",
    "before", "after"}, …]}``, or ``None`` when the offer was never approved (or was
    approved before versions were kept)."""
    kept = offer.approved_content
    if not kept:
        return None
    before = kept.get("content") or {}
    after = content_of(offer)
    changes = [
        {"field": name, "before": before.get(name), "after": after[name]}
        for name in VERSIONED_FIELDS
        if before.get(name) != after[name]
    ]
    return {"approved_at": kept.get("approved_at"), "changes": changes}
