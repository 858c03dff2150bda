"""GTFS files: table layout, reading and validating a zip, writing and reading ``data/transit/``.

Reading is plain pandas with explicit validation (every value kept as text, required columns
checked, times and dates parsed, references checked); gtfs-kit is not needed for this. The
written folder has fixed columns, sorted rows and ``\\n`` line ends, so the same feed gives
the same bytes.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from geoservice.core.timetable import GtfsTables
from geoservice.errors import DataError, MissingColumnError, MissingDataError

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


def _normalise_times(st: pd.DataFrame) -> pd.DataFrame:
    return st.assign(
        arrival_time=st["arrival_time"].map(
            lambda t: gtfs_time_from_seconds(seconds_from_gtfs_time(t))
        ),
        departure_time=st["departure_time"].map(
            lambda t: gtfs_time_from_seconds(seconds_from_gtfs_time(t))
        ),
    )


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
