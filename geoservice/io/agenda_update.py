"""Agenda part of ``geoservice data update``: fetch every agenda, merge into ``events.geojson``.

A source that fails keeps its previously imported events (the merge starts from the previous
file and only replaces what was fetched) and the report says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from geoservice.errors import GeoserviceError
from geoservice.io.agenda_events import (
    AgendaSource,
    DedupKey,
    EventRecord,
    agenda_sources_from_entries,
    events_summary,
    load_imported_events,
    merge_imported_events,
    write_imported_events,
)
from geoservice.io.fetch import FetchLimits, check_url, download_to_file
from geoservice.io.ical_import import read_registered_feeds, records_from_ics
from geoservice.io.openagenda import DEFAULT_API_URL, fetch_openagenda_events
from geoservice.io.openagenda import record_from_openagenda_event as from_openagenda
from geoservice.io.territory import load_communes
from geoservice.settings import Settings

logger = logging.getLogger(__name__)


def registry_path(settings: Settings) -> Path:
    """The file of the iCalendar feeds organisations registered (``[agendas] registry_file``)."""
    return settings.path("agendas.registry_file")


def agenda_sources(settings: Settings) -> list[AgendaSource]:
    """Configured ``[[agendas.sources]]`` then the registered feeds."""
    entries: list[Mapping[str, Any]] = []
    for entry in settings.get("agendas.sources", ()) or ():
        entry = dict(entry)
        if entry.get("kind") == "openagenda" and not entry.get("url"):
            entry["url"] = str(settings.get("agendas.api_url", DEFAULT_API_URL))
        entries.append(entry)
    if settings.get("agendas.registry_file"):
        entries.extend(read_registered_feeds(registry_path(settings)))
    return agenda_sources_from_entries(entries)


@dataclass
class AgendaOutcome:
    """What one run did to the imported events."""

    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def _records_of(
    source: AgendaSource,
    settings: Settings,
    workdir: Path,
    limits: FetchLimits,
    updated_since: datetime | None,
) -> tuple[list[EventRecord], list[str]]:
    notes: list[str] = []
    check_url(source.url)
    if source.kind == "openagenda":
        events = fetch_openagenda_events(
            source,
            str(settings.get("agendas.openagenda_key", "")),
            updated_since=updated_since,
            page_size=int(settings.get("agendas.page_size", 100)),
            max_pages=int(settings.get("agendas.max_pages", 50)),
            limits=limits,
        )
        records: list[EventRecord] = []
        for event in events:
            try:
                records.append(from_openagenda(event, source))
            except GeoserviceError as e:
                notes.append(str(e))
        return records, notes
    download = download_to_file(source.url, workdir / f"{source.source_id}.ics", limits=limits)
    return records_from_ics(download.path.read_bytes(), source)


def update_agendas(
    settings: Settings,
    staging_dir: Path,
    workdir: Path,
    state: Mapping[str, Mapping[str, Any]],
    *,
    url_overrides: Mapping[str, str],
    limits: FetchLimits,
    posted_keys: Iterable[DedupKey],
    now: datetime,
    echo: Callable[[str], None] = print,
) -> AgendaOutcome:
    """Fetch every agenda and write the merged events into `staging_dir`.

    `state` gives each source's last success: an OpenAgenda agenda whose URL has not changed
    is then asked only for the events updated since (``updatedAt[gte]``).
    """
    outcome = AgendaOutcome()
    previous = load_imported_events(staging_dir)
    outcome.before = events_summary(previous)
    records: list[EventRecord] = []
    for source in agenda_sources(settings):
        url = url_overrides.get(source.source_id, source.url)
        source = AgendaSource(**{**vars(source), "url": url})
        last = state.get(source.source_id, {})
        since = None
        if last.get("last_success") and last.get("url") == url and source.kind == "openagenda":
            # An hour of overlap: events edited while the last run was reading are asked again.
            since = datetime.fromisoformat(str(last["last_success"])) - timedelta(hours=1)
        record: dict[str, Any] = {"kind": source.kind, "url": url, "last_attempt": now.isoformat()}
        try:
            fetched, notes = _records_of(source, settings, workdir, limits, since)
        except GeoserviceError as e:
            record["last_error"] = str(e)
            echo(f"    agenda {source.source_id}: kept the previous events: {e}")
            logger.warning("agenda %s not updated: %s", source.source_id, e)
        else:
            records.extend(fetched)
            outcome.notes.extend(notes)
            record.update(last_success=now.isoformat(), last_error=None, events=len(fetched))
            mode = f"updated since {since.isoformat()}" if since else "full"
            echo(f"    agenda {source.source_id}: {len(fetched)} event(s) read ({mode})")
        outcome.sources[source.source_id] = record
    communes = load_communes(staging_dir)
    result = merge_imported_events(
        previous,
        records,
        communes,
        posted_keys=posted_keys,
        now=now,
        keep_past_days=int(settings.get("agendas.keep_past_days", 30)),
    )
    outcome.after = events_summary(result.events)
    outcome.added, outcome.replaced, outcome.removed = result.added, result.replaced, result.removed
    outcome.notes.extend(result.notes)
    if len(result.events) or len(previous):
        outcome.written.append(write_imported_events(result.events, staging_dir))
    return outcome
