"""Published offers as GeoJSON, CSV and an iCalendar feed (RFC 5545, via ``icalendar``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import icalendar

CSV_COLUMNS: tuple[str, ...] = (
    "offer_id",
    "kind",
    "title",
    "themes",
    "first_begin",
    "last_end",
    "commune_code",
    "location_name",
    "address",
    "lon",
    "lat",
    "organiser",
    "free",
    "price_eur",
    "attendance_mode",
    "url",
    "status",
    "description",
)
#: A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def offer_to_feature(record: Mapping[str, Any]) -> dict[str, Any]:
    """One offer record as a GeoJSON Point Feature (EPSG:4326), like the open-data offers."""
    return {
        "type": "Feature",
        "id": record["offer_id"],
        "geometry": {"type": "Point", "coordinates": [record["lon"], record["lat"]]},
        "properties": {k: v for k, v in record.items() if k not in {"lon", "lat"}},
    }


def offers_to_geojson(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A FeatureCollection (EPSG:4326), one Point feature per offer record."""
    return {"type": "FeatureCollection", "features": [offer_to_feature(r) for r in records]}


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = ";".join(str(v) for v in value)
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text  # shown as text by spreadsheets, never evaluated
    return text


def offers_to_csv(records: Iterable[Mapping[str, Any]]) -> str:
    """CSV text (header + one row per offer); lists joined by ``;``, formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        timings = record.get("timings") or []
        row = dict(record)
        row["first_begin"] = timings[0]["begin"] if timings else None
        row["last_end"] = max(t["end"] for t in timings) if timings else None
        writer.writerow([_csv_cell(row.get(c)) for c in CSV_COLUMNS])
    return buffer.getvalue()


def offers_to_ical(
    records: Iterable[Mapping[str, Any]], *, host: str, generated_at: datetime
) -> bytes:
    """An iCalendar feed: one VEVENT per timing of each event record.

    Parameters
    ----------
    host
        Domain part of the UIDs (``user:12-0@host``), stable across feed refreshes.
    generated_at
        DTSTAMP of every event (UTC).
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//geoservice//Nièvre offers//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Nièvre : offres culturelles")
    for record in records:
        location = ", ".join(
            str(p) for p in (record.get("location_name"), record.get("address")) if p
        )
        for n, timing in enumerate(record.get("timings") or []):
            event = icalendar.Event()
            event.add("uid", f"{record['offer_id']}-{n}@{host}")
            event.add("dtstamp", generated_at)
            event.add("dtstart", datetime.fromisoformat(timing["begin"]))
            event.add("dtend", datetime.fromisoformat(timing["end"]))
            event.add("summary", record["title"])
            if record.get("description"):
                event.add("description", record["description"])
            if location:
                event.add("location", location)
            event.add("geo", (record["lat"], record["lon"]))
            if record.get("url"):
                event.add("url", record["url"])
            if record.get("themes"):
                event.add("categories", list(record["themes"]))
            event.add("status", "CANCELLED" if record.get("status") == "cancelled" else "CONFIRMED")
            calendar.add_component(event)
    return bytes(calendar.to_ical())
