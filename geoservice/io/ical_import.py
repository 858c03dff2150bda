"""iCalendar (.ics) feeds → event records, for ``geoservice data update --only agenda``.

Each ``VEVENT`` with a ``UID``, a ``SUMMARY`` and a ``DTSTART`` becomes one record: ``DTEND``
(or ``DTSTART`` + ``DURATION``, or the start itself) ends it; ``GEO`` places it, else the
commune named in ``LOCATION``'s last comma-separated part; ``URL`` is its origin link. All-day
events (``DATE`` values) run from 00:00 to 24:00 Europe/Paris; floating times are read as
Europe/Paris. Limit: a recurring event (``RRULE``) gives its first occurrence only.

The feeds are ``[[agendas.sources]]`` entries of kind ``ical`` and the feeds organisations
registered (``geoservice agenda register``, kept in ``[agendas] registry_file``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import icalendar

from geoservice.errors import DataError, InvalidParameterError
from geoservice.io.agenda_events import PARIS, AgendaSource, EventRecord
from geoservice.io.fetch import check_url

logger = logging.getLogger(__name__)


def _as_datetime(value: Any, *, end_of_day: bool = False) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=PARIS)
    if isinstance(value, date):
        day = value + timedelta(days=1) if end_of_day else value
        return datetime.combine(day, time(0, 0), tzinfo=PARIS)
    return None


def _text(component: Any, name: str) -> str:
    value = component.get(name)
    return str(value).strip() if value is not None else ""


def records_from_ics(content: bytes, source: AgendaSource) -> tuple[list[EventRecord], list[str]]:
    """The events of an iCalendar document, and one note per event left out.

    Raises
    ------
    DataError
        The content is not an iCalendar document.
    """
    try:
        calendar = icalendar.Calendar.from_ical(content)
    except (ValueError, IndexError, KeyError) as e:
        raise DataError(f"{source.source_id}: not an iCalendar document ({e})") from e
    records: list[EventRecord] = []
    notes: list[str] = []
    for event in calendar.walk("VEVENT"):
        uid, title = _text(event, "UID"), _text(event, "SUMMARY")
        start: Any = getattr(event.get("DTSTART"), "dt", None)
        begin = _as_datetime(start)
        if not uid or not title or begin is None:
            notes.append(f"{source.source_id}: a VEVENT lacks UID, SUMMARY or DTSTART; skipped")
            continue
        end = _as_datetime(getattr(event.get("DTEND"), "dt", None))
        duration: Any = getattr(event.get("DURATION"), "dt", None)
        if end is None and isinstance(duration, timedelta):
            end = begin + duration
        elif end is None and not isinstance(start, datetime):
            end = _as_datetime(start, end_of_day=True)
        end = end if end is not None and end >= begin else begin
        lon = lat = None
        geo: Any = event.get("GEO")
        if geo is not None and hasattr(geo, "latitude"):
            lat, lon = float(geo.latitude), float(geo.longitude)
        location = _text(event, "LOCATION")
        city = location.rsplit(",", 1)[-1].strip() if location else ""
        city = re.sub(r"^\d{5}\s+", "", city)  # "58000 Nevers" → "Nevers"
        url = _text(event, "URL") or None
        records.append(
            EventRecord(
                source=source,
                source_event_id=uid,
                title=title,
                timings=((begin, end),),
                description=_text(event, "DESCRIPTION"),
                lon=lon,
                lat=lat,
                location_name=location.split(",", 1)[0].strip() or None,
                address=location or None,
                city=city or None,
                url=url,
                updated_at=_text(event, "LAST-MODIFIED") or None,
            )
        )
    return records, notes


def read_registered_feeds(path: Path) -> list[dict[str, Any]]:
    """The iCalendar feeds organisations registered (``[[agendas.sources]]``-shaped)."""
    if not path.is_file():
        return []
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise DataError(f"{path} is unreadable ({e})") from e
    feeds = doc.get("feeds") if isinstance(doc, dict) else None
    return [dict(f) for f in feeds or [] if isinstance(f, dict)]


def register_feed(
    path: Path, *, organisation: str, url: str, licence: str, existing_ids: Iterable[str] = ()
) -> dict[str, Any]:
    """Add an organisation's .ics feed to the registry file; returns the entry.

    Raises
    ------
    InvalidParameterError
        Not an http(s) URL, or the URL is already registered.
    """
    try:
        check_url(url)
    except DataError as e:
        raise InvalidParameterError("url", str(e)) from e
    feeds = read_registered_feeds(path)
    if any(f.get("url") == url for f in feeds):
        raise InvalidParameterError("url", f"{url} is already registered")
    slug = re.sub(r"[^a-z0-9]+", "-", organisation.lower()).strip("-") or "feed"
    taken = {str(f.get("id")) for f in feeds} | set(existing_ids)
    feed_id, n = f"org-{slug}", 2
    while feed_id in taken:
        feed_id, n = f"org-{slug}-{n}", n + 1
    entry: dict[str, Any] = {
        "id": feed_id,
        "kind": "ical",
        "url": url,
        "licence": licence,
        "attribution": organisation,
        "organisation": organisation,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"feeds": [*feeds, entry]}, indent=1, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return entry
