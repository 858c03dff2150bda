"""Imported agenda events (OpenAgenda, registered iCalendar feeds) as offers in ``data/``.

The events are written to ``data/agenda/events.geojson``: one point per event with the
offer columns (``category`` ``event``, ``source``, ``source_id``, ``licence``, ``url`` = the
origin link, ``period`` = its first and last day) plus ``timings``, ``description``,
``location_name``, ``image_url`` and ``updated_at``. The service adds them to the open-data
catalogue at start-up (:func:`with_imported_events`), so they are searched, ranked by travel
time and exported like the other open-data offers.

Deduplication: one event per source id (``oa:<agenda>:<event>`` or ``ics:<feed>:<uid>``; a
new version replaces the old one), and one event per *normalised title + first day +
commune* across sources and against the offers people posted (those win: an organisation's
own post is never shadowed by an import).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd
import shapely

from geoservice.core.offers import OFFER_COLUMNS, fold_text
from geoservice.errors import InvalidParameterError
from geoservice.io.geojson_files import read_geojson, write_geojson

EVENTS_FILE = "agenda/events.geojson"
EXTRA_COLUMNS = ("timings", "description", "location_name", "image_url", "updated_at")
EVENT_COLUMNS = (*OFFER_COLUMNS, *EXTRA_COLUMNS)
PARIS = ZoneInfo("Europe/Paris")
#: Title, first day (Europe/Paris, ISO) and commune code: what makes two events the same.
DedupKey = tuple[str, str, str]


@dataclass(frozen=True)
class AgendaSource:
    """One agenda: an OpenAgenda agenda or an iCalendar feed.

    Attributes
    ----------
    source_id
        Stable id of the source (``[[agendas.sources]] id``), key of the update state.
    kind
        ``openagenda`` or ``ical``.
    url
        OpenAgenda API base URL, or the ``.ics`` URL.
    uid
        OpenAgenda agenda uid (empty for iCalendar).
    licence
        Licence of the agenda's events, kept on every imported event.
    attribution
        Who to credit (agenda or organisation name).
    """

    source_id: str
    kind: str
    url: str
    uid: str = ""
    licence: str = ""
    attribution: str = ""


def agenda_sources_from_entries(entries: Iterable[Mapping[str, Any]]) -> list[AgendaSource]:
    """Validate ``[[agendas.sources]]``-shaped entries (also the registered feeds)."""
    sources: list[AgendaSource] = []
    for i, entry in enumerate(entries):
        kind = str(entry.get("kind", ""))
        source_id = str(entry.get("id", ""))
        if kind not in ("openagenda", "ical") or not source_id:
            msg = f"agenda source {i} needs an id and kind 'openagenda' or 'ical'"
            raise InvalidParameterError("agendas.sources", msg, allowed=("openagenda", "ical"))
        if not entry.get("licence"):
            msg = f"agenda source {source_id!r} needs its licence (events keep it)"
            raise InvalidParameterError("agendas.sources", msg)
        sources.append(
            AgendaSource(
                source_id=source_id,
                kind=kind,
                url=str(entry.get("url", "")),
                uid=str(entry.get("uid", "")),
                licence=str(entry["licence"]),
                attribution=str(entry.get("attribution", "")),
            )
        )
    return sources


@dataclass(frozen=True)
class EventRecord:
    """One event read from a source, before it is placed and deduplicated."""

    source: AgendaSource
    source_event_id: str
    title: str
    timings: tuple[tuple[datetime, datetime], ...]
    description: str = ""
    lon: float | None = None
    lat: float | None = None
    location_name: str | None = None
    address: str | None = None
    city: str | None = None
    postcode: str | None = None
    url: str | None = None
    image_url: str | None = None
    updated_at: str | None = None

    @property
    def offer_id(self) -> str:
        """``oa:<agenda uid>:<event uid>`` or ``ics:<source id>:<sha1 of the UID>[:12]``."""
        if self.source.kind == "openagenda":
            return f"oa:{self.source.uid}:{self.source_event_id}"
        digest = hashlib.sha1(self.source_event_id.encode(), usedforsecurity=False).hexdigest()
        return f"ics:{self.source.source_id}:{digest[:12]}"


def dedup_key(title: str, first_begin: datetime, commune_code: str | None) -> DedupKey:
    """The normalised title, first day (Europe/Paris) and commune of an event."""
    return (fold_text(title), first_begin.astimezone(PARIS).date().isoformat(), commune_code or "")


def _place(
    record: EventRecord, communes: gpd.GeoDataFrame, by_name: Mapping[str, str]
) -> tuple[str, shapely.Point] | None:
    """(commune code, point) of an event: its point's commune, else its city's name."""
    if record.lon is not None and record.lat is not None:
        point = shapely.Point(record.lon, record.lat)
        hits = communes.index[communes.geometry.contains(point)]
        if len(hits):
            return str(communes.loc[hits[0], "code"]), point
        return None
    code = by_name.get(fold_text(record.city or ""))
    if code is None:
        return None
    row = communes[communes["code"] == code].iloc[0]
    return code, row.geometry.representative_point()


def _period(timings: Sequence[tuple[datetime, datetime]]) -> str:
    first = timings[0][0].astimezone(PARIS).date().isoformat()
    last = max(end for _, end in timings).astimezone(PARIS).date().isoformat()
    return first if first == last else f"{first} → {last}"


def _row(record: EventRecord, code: str, point: shapely.Point) -> dict[str, Any]:
    address = ", ".join(p for p in (record.address, record.postcode, record.city) if p) or None
    return {
        "offer_id": record.offer_id,
        "name": record.title,
        "category": "event",
        "themes": (),
        "commune_code": code,
        "address": address,
        "url": record.url,
        "period": _period(record.timings),
        "source": f"{record.source.kind}:{record.source.source_id}",
        "source_id": record.source_event_id,
        "licence": record.source.licence,
        "attribution": record.source.attribution or None,
        "location_quality": "source" if record.lon is not None else "commune_centroid_missing",
        "timings": [[b.isoformat(), e.isoformat()] for b, e in record.timings],
        "description": record.description[:2000],
        "location_name": record.location_name,
        "image_url": record.image_url,
        "updated_at": record.updated_at,
        "geometry": point,
    }


@dataclass
class ImportResult:
    """The events kept, and what was added, replaced, dropped and why."""

    events: gpd.GeoDataFrame
    added: list[str]
    replaced: list[str]
    removed: list[str]
    notes: list[str]


def merge_imported_events(
    previous: gpd.GeoDataFrame,
    records: Sequence[EventRecord],
    communes: gpd.GeoDataFrame,
    *,
    posted_keys: Iterable[DedupKey] = (),
    now: datetime | None = None,
    keep_past_days: int = 30,
) -> ImportResult:
    """The new events file content: `previous` updated with `records`.

    Records outside the Nièvre communes, events already posted by people (same normalised
    title, first day and commune), and events over for more than `keep_past_days` are left
    out; of two imported events with the same key, the one fetched first in this run (sources
    in configuration order) wins, then the lowest id.
    """
    now = now or datetime.now(UTC)
    by_name = {fold_text(n): c for c, n in zip(communes["code"], communes["name"], strict=True)}
    notes: list[str] = []
    rows: dict[str, dict[str, Any]] = {}
    if not previous.empty:
        for row in previous.to_dict(orient="records"):
            rows[str(row["offer_id"])] = row
    before = set(rows)
    updated: set[str] = set()
    for record in records:
        placed = _place(record, communes, by_name)
        if placed is None:
            notes.append(f"{record.offer_id} {record.title!r}: not in a commune of the Nièvre")
            continue
        rows[record.offer_id] = _row(record, *placed)
        updated.add(record.offer_id)
    cutoff = now - timedelta(days=keep_past_days)
    posted = set(posted_keys)
    seen: set[DedupKey] = set()
    kept: list[dict[str, Any]] = []
    fetched_first = [r.offer_id for r in records if r.offer_id in updated]
    for offer_id in dict.fromkeys([*fetched_first, *sorted(rows)]):
        row = rows[offer_id]
        timings = [
            (datetime.fromisoformat(b), datetime.fromisoformat(e)) for b, e in row["timings"]
        ]
        if max(e for _, e in timings) < cutoff:
            notes.append(f"{offer_id}: over since {max(e for _, e in timings).date()}, dropped")
            continue
        key = dedup_key(str(row["name"]), min(b for b, _ in timings), row["commune_code"])
        if key in posted:
            notes.append(f"{offer_id} {row['name']!r}: already posted on the platform, skipped")
            continue
        if key in seen:
            notes.append(f"{offer_id} {row['name']!r}: same title, day and commune as another")
            continue
        seen.add(key)
        kept.append(row)
    kept.sort(key=lambda r: str(r["offer_id"]))
    frame = gpd.GeoDataFrame(
        pd.DataFrame(kept, columns=[*EVENT_COLUMNS, "geometry"]), geometry="geometry", crs=4326
    )
    ids = set(frame["offer_id"])
    return ImportResult(
        events=frame,
        added=sorted(ids - before),
        replaced=sorted((ids & before) & updated),
        removed=sorted(before - ids),
        notes=notes,
    )


def write_imported_events(events: gpd.GeoDataFrame, data_dir: Path) -> Path:
    """Write ``agenda/events.geojson`` inside `data_dir` (deterministic bytes)."""
    return write_geojson(
        events, data_dir / EVENTS_FILE, columns=EVENT_COLUMNS, id_column="offer_id"
    )


def load_imported_events(data_dir: Path) -> gpd.GeoDataFrame:
    """The imported events of `data_dir`, or an empty frame when none were imported."""
    path = data_dir / EVENTS_FILE
    if not path.is_file():
        return gpd.GeoDataFrame(
            pd.DataFrame(columns=[*EVENT_COLUMNS, "geometry"]), geometry="geometry", crs=4326
        )
    frame = read_geojson(path, EVENT_COLUMNS)
    frame["themes"] = frame["themes"].map(lambda t: tuple(t) if isinstance(t, tuple | list) else ())
    return frame


def with_imported_events(offers: gpd.GeoDataFrame, events: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The open-data offers and the imported events in one frame (offer columns only)."""
    if events.empty:
        return offers
    name = offers.geometry.name
    if events.geometry.name != name:
        events = events.rename_geometry(name)
    columns = [*OFFER_COLUMNS, name]
    both = pd.concat([offers[columns], events[columns]])
    return gpd.GeoDataFrame(both, geometry=offers.geometry.name, crs=offers.crs).sort_values(
        "offer_id", kind="stable", ignore_index=True
    )


def events_summary(events: gpd.GeoDataFrame) -> dict[str, Any]:
    """Counts per source, for the update report."""
    counts = events["source"].value_counts().sort_index() if len(events) else pd.Series()
    return {"events": len(events), "by_source": {str(k): int(v) for k, v in counts.items()}}
