"""``geoservice impact snapshot``: store the day's impact indicators in the database."""

from __future__ import annotations

import argparse
from datetime import date, datetime

from geoservice.analytics.impact import (
    LOCAL_TIMEZONE,
    ImpactParams,
    PlatformFacts,
    Snapshot,
    day_end_utc,
)
from geoservice.analytics.impact_reach import commune_age_bands
from geoservice.analytics.impact_snapshot import compute_snapshot
from geoservice.cli.options import settings_from_args
from geoservice.errors import InvalidParameterError, MissingDataError
from geoservice.runtime import Runtime, load_runtime
from geoservice.store.config import store_config_from_settings
from geoservice.store.db import Store, open_store
from geoservice.store.impact import platform_rows_as_of, save_snapshot


def take_snapshot(runtime: Runtime, store: Store, day: date) -> tuple[Snapshot, int]:
    """Compute the indicators of `day` from `runtime` and the database, and store them
    (replacing that day's); the snapshot and the number of values stored."""
    if runtime.accessibility is None or runtime.reachable is None:
        raise MissingDataError("the accessibility tables and the road network are needed")
    with store.read() as session:
        facts = PlatformFacts(**platform_rows_as_of(session, day_end_utc(day)))
    grid = runtime.population_grid
    snapshot = compute_snapshot(
        day,
        communes=runtime.communes,
        open_offers=runtime.offers,
        facts=facts,
        model=runtime.accessibility,
        reachable=runtime.reachable,
        params=ImpactParams.from_section(runtime.settings.section("impact")),
        manifest=dict(runtime.manifest),
        ages=None if grid is None else commune_age_bands(grid, runtime.communes),
    )
    rows = snapshot.values.itertuples(index=False, name=None)
    with store.write() as session:
        count = save_snapshot(
            session,
            day,
            data_sha256=snapshot.data_sha256,
            inputs=snapshot.inputs,
            values=rows,
        )
    return snapshot, count


def _day(text: str | None) -> date:
    if text is None:
        return datetime.now(LOCAL_TIMEZONE).date()
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        raise InvalidParameterError("date", f"{text!r} is not a YYYY-MM-DD date") from e


def cmd_impact_snapshot(args: argparse.Namespace) -> int:
    """Compute and store the impact indicators of ``--date`` (default today)."""
    settings = settings_from_args(args)
    day = _day(args.date)
    config = store_config_from_settings(settings)
    store = open_store(config.url, sqlite_busy_timeout_ms=config.sqlite_busy_timeout_ms)
    try:
        snapshot, count = take_snapshot(load_runtime(settings), store, day)
    finally:
        store.dispose()
    print(
        f"impact snapshot {day.isoformat()}: {count} values stored "
        f"(data sha256 {snapshot.data_sha256[:12]}…, platform rows "
        f"{snapshot.inputs['platform_rows']})"
    )
    return 0
