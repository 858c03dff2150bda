"""Searching the posted offers everybody may see (full text, themes, place, dates).

Every search is restricted to public offers (:data:`~geoservice.store.moderation.PUBLIC_STATES`):
published ones, and cancelled ones that were published when cancelled (for the calendar).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, exists, func, not_, or_, select, text
from sqlalchemy.orm import Session

from geoservice.errors import InvalidParameterError
from geoservice.store.models import Offer, OfferTheme, OfferTiming, utc_now

WHEN_VALUES: tuple[str, ...] = ("upcoming", "current", "past")
_WORD = re.compile(r"\w+")


def normalise_text(value: str) -> str:
    """Lower case without diacritics: ``"Église Saint-Étienne"`` → ``"eglise saint-etienne"``."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_text_of(offer: Offer) -> str:
    """The text the full-text index sees: title, organiser, place, description."""
    parts = [offer.title, offer.organiser, offer.location_name, offer.address, offer.description]
    return normalise_text(" ".join(p for p in parts if p))


def public_condition() -> ColumnElement[bool]:
    """SQL condition of the offers everybody may see: live, and published or cancelled
    while published (``published_at`` is set exactly in the public states)."""
    return and_(
        Offer.deleted_at.is_(None),
        or_(
            Offer.status == "published",
            and_(Offer.status == "cancelled", Offer.published_at.is_not(None)),
        ),
    )


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
        A timing overlaps ``[date_from, date_to]``; offers without timings are kept when they
        are not events (permanent), excluded when they are events (no day to match).
    statuses
        Stored statuses to include, among the public ones: ``published`` (the default)
        and ``cancelled`` (those cancelled while published).
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
        public_condition(),
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
        # A venue, work, skill or resource without timings is permanent: on every day. An
        # event without timings has no day, so no date keeps it.
        permanent = and_(Offer.kind != "event", not_(has_timing))
        conditions.append(or_(exists().where(*overlap), permanent))
    return conditions


def search_stored_offers(
    session: Session,
    flt: OfferFilter,
    *,
    now: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[Offer], int]:
    """Public posted offers matching `flt`, ordered by id (oldest first); and the total count.

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
