"""Transit part of ``geoservice data update``: downloaded GTFS zips → a new ``transit/``.

Each ``[[transit_sources]]`` entry of ``config/transit.toml`` names a feed id (the prefix of
its ids, as in ``[[transit.feeds]]``) and a download URL. A downloaded zip is checked twice:
gtfs-kit reads it (:func:`gtfs_kit.read_feed`) and must find service dates in it
(gtfs-kit 13 has no separate validator: ``validate`` was removed from the library), then
:func:`geoservice.io.gtfs.read_gtfs_zip` checks tables, columns, times, dates, coordinates
and references exactly as ``data build`` does. A feed that passes is cut to the Nièvre
± buffer and prefixed like ``data build`` does; a feed that fails (or has no URL) keeps the
rows of the previous ``transit/`` that carry its prefix, and the report says why.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import gtfs_kit
import pandas as pd
import shapely

from geoservice.errors import DataError, GeoserviceError, InvalidParameterError
from geoservice.io.gtfs import ID_COLUMNS, read_gtfs_dir, read_gtfs_zip, write_gtfs_dir
from geoservice.io.gtfs_subset import merge_feeds, prefix_feed, read_area_polygon_2154, subset_feed
from geoservice.io.transit_build import subset_area_from_settings, verify_raw
from geoservice.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TransitSource:
    """One ``[[transit_sources]]`` entry: where feed `feed_id` is downloaded from."""

    feed_id: str
    url: str
    page: str = ""


def transit_sources_from_settings(settings: Settings) -> list[TransitSource]:
    """The ``[[transit_sources]]`` entries (an empty ``url`` means: not downloaded)."""
    sources: list[TransitSource] = []
    for i, entry in enumerate(settings.get("transit_sources", ()) or ()):
        feed_id = str(entry.get("id", ""))
        if not feed_id:
            raise InvalidParameterError("transit_sources", f"[[transit_sources]] {i} has no id")
        sources.append(
            TransitSource(feed_id, str(entry.get("url", "")), str(entry.get("page", "")))
        )
    return sources


@dataclass
class FeedOutcome:
    """What happened to one feed: ``updated``, ``kept`` (previous rows) or ``absent``."""

    feed_id: str
    status: str
    reason: str = ""
    url: str = ""
    sha256: str = ""
    summary: dict[str, Any] = field(default_factory=dict)


def summarise_tables(tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """Stops (points), stations, trips, routes and the validity (first, last service day)."""
    stops = tables["stops"]
    days: list[str] = []
    cal = tables["calendar"]
    if len(cal):
        days += list(cal["start_date"]) + list(cal["end_date"])
    cd = tables["calendar_dates"]
    if len(cd):
        days += list(cd.loc[cd["exception_type"] == "1", "date"])
    days = sorted(d for d in days if d)
    return {
        "stops": int(stops["location_type"].isin(["", "0"]).sum()),
        "stations": int((stops["location_type"] == "1").sum()),
        "routes": len(tables["routes"]),
        "trips": len(tables["trips"]),
        "validity": [_iso(days[0]), _iso(days[-1])] if days else None,
    }


def _iso(gtfs_date: str) -> str:
    return date(int(gtfs_date[:4]), int(gtfs_date[4:6]), int(gtfs_date[6:8])).isoformat()


def check_feed_with_gtfs_kit(path: Path, label: str) -> list[str]:
    """Read `path` with gtfs-kit; its service dates (YYYYMMDD), sorted.

    Raises
    ------
    DataError
        gtfs-kit cannot read it as a GTFS zip, or it has no service date.
    """
    if not path.is_file():  # gtfs-kit would try the text as a URL
        raise DataError(f"{label}: {path} does not exist")
    try:
        feed = gtfs_kit.read_feed(path, dist_units="km")
        dates = sorted(feed.get_dates())
    except (ValueError, KeyError, TypeError, OSError, AttributeError, zipfile.BadZipFile) as e:
        raise DataError(f"{label}: gtfs-kit cannot read it as a GTFS feed ({e})") from e
    if not dates:
        raise DataError(f"{label}: gtfs-kit finds no service date (empty calendar)")
    return [str(d) for d in dates]


def tables_of_feed(tables: Mapping[str, pd.DataFrame], feed_id: str) -> dict[str, pd.DataFrame]:
    """The rows of a merged (prefixed) feed that belong to `feed_id`."""
    prefix = feed_id + ":"
    out: dict[str, pd.DataFrame] = {}
    for name, df in tables.items():
        if name == "feed_info":
            out[name] = df[df["feed_id"] == feed_id]
        else:
            key = ID_COLUMNS[name][0]
            out[name] = df[df[key].str.startswith(prefix)]
    return out


def _feed_ids(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    ids = {str(s).split(":", 1)[0] for s in tables["stops"]["stop_id"] if ":" in str(s)}
    return sorted(ids | set(tables["feed_info"]["feed_id"]))


def _area_2154(settings: Settings, data_dir: Path) -> tuple[shapely.Geometry, str]:
    """The subset area: the raw département polygon, or the union of ``communes.geojson``
    when the raw folder is not on this machine (a deployment)."""
    area = subset_area_from_settings(settings)
    try:
        path = verify_raw(settings.raw_dir, area.area_file, area.area_sha256)
        return read_area_polygon_2154(path, area.buffer_m), area.area_file
    except GeoserviceError:
        communes = data_dir / "communes.geojson"
        return read_area_polygon_2154(communes, area.buffer_m), "communes.geojson (union)"


@dataclass
class TransitRebuild:
    """The rebuilt ``transit/``: per-feed outcomes, summaries before and after."""

    feeds: list[FeedOutcome]
    before: dict[str, Any]
    after: dict[str, Any]
    written: list[Path]


def rebuild_transit(
    settings: Settings,
    current_dir: Path,
    out_dir: Path,
    downloads: Mapping[str, Path],
    failures: Mapping[str, str],
    *,
    echo: Callable[[str], None] = print,
) -> TransitRebuild:
    """Write the merged GTFS of `out_dir` from fresh `downloads` and the previous data.

    Parameters
    ----------
    current_dir
        The ``transit/`` folder served now (its rows are kept for feeds not refreshed).
    out_dir
        The staging ``transit/`` folder to write.
    downloads
        Feed id → downloaded zip, for the feeds fetched in this run.
    failures
        Feed id → why its download failed (the previous rows are kept).
    """
    previous = (
        vars(read_gtfs_dir(current_dir)) if (current_dir / "stop_times.txt").is_file() else {}
    )
    previous_ids = _feed_ids(previous) if previous else []
    area_2154, area_label = _area_2154(settings, current_dir.parent)
    outcomes: list[FeedOutcome] = []
    parts: list[dict[str, pd.DataFrame]] = []
    order = list(dict.fromkeys([*previous_ids, *downloads, *failures]))
    for feed_id in order:
        reason = failures.get(feed_id, "")
        if feed_id in downloads:
            path = downloads[feed_id]
            label = f"{feed_id} ({path.name})"
            try:
                check_feed_with_gtfs_kit(path, label)
                tables = read_gtfs_zip(path, label)
                subset, notes = subset_feed(tables, area_2154)
                if len(subset["trips"]) == 0:
                    raise DataError(f"{label}: no trip calls twice within the area ({area_label})")
                prefixed = prefix_feed(subset, feed_id)
                parts.append(prefixed)
                outcomes.append(
                    FeedOutcome(
                        feed_id, "updated", "; ".join(notes), summary=summarise_tables(prefixed)
                    )
                )
                echo(f"    transit {feed_id}: new feed accepted")
                continue
            except GeoserviceError as e:
                reason = str(e)
        if feed_id in previous_ids:
            kept = tables_of_feed(previous, feed_id)
            parts.append(kept)
            outcomes.append(FeedOutcome(feed_id, "kept", reason, summary=summarise_tables(kept)))
        else:
            outcomes.append(FeedOutcome(feed_id, "absent", reason or "no previous data"))
        if reason:
            echo(f"    transit {feed_id}: kept the previous data: {reason}")
            logger.warning("transit feed %s not updated: %s", feed_id, reason)
    if not parts:
        raise DataError("no transit feed left: every feed failed and none was there before")
    merged = merge_feeds(parts)
    written = write_gtfs_dir(merged, out_dir)
    return TransitRebuild(
        feeds=outcomes,
        before=summarise_tables(previous) if previous else {},
        after=summarise_tables(merged),
        written=written,
    )
