"""Posted offers: create, edit, delete, moderate, search. Every function takes a Session.

The caller owns the transaction (:meth:`~geoservice.store.db.Store.write`): an offer and its
moderation event are committed together or not at all. Deletion is soft (``deleted_at``)
so that the moderation history of a deleted offer is kept.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import shapely
from sqlalchemy import ColumnElement, Select, and_, exists, func, not_, or_, select, text
from sqlalchemy.orm import Session

from geoservice.core.offers import OFFER_COLUMNS
from geoservice.errors import InvalidParameterError, NotFoundError, PermissionDeniedError
from geoservice.store.location import ResolvedLocation
from geoservice.store.models import (
    OFFER_ID_PREFIX,
    ModerationEvent,
    Offer,
    OfferTheme,
    OfferTiming,
    utc_now,
)
from geoservice.store.policy import (
    Actor,
    require_owner_or_moderator,
    require_user,
    status_after_decision,
    status_after_edit,
    status_on_create,
)

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
WHEN_VALUES: tuple[str, ...] = ("upcoming", "current", "past")
#: Columns of the shared offers schema (``Runtime.offers``), geometry aside.
OFFERS_FRAME_COLUMNS: tuple[str, ...] = OFFER_COLUMNS
_WORD = re.compile(r"\w+")


def normalise_text(value: str) -> str:
    """Lower case without diacritics: ``"Église Saint-Étienne"`` → ``"eglise saint-etienne"``."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_text_of(offer: Offer) -> str:
    """The text the full-text index sees: title, organiser, place, description."""
    parts = [offer.title, offer.organiser, offer.location_name, offer.address, offer.description]
    return normalise_text(" ".join(p for p in parts if p))


def row_id_from_offer_id(offer_id: str) -> int:
    """``"user:12"`` → 12; anything else is not a posted offer (404)."""
    if offer_id.startswith(OFFER_ID_PREFIX):
        number = offer_id[len(OFFER_ID_PREFIX) :]
        if number.isascii() and number.isdigit() and len(number) < 12:
            return int(number)
    raise NotFoundError(f"no posted offer {offer_id!r}")


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


def _set_status(
    session: Session,
    offer: Offer,
    actor: Actor,
    status: str,
    now: datetime,
    reason: str | None = None,
) -> None:
    if status == offer.status:
        return
    _record_event(session, offer, actor, offer.status, status, now, reason)
    offer.status = status
    if status == "published" and offer.published_at is None:
        offer.published_at = now


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

    ``data["status"] == "draft"`` keeps it unsubmitted; any other status is decided by
    :func:`~geoservice.store.policy.status_on_create`.
    """
    now = now or utc_now()
    status = status_on_create(actor, draft=data.get("status") == "draft")
    offer = Offer(
        status=status,
        author_id=actor.user_id,
        created_at=now,
        updated_at=now,
        published_at=now if status == "published" else None,
        accessibility={},
        registration=[],
        description="",
        attendance_mode="on_site",
    )
    _apply_content(offer, data, location)
    session.add(offer)
    session.flush()  # assigns offer.id
    _record_event(session, offer, actor, None, status, now)
    return offer


def _live_offer(session: Session, offer_id: str) -> Offer:
    offer = session.get(Offer, row_id_from_offer_id(offer_id))
    if offer is None or offer.deleted_at is not None:
        raise NotFoundError(f"no posted offer {offer_id!r}")
    return offer


def _can_see(actor: Actor, offer: Offer) -> bool:
    if offer.status in {"published", "cancelled"}:
        return True
    return actor.is_moderator or (actor.user_id is not None and actor.user_id == offer.author_id)


def get_offer(session: Session, offer_id: str, actor: Actor) -> Offer:
    """The offer `offer_id` if `actor` may see it (published ones: everybody; else the
    author and moderators); 404 otherwise, so that hidden offers do not leak."""
    offer = _live_offer(session, offer_id)
    if not _can_see(actor, offer):
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
    """Apply a validated partial payload; only the author or a moderator may."""
    now = now or utc_now()
    require_user(actor, "editing an offer")
    offer = get_offer(session, offer_id, actor)
    require_owner_or_moderator(actor, offer.author_id, "edit")
    content_changed = location is not None or any(k != "status" for k in changes)
    requested = changes.get("status")
    reason = changes.get("reason")
    if requested == "rejected" and not reason:
        raise InvalidParameterError("reason", "rejecting an offer needs a reason")
    new_status = status_after_edit(actor, offer.status, requested)
    if requested is None and not content_changed:
        return offer
    _apply_content(offer, {k: v for k, v in changes.items() if k != "status"}, location)
    offer.updated_at = now
    _set_status(session, offer, actor, new_status, now, reason)
    return offer


def delete_offer(
    session: Session, actor: Actor, offer_id: str, *, now: datetime | None = None
) -> None:
    """Soft-delete an offer (author or moderator); the deletion is a moderation event."""
    now = now or utc_now()
    require_user(actor, "deleting an offer")
    offer = get_offer(session, offer_id, actor)
    require_owner_or_moderator(actor, offer.author_id, "delete")
    _record_event(session, offer, actor, offer.status, "deleted", now)
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
    if decision == "reject" and not (reason and reason.strip()):
        raise InvalidParameterError("reason", "rejecting an offer needs a reason")
    new_status = status_after_decision(offer.status, decision)
    _set_status(session, offer, actor, new_status, now, reason)
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


@dataclass(frozen=True)
class OfferFilter:
    """Criteria of :func:`search_stored_offers`; every given criterion must hold.

    Attributes
    ----------
    q
        Words that must all appear (prefix match, accents and case ignored).
    themes
        At least one of these themes.
    kinds
        One of these kinds.
    commune_code
        INSEE code of the commune.
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)``, EPSG:4326.
    when
        ``upcoming`` (a timing starts after now), ``current`` (a timing is under way, or the
        offer has no timings: permanent), ``past`` (every timing has ended).
    date_from, date_to
        A timing overlaps ``[date_from, date_to]``; offers without timings are excluded.
    statuses
        Statuses to include (the public search: published only).
    """

    q: str | None = None
    themes: Sequence[str] = ()
    kinds: Sequence[str] = ()
    commune_code: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    when: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    statuses: Sequence[str] = field(default_factory=lambda: ("published",))


def fts_words(q: str) -> list[str]:
    """The words of a search text, normalised; punctuation and operators dropped."""
    return _WORD.findall(normalise_text(q))


def _full_text_condition(session: Session, q: str) -> ColumnElement[bool] | None:
    words = fts_words(q)
    if not words:
        return None
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        # Each word quoted (so it is never FTS5 syntax) and prefix-matched; all must appear.
        match = " AND ".join('"' + w.replace('"', '""') + '"*' for w in words)
        fts_ids = text("SELECT rowid FROM offers_fts WHERE offers_fts MATCH :match").bindparams(
            match=match
        )
        return Offer.id.in_(fts_ids.columns(rowid=Offer.id.type))
    query = " & ".join(f"{w}:*" for w in words)
    return func.to_tsvector("simple", Offer.search_text).op("@@")(func.to_tsquery("simple", query))


def _filter_conditions(
    session: Session, flt: OfferFilter, now: datetime
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Offer.deleted_at.is_(None),
        Offer.status.in_(list(flt.statuses)),
    ]
    if flt.q:
        condition = _full_text_condition(session, flt.q)
        if condition is not None:
            conditions.append(condition)
    if flt.themes:
        conditions.append(
            exists().where(OfferTheme.offer_id == Offer.id, OfferTheme.theme.in_(list(flt.themes)))
        )
    if flt.kinds:
        conditions.append(Offer.kind.in_(list(flt.kinds)))
    if flt.commune_code:
        conditions.append(Offer.commune_code == flt.commune_code)
    if flt.bbox is not None:
        min_lon, min_lat, max_lon, max_lat = flt.bbox
        conditions += [Offer.lon.between(min_lon, max_lon), Offer.lat.between(min_lat, max_lat)]
    has_timing = exists().where(OfferTiming.offer_id == Offer.id)
    if flt.when == "upcoming":
        conditions.append(
            exists().where(OfferTiming.offer_id == Offer.id, OfferTiming.begin_at > now)
        )
    elif flt.when == "current":
        under_way = exists().where(
            OfferTiming.offer_id == Offer.id, OfferTiming.begin_at <= now, OfferTiming.end_at >= now
        )
        conditions.append(or_(under_way, not_(has_timing)))
    elif flt.when == "past":
        not_over = exists().where(OfferTiming.offer_id == Offer.id, OfferTiming.end_at >= now)
        conditions += [has_timing, not_(not_over)]
    elif flt.when is not None:
        raise InvalidParameterError("when", f"unknown value {flt.when!r}", WHEN_VALUES)
    if flt.date_from is not None or flt.date_to is not None:
        overlap = [OfferTiming.offer_id == Offer.id]
        if flt.date_from is not None:
            overlap.append(OfferTiming.end_at >= flt.date_from)
        if flt.date_to is not None:
            overlap.append(OfferTiming.begin_at <= flt.date_to)
        conditions.append(exists().where(*overlap))
    return conditions


def search_stored_offers(
    session: Session,
    flt: OfferFilter,
    *,
    now: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[Offer], int]:
    """Posted offers matching `flt`, ordered by id (oldest first); and the total count.

    Parameters
    ----------
    limit, offset
        Paging; ``limit=None`` returns every match.
    now
        Reference time of ``when`` (default: the current time).
    """
    now = now or utc_now()
    conditions = _filter_conditions(session, flt, now)
    query: Select[Offer] = select(Offer).where(*conditions).order_by(Offer.id)
    if limit is None and offset == 0:
        # Every match is returned: its length is the count (one query instead of two).
        offers = list(session.scalars(query))
        return offers, len(offers)
    total = session.scalar(select(func.count()).select_from(Offer).where(*conditions)) or 0
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query.offset(offset))), total


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def offer_to_record(offer: Offer) -> dict[str, Any]:
    """A posted offer as a plain JSON-ready dict (datetimes as ISO 8601 UTC strings)."""
    return {
        "offer_id": offer.offer_id,
        "kind": offer.kind,
        "title": offer.title,
        "description": offer.description,
        "themes": offer.themes,
        "timings": [
            {"begin": _iso_utc(t.begin_at), "end": _iso_utc(t.end_at)} for t in offer.timings
        ],
        "lon": offer.lon,
        "lat": offer.lat,
        "commune_code": offer.commune_code,
        "located_by": offer.located_by,
        "location_name": offer.location_name,
        "address": offer.address,
        "accessibility": dict(offer.accessibility or {}),
        "age_min": offer.age_min,
        "age_max": offer.age_max,
        "free": offer.free,
        "price_eur": offer.price_eur,
        "conditions": offer.conditions,
        "registration": list(offer.registration or []),
        "attendance_mode": offer.attendance_mode,
        "online_url": offer.online_url,
        "url": offer.url,
        "image_url": offer.image_url,
        "organiser": offer.organiser,
        "status": offer.status,
        "author": offer.author.name if offer.author is not None else None,
        "created_at": _iso_utc(offer.created_at),
        "updated_at": _iso_utc(offer.updated_at),
        "published_at": _iso_utc(offer.published_at) if offer.published_at else None,
        "source": "contribution",
    }


def event_to_record(event: ModerationEvent) -> dict[str, Any]:
    """A moderation event as a plain dict."""
    return {
        "at": _iso_utc(event.at),
        "actor": event.actor_name,
        "actor_role": event.actor_role,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "reason": event.reason,
    }


def offers_frame_from_records(
    records: Sequence[Mapping[str, Any]], *, licence: str
) -> gpd.GeoDataFrame:
    """Posted offer records as rows of the shared offers schema (EPSG:4326 points).

    The columns are those of ``Runtime.offers`` so that posted and open-data offers are
    searched and served together: ``name`` is the title, ``category`` the kind, ``period``
    ``first day → last day`` of the timings, ``source`` ``contribution``, ``licence`` the
    platform's licence for contributions, ``attribution`` the organiser (else the author),
    ``location_quality`` ``source`` for a posted point and ``commune_centroid_missing`` for
    an offer placed at its commune.
    """
    columns = [*OFFERS_FRAME_COLUMNS, "geometry"]
    if not records:  # the usual case of a search: a copy of a frame built once
        return _empty_offers_frame().copy()
    rows = []
    for r in records:
        timings = r.get("timings") or []
        period = None
        if timings:
            first = min(t["begin"] for t in timings)[:10]
            last = max(t["end"] for t in timings)[:10]
            period = first if first == last else f"{first} → {last}"
        rows.append(
            {
                "offer_id": r["offer_id"],
                "name": r["title"],
                "category": r["kind"],
                "themes": tuple(r.get("themes") or ()),
                "commune_code": r.get("commune_code"),
                "address": r.get("address"),
                "url": r.get("url"),
                "period": period,
                "source": "contribution",
                "source_id": r["offer_id"].removeprefix(OFFER_ID_PREFIX),
                "licence": licence,
                "attribution": r.get("organiser") or r.get("author") or "anonymous",
                "location_quality": (
                    "commune_centroid_missing" if r.get("located_by") == "commune" else "source"
                ),
                "geometry": shapely.Point(r["lon"], r["lat"]),
            }
        )
    return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs="EPSG:4326")


@functools.cache
def _empty_offers_frame() -> gpd.GeoDataFrame:
    """The frame of no posted offer (never handed out: callers get a copy)."""
    columns = [*OFFERS_FRAME_COLUMNS, "geometry"]
    return gpd.GeoDataFrame([], columns=columns, geometry="geometry", crs="EPSG:4326")
