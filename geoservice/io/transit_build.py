"""Build step ``transit``: the merged Nièvre ± buffer GTFS subset in ``data/transit/``.

The step reads every feed listed in ``[[transit.feeds]]`` of ``config/transit.toml`` (path
relative to ``paths.raw_dir``, sha256, id prefix), cuts each to the area
(:mod:`geoservice.io.gtfs_subset`), then writes one merged, deterministic GTFS
(:func:`geoservice.io.gtfs.write_gtfs_dir`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geoservice.errors import ChecksumMismatchError, InvalidParameterError, MissingDataError
from geoservice.io.build_steps import BuildContext, StepResult
from geoservice.io.gtfs import read_gtfs_zip, write_gtfs_dir
from geoservice.io.gtfs_subset import merge_feeds, prefix_feed, read_area_polygon_2154, subset_feed
from geoservice.io.manifest import sha256_file
from geoservice.io.sources import SOURCES_NAME, stated_checksums
from geoservice.settings import Settings


@dataclass(frozen=True)
class FeedSource:
    """One GTFS zip listed in ``[[transit.feeds]]``.

    Attributes
    ----------
    feed_id
        Prefix given to every id of the feed (``ter`` → ``ter:StopPoint:…``).
    path
        Zip path relative to ``paths.raw_dir``.
    sha256
        Expected sha256 of the zip.
    """

    feed_id: str
    path: str
    sha256: str


@dataclass(frozen=True)
class SubsetArea:
    """Where stops are kept: a polygon file and a buffer around it."""

    area_file: str
    area_sha256: str
    buffer_m: float


def feed_sources_from_settings(settings: Settings) -> list[FeedSource]:
    """The ``[[transit.feeds]]`` entries, validated."""
    entries = settings.get("transit.feeds", ())
    if not entries:
        raise InvalidParameterError("transit.feeds", "no GTFS feed configured in [[transit.feeds]]")
    feeds: list[FeedSource] = []
    for i, entry in enumerate(entries):
        missing = [k for k in ("id", "path", "sha256") if not entry.get(k)]
        if missing:
            msg = f"[[transit.feeds]] entry {i} lacks {', '.join(missing)}"
            raise InvalidParameterError("transit.feeds", msg)
        feed_id = str(entry["id"])
        if not re.fullmatch(r"[A-Za-z0-9_-]+", feed_id):
            msg = f"feed id {feed_id!r} must be letters, digits, '_' or '-'"
            raise InvalidParameterError("transit.feeds", msg)
        feeds.append(FeedSource(feed_id, str(entry["path"]), str(entry["sha256"]).lower()))
    ids = [f.feed_id for f in feeds]
    if len(set(ids)) != len(ids):
        raise InvalidParameterError("transit.feeds", f"feed ids must be unique, got {ids}")
    return feeds


def subset_area_from_settings(settings: Settings) -> SubsetArea:
    """The ``[transit]`` area file and buffer."""
    return SubsetArea(
        area_file=str(settings.get("transit.area_file")),
        area_sha256=str(settings.get("transit.area_sha256")),
        buffer_m=float(settings.get("transit.buffer_km", 30)) * 1000.0,
    )


def verify_raw(raw_dir: Path, rel: str, expected_sha256: str) -> Path:
    """The path of raw file `rel`, after checking it exists and has `expected_sha256`.

    `expected_sha256` comes from the configuration; when ``SOURCES.md`` of `raw_dir` states a
    sha256 for `rel` too, the file must match that one as well (a feed added by configuration
    only may not be listed there yet).
    """
    path = raw_dir / rel
    if not path.is_file():
        raise MissingDataError(f"raw file {rel} not found in {raw_dir}")
    actual = sha256_file(path)
    stated = stated_checksums(raw_dir).get(rel) if (raw_dir / SOURCES_NAME).is_file() else None
    for expected, where in ((expected_sha256, "config/transit.toml"), (stated, SOURCES_NAME)):
        if expected is not None and actual != expected:
            msg = (
                f"raw file {rel} has sha256 {actual}, but {where} states {expected}: restore "
                "the published file, or update the recorded sha256 if it was replaced on purpose"
            )
            raise ChecksumMismatchError(msg)
    return path


def build_transit(ctx: BuildContext) -> StepResult:
    """Build step ``transit``: the merged Nièvre ± buffer GTFS subset in ``data/transit/``."""
    settings: Settings = ctx.settings
    area = subset_area_from_settings(settings)
    result = StepResult()
    area_path = verify_raw(ctx.raw_dir, area.area_file, area.area_sha256)
    result.sources[area.area_file] = area.area_sha256
    area_2154 = read_area_polygon_2154(area_path, area.buffer_m)
    prefixed: list[dict[str, pd.DataFrame]] = []
    for feed in feed_sources_from_settings(settings):
        path = verify_raw(ctx.raw_dir, feed.path, feed.sha256)
        result.sources[feed.path] = feed.sha256
        ctx.echo(f"    reading {feed.path} (feed {feed.feed_id})")
        tables = read_gtfs_zip(path, feed.path)
        subset, notes = subset_feed(tables, area_2154)
        result.repairs.extend(f"{feed.feed_id}: {n}" for n in notes)
        ctx.echo(
            f"    {feed.feed_id}: kept {len(subset['stops'])} stops, {len(subset['trips'])} "
            f"trips, {len(subset['stop_times'])} stop_times"
        )
        prefixed.append(prefix_feed(subset, feed.feed_id))
    out_dir = ctx.out_dir / str(settings.get("transit.out_subdir", "transit"))
    result.outputs.extend(write_gtfs_dir(merge_feeds(prefixed), out_dir))
    return result
