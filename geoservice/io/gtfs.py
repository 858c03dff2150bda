"""GTFS feeds: read and validate zips, cut the Nièvre ± buffer subset, merge, write, read back.

The build step :func:`build_transit` reads every feed listed in ``[[transit.feeds]]`` of
``config/transit.toml`` (path relative to ``paths.raw_dir``, sha256, id prefix), keeps the stops
within ``transit.buffer_km`` of the département polygon, the trips that call at least twice at
those stops and, of those trips, only the stop_times at kept stops, then writes one merged,
deterministic GTFS in ``data/transit/`` (fixed columns, sorted rows, ``\\n`` line ends). Every
id of a feed is prefixed with ``<feed id>:`` so that several feeds never collide.

Reading is plain pandas with explicit validation (every value kept as text, required columns
checked, times and dates parsed, references checked); gtfs-kit is not needed for this.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from geoservice.core.timetable import GtfsTables
from geoservice.errors import (
    ChecksumMismatchError,
    DataError,
    InvalidParameterError,
    MissingColumnError,
    MissingDataError,
)
from geoservice.io.build import BuildContext, StepResult, sha256_file
from geoservice.io.sources import SOURCES_NAME, stated_checksums
from geoservice.settings import Settings

#: Columns written for each table, in order. Optional input columns missing in a feed are
#: written empty; required ones (see ``REQUIRED``) must exist.
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "agency": ("agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"),
    "stops": ("stop_id", "stop_name", "stop_lat", "stop_lon", "location_type", "parent_station"),
    "routes": (
        "route_id",
        "agency_id",
        "route_short_name",
        "route_long_name",
        "route_type",
        "route_color",
        "route_text_color",
    ),
    "trips": ("route_id", "service_id", "trip_id", "trip_headsign", "direction_id"),
    "stop_times": (
        "trip_id",
        "arrival_time",
        "departure_time",
        "stop_id",
        "stop_sequence",
        "pickup_type",
        "drop_off_type",
    ),
    "calendar": (
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ),
    "calendar_dates": ("service_id", "date", "exception_type"),
    "transfers": ("from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"),
    "feed_info": (
        "feed_id",
        "feed_publisher_name",
        "feed_publisher_url",
        "feed_lang",
        "feed_start_date",
        "feed_end_date",
        "feed_version",
    ),
}

REQUIRED: Mapping[str, tuple[str, ...]] = {
    "agency": ("agency_name", "agency_timezone"),
    "stops": ("stop_id", "stop_lat", "stop_lon"),
    "routes": ("route_id", "route_type"),
    "trips": ("route_id", "service_id", "trip_id"),
    "stop_times": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
    "calendar": COLUMNS["calendar"],
    "calendar_dates": COLUMNS["calendar_dates"],
    "transfers": ("from_stop_id", "to_stop_id", "transfer_type"),
    "feed_info": ("feed_publisher_name",),
}

#: Tables a feed must have; the others may be absent (or empty).
MANDATORY_TABLES = ("agency", "stops", "routes", "trips", "stop_times")

#: Sort keys of the written tables.
SORT_KEYS: Mapping[str, tuple[str, ...]] = {
    "agency": ("agency_id",),
    "stops": ("stop_id",),
    "routes": ("route_id",),
    "trips": ("trip_id",),
    "stop_times": ("trip_id", "_seq"),
    "calendar": ("service_id",),
    "calendar_dates": ("service_id", "date"),
    "transfers": ("from_stop_id", "to_stop_id"),
    "feed_info": ("feed_id",),
}

#: Id columns prefixed with the feed id, per table.
ID_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "agency": ("agency_id",),
    "stops": ("stop_id", "parent_station"),
    "routes": ("route_id", "agency_id"),
    "trips": ("route_id", "service_id", "trip_id"),
    "stop_times": ("trip_id", "stop_id"),
    "calendar": ("service_id",),
    "calendar_dates": ("service_id",),
    "transfers": ("from_stop_id", "to_stop_id"),
    "feed_info": (),
}

_TIME_RE = re.compile(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
_DATE_RE = re.compile(r"^\d{8}$")


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


def read_area_polygon_2154(path: Path, buffer_m: float) -> shapely.Geometry:
    """The polygon of a GeoJSON Feature or FeatureCollection, EPSG:2154, buffered by `buffer_m`.

    The file is WGS 84 (RFC 7946); all its features are united.
    """
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("type") == "Feature":
        features = [doc]
    elif doc.get("type") == "FeatureCollection":
        features = list(doc.get("features", []))
    else:
        raise DataError(f"{path.name}: not a GeoJSON Feature or FeatureCollection")
    if not features:
        raise DataError(f"{path.name}: no feature")
    geom_4326 = shapely.union_all([shape(f["geometry"]) for f in features])
    to_2154 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    geom_2154 = shapely.transform(geom_4326, lambda xy: _transform_xy(to_2154, xy))
    return geom_2154.buffer(buffer_m)


def _transform_xy(transformer: Transformer, xy: Any) -> Any:
    import numpy as np

    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _read_table(zf: zipfile.ZipFile, name: str, label: str) -> pd.DataFrame | None:
    member = f"{name}.txt"
    if member not in zf.namelist():
        if name in MANDATORY_TABLES:
            raise MissingDataError(f"{label}: {member} is missing")
        return None
    raw = zf.read(member)
    if not raw.strip():
        return pd.DataFrame(columns=list(COLUMNS[name]), dtype=str)
    try:
        df = pd.read_csv(
            io.BytesIO(raw),
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
        )
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        msg = f"{label}: {member} is not a UTF-8 CSV table: {e}"
        raise DataError(msg) from e
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in REQUIRED[name] if c not in df.columns]
    if missing:
        msg = f"{label}: {member} lacks column(s) {', '.join(missing)}"
        raise MissingColumnError(msg)
    for col in COLUMNS[name]:
        if col not in df.columns:
            df[col] = ""
    return df[list(COLUMNS[name])].apply(lambda s: s.str.strip())


def seconds_from_gtfs_time(text: str) -> int:
    """Seconds after noon-minus-12h of the service day for ``H:MM:SS`` (hours may pass 24)."""
    m = _TIME_RE.match(text)
    if m is None:
        raise DataError(f"invalid GTFS time {text!r}")
    h, mi, s = (int(g) for g in m.groups())
    return h * 3600 + mi * 60 + s


def gtfs_time_from_seconds(seconds: int) -> str:
    """``HH:MM:SS`` for seconds after the service day's origin (hours may pass 24)."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def read_gtfs_zip(path: Path, label: str) -> dict[str, pd.DataFrame]:
    """Every known table of a GTFS zip as text frames, validated.

    Checks: mandatory tables and required columns present, times ``H:MM:SS``, dates
    ``YYYYMMDD``, coordinates within WGS 84 bounds, stop_times referencing known trips and
    stops, trips referencing known routes. Optional tables missing from the zip come back empty.
    """
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        raise DataError(f"{label}: {path.name} is not a zip file") from e
    with zf:
        tables: dict[str, pd.DataFrame] = {}
        for name in COLUMNS:
            df = _read_table(zf, name, label)
            tables[name] = (
                df if df is not None else pd.DataFrame(columns=list(COLUMNS[name]), dtype=str)
            )
    _validate(tables, label)
    return tables


def _validate(tables: Mapping[str, pd.DataFrame], label: str) -> None:
    st = tables["stop_times"]
    for col in ("arrival_time", "departure_time"):
        bad = st.loc[~st[col].str.match(_TIME_RE), col]
        if len(bad):
            msg = f"{label}: stop_times.{col} has {len(bad)} invalid time(s), e.g. {bad.iloc[0]!r}"
            raise DataError(msg)
    if not st["stop_sequence"].str.fullmatch(r"\d+").all():
        raise DataError(f"{label}: stop_times.stop_sequence must be non-negative integers")
    stops = tables["stops"]
    lat = pd.to_numeric(stops["stop_lat"], errors="coerce")
    lon = pd.to_numeric(stops["stop_lon"], errors="coerce")
    if lat.isna().any() or lon.isna().any() or (lat.abs() > 90).any() or (lon.abs() > 180).any():
        raise DataError(f"{label}: stops.txt has missing or out-of-range coordinates")
    for name, col in (("calendar_dates", "date"), ("calendar", "start_date")):
        bad = tables[name].loc[~tables[name][col].str.match(_DATE_RE), col]
        if len(bad):
            raise DataError(f"{label}: {name}.{col} has invalid date(s), e.g. {bad.iloc[0]!r}")
    unknown_trips = set(st["trip_id"]) - set(tables["trips"]["trip_id"])
    unknown_stops = set(st["stop_id"]) - set(stops["stop_id"])
    unknown_routes = set(tables["trips"]["route_id"]) - set(tables["routes"]["route_id"])
    for what, unknown in (
        ("trip", unknown_trips),
        ("stop", unknown_stops),
        ("route", unknown_routes),
    ):
        if unknown:
            msg = f"{label}: {len(unknown)} unknown {what} id(s), e.g. {sorted(unknown)[0]!r}"
            raise DataError(msg)


def subset_feed(
    tables: Mapping[str, pd.DataFrame], area_2154: shapely.Geometry
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """The part of a feed inside `area_2154` (a polygon in EPSG:2154).

    Kept: stops (location_type 0 or empty) inside the area and their parent stations; trips
    calling at least twice at kept stops, with only their stop_times at kept stops; the routes,
    agencies, services (calendar, calendar_dates) and transfers these use.

    Returns
    -------
    tables, notes
        The subset, and one line per kind of record dropped.
    """
    notes: list[str] = []
    stops = tables["stops"]
    is_point = stops["location_type"].isin(["", "0"])
    to_2154 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    x, y = to_2154.transform(
        stops["stop_lon"].astype(float).to_numpy(), stops["stop_lat"].astype(float).to_numpy()
    )
    inside = shapely.contains_xy(area_2154, x, y)
    kept_points = set(stops.loc[is_point & inside, "stop_id"])

    st = tables["stop_times"]
    st_in = st[st["stop_id"].isin(kept_points)]
    calls = st_in.groupby("trip_id").size()
    trip_ids = set(calls[calls >= 2].index)
    single = int((calls < 2).sum())
    if single:
        notes.append(f"{single} trip(s) calling only once inside the area dropped")
    st_out = st_in[st_in["trip_id"].isin(trip_ids)]
    used_points = set(st_out["stop_id"])
    parents = set(stops.loc[stops["stop_id"].isin(used_points), "parent_station"]) - {""}
    stops_out = stops[stops["stop_id"].isin(used_points | parents)]

    trips = tables["trips"]
    trips_out = trips[trips["trip_id"].isin(trip_ids)]
    routes_out = tables["routes"][tables["routes"]["route_id"].isin(set(trips_out["route_id"]))]
    agency = tables["agency"]
    if len(agency) > 1 or (len(agency) == 1 and agency["agency_id"].iloc[0] != ""):
        agency = agency[agency["agency_id"].isin(set(routes_out["agency_id"]))]
    services = set(trips_out["service_id"])
    transfers = tables["transfers"]
    transfers_out = transfers[
        transfers["from_stop_id"].isin(set(stops_out["stop_id"]))
        & transfers["to_stop_id"].isin(set(stops_out["stop_id"]))
    ]
    out = {
        "agency": agency,
        "stops": stops_out,
        "routes": routes_out,
        "trips": trips_out,
        "stop_times": st_out,
        "calendar": tables["calendar"][tables["calendar"]["service_id"].isin(services)],
        "calendar_dates": tables["calendar_dates"][
            tables["calendar_dates"]["service_id"].isin(services)
        ],
        "transfers": transfers_out,
        "feed_info": tables["feed_info"],
    }
    return out, notes


def prefix_feed(tables: Mapping[str, pd.DataFrame], feed_id: str) -> dict[str, pd.DataFrame]:
    """A copy whose ids are prefixed with ``<feed_id>:`` (empty ids stay empty)."""
    out: dict[str, pd.DataFrame] = {}
    for name, df in tables.items():
        df = df.copy()
        for col in ID_COLUMNS[name]:
            df[col] = df[col].where(df[col] == "", feed_id + ":" + df[col])
        out[name] = df
    info = out["feed_info"]
    if len(info) == 0:
        info = pd.DataFrame([dict.fromkeys(COLUMNS["feed_info"], "")])
    out["feed_info"] = info.head(1).assign(feed_id=feed_id)
    return out


def _normalise_times(st: pd.DataFrame) -> pd.DataFrame:
    return st.assign(
        arrival_time=st["arrival_time"].map(
            lambda t: gtfs_time_from_seconds(seconds_from_gtfs_time(t))
        ),
        departure_time=st["departure_time"].map(
            lambda t: gtfs_time_from_seconds(seconds_from_gtfs_time(t))
        ),
    )


def merge_feeds(feeds: Sequence[Mapping[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Concatenate prefixed feeds table by table; refuse duplicate ids."""
    merged: dict[str, pd.DataFrame] = {}
    for name in COLUMNS:
        frames = [f[name][list(COLUMNS[name])] for f in feeds]
        merged[name] = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    for name, key in (("stops", "stop_id"), ("trips", "trip_id"), ("routes", "route_id")):
        dup = merged[name][key].duplicated()
        if dup.any():
            example = merged[name].loc[dup, key].iloc[0]
            raise DataError(f"duplicate {key} after merging feeds, e.g. {example!r}")
    return merged


def write_gtfs_dir(tables: Mapping[str, pd.DataFrame], out_dir: Path) -> list[Path]:
    """Write each table as ``<name>.txt`` (fixed columns, sorted rows, ``\\n`` line ends)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, columns in COLUMNS.items():
        df = tables[name].copy()
        if name == "stop_times":
            df = _normalise_times(df)
            df["_seq"] = df["stop_sequence"].astype(int)
        df = df.sort_values(list(SORT_KEYS[name]), kind="mergesort")
        path = out_dir / f"{name}.txt"
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(df[list(columns)].itertuples(index=False, name=None))
        written.append(path)
    return written


def read_gtfs_dir(folder: Path) -> GtfsTables:
    """Read the merged subset written by :func:`write_gtfs_dir` (``data/transit/``)."""
    if not (folder / "stop_times.txt").is_file():
        msg = f"{folder}/stop_times.txt is missing: run `geoservice data build`"
        raise MissingDataError(msg)
    frames: dict[str, pd.DataFrame] = {}
    for name, columns in COLUMNS.items():
        path = folder / f"{name}.txt"
        if not path.is_file():
            raise MissingDataError(f"{path} is missing: run `geoservice data build`")
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise MissingColumnError(f"{path.name} lacks column(s) {', '.join(missing)}")
        frames[name] = df
    return GtfsTables(**frames)


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
