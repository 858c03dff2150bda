"""OpenAgenda (API v2) agendas → event records, for ``geoservice data update --only agenda``.

``GET {api_url}/agendas/{uid}/events`` with the read key as the ``key`` query parameter
(``[agendas] openagenda_key``, or ``GEOSERVICE_AGENDAS__OPENAGENDA_KEY``), ``size`` events per
page and ``detailed=1``; the next page is asked with the ``after`` values of the previous
answer (``after[]=…``) until a page is empty or has no ``after``. With a previous successful
run, only events updated since are asked (``updatedAt[gte]=<ISO time>``). Multilingual fields
(``{"fr": …, "en": …}``) give their French text, else the first one present. Documentation:
https://developers.openagenda.com/10-lecture/ (fields, paging, filters).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from geoservice.errors import DataError
from geoservice.io.agenda_events import AgendaSource, EventRecord
from geoservice.io.fetch import FetchLimits, fetch_json, url_with_params

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.openagenda.com/v2"


def text_of(value: Any, lang: str = "fr") -> str:
    """The `lang` text of a multilingual field, else its first text; plain strings as is."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Mapping):
        if isinstance(value.get(lang), str) and value[lang].strip():
            return str(value[lang]).strip()
        for v in value.values():
            if isinstance(v, str) and v.strip():
                return v.strip()
    return ""


def _datetime(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None


def record_from_openagenda_event(event: Mapping[str, Any], source: AgendaSource) -> EventRecord:
    """One OpenAgenda event (v2 JSON) as an event record.

    Raises
    ------
    DataError
        The event has no uid, no title or no valid timing.
    """
    uid = str(event.get("uid", "")).strip()
    title = text_of(event.get("title"))
    if not uid or not title:
        raise DataError(f"OpenAgenda event without uid or title in {source.source_id}")
    timings: list[tuple[datetime, datetime]] = []
    for timing in event.get("timings") or ():
        begin = _datetime(timing.get("begin")) if isinstance(timing, Mapping) else None
        end = _datetime(timing.get("end")) if isinstance(timing, Mapping) else None
        if begin is not None and end is not None and end >= begin:
            timings.append((begin, end))
    if not timings:
        raise DataError(f"OpenAgenda event {uid} of {source.source_id} has no valid timing")
    location: Mapping[str, Any] = {}
    if isinstance(event.get("location"), Mapping):
        location = event["location"]
    slug = str(event.get("slug", "")).strip()
    agenda_uid = source.uid
    origin = event.get("originAgenda")
    if isinstance(origin, Mapping) and origin.get("uid"):
        agenda_uid = str(origin["uid"])
    url = f"https://openagenda.com/agendas/{agenda_uid}/events/{slug}" if slug else None
    image = event.get("image")
    image_url = None
    if isinstance(image, Mapping) and image.get("base") and image.get("filename"):
        image_url = f"{image['base']}{image['filename']}"
    return EventRecord(
        source=source,
        source_event_id=uid,
        title=title,
        description=text_of(event.get("description")),
        timings=tuple(sorted(timings)),
        lon=_float(location.get("longitude")),
        lat=_float(location.get("latitude")),
        location_name=text_of(location.get("name")) or None,
        address=text_of(location.get("address")) or None,
        city=text_of(location.get("city")) or None,
        postcode=text_of(location.get("postalCode")) or None,
        url=url,
        image_url=image_url,
        updated_at=str(event.get("updatedAt") or "") or None,
    )


def fetch_openagenda_events(
    source: AgendaSource,
    key: str,
    *,
    updated_since: datetime | None = None,
    page_size: int = 100,
    max_pages: int = 50,
    limits: FetchLimits | None = None,
) -> list[dict[str, Any]]:
    """Every event of the agenda (or those updated since `updated_since`), all pages.

    Raises
    ------
    FetchError, DataError
        A page could not be fetched, is not the documented shape, or there are more than
        `max_pages` pages (a runaway loop).
    """
    if not key:
        msg = f"{source.source_id}: no OpenAgenda key ([agendas] openagenda_key)"
        raise DataError(msg)
    base = f"{source.url.rstrip('/')}/agendas/{source.uid}/events"
    params: list[tuple[str, str]] = [("key", key), ("size", str(page_size)), ("detailed", "1")]
    if updated_since is not None:
        params.append(("updatedAt[gte]", updated_since.isoformat()))
    events: list[dict[str, Any]] = []
    after: Sequence[Any] | None = None
    for _ in range(max_pages):
        page_params = list(params) + [("after[]", str(v)) for v in after or ()]
        doc = fetch_json(url_with_params(base, page_params), limits=limits)
        if not isinstance(doc, Mapping) or not isinstance(doc.get("events"), list):
            raise DataError(f"{source.source_id}: the answer has no 'events' list")
        page = [e for e in doc["events"] if isinstance(e, dict)]
        events.extend(page)
        next_after = doc.get("after")
        if not page or not next_after:
            return events
        after = next_after if isinstance(next_after, list) else [next_after]
    raise DataError(f"{source.source_id}: more than {max_pages} pages; raise [agendas] max_pages")
