"""Impact snapshots in the database (SQLite and PostgreSQL): one set of values per day."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from geoservice.store.db import Store
from geoservice.store.impact import read_series, save_snapshot
from geoservice.store.impact_models import ImpactSnapshot, ImpactValue

DAY1, DAY2 = date(2026, 12, 5), date(2026, 12, 6)


def _save(store: Store, day: date, value: float) -> None:
    with store.write() as session:
        save_snapshot(
            session,
            day,
            data_sha256="a" * 64,
            inputs={"platform_rows": {"posted_offers": int(value)}},
            values=[
                ("departement", "58", "offers.posted", value),
                ("canton", "58001", "offers.posted", value),
                ("departement", "58", "reach_new.drive.music.30min.population", 2 * value),
            ],
        )


def test_a_day_taken_twice_keeps_one_set_of_values(store: Store) -> None:
    _save(store, DAY1, 1.0)
    _save(store, DAY1, 3.0)
    _save(store, DAY2, 4.0)
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(ImpactSnapshot)) == 2
        assert session.scalar(select(func.count()).select_from(ImpactValue)) == 6
        series = read_series(session, "departement", indicators=["offers.posted"])
        assert series.values == [
            (DAY1, "58", "offers.posted", 3.0),
            (DAY2, "58", "offers.posted", 4.0),
        ]
        assert [s["date"] for s in series.snapshots] == ["2026-12-05", "2026-12-06"]
        assert series.snapshots[0]["data_sha256"] == "a" * 64
        prefixed = read_series(session, "departement", indicators=["reach_new."], date_to=DAY1)
        assert prefixed.values == [(DAY1, "58", "reach_new.drive.music.30min.population", 6.0)]
        # A prefix is a prefix, not a LIKE pattern.
        assert read_series(session, "departement", indicators=["offers_"]).values == []


def test_the_database_refuses_two_values_for_one_day_zone_and_indicator(store: Store) -> None:
    _save(store, DAY1, 1.0)
    with store.read() as session:
        snapshot_id = session.scalar(select(ImpactSnapshot.id))
    duplicate = ImpactValue(
        snapshot_id=snapshot_id,
        snapshot_date=DAY1,
        level="departement",
        zone_code="58",
        indicator="offers.posted",
        value=9.0,
    )
    with pytest.raises(IntegrityError):
        _add(store, duplicate)


def _add(store: Store, row: ImpactValue) -> None:
    with store.write() as session:
        session.add(row)
