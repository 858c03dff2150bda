"""``geoservice impact snapshot``: one stored set of values per day, bad dates refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from geoservice.cli import main
from geoservice.store.db import open_store
from geoservice.store.impact_models import ImpactSnapshot, ImpactValue


@pytest.mark.slow
def test_snapshot_command_stores_the_day_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'offers.sqlite'}"
    monkeypatch.setenv("GEOSERVICE_STORE__URL", url)
    assert main(["impact", "snapshot", "--date", "2026-12-05"]) == 0
    first = capsys.readouterr().out
    assert "impact snapshot 2026-12-05" in first
    assert main(["impact", "snapshot", "--date", "2026-12-05"]) == 0
    store = open_store(url)
    try:
        with store.read() as session:
            assert session.scalar(select(func.count()).select_from(ImpactSnapshot)) == 1
            count = session.scalar(select(func.count()).select_from(ImpactValue))
            snapshot = session.scalars(select(ImpactSnapshot)).one()
    finally:
        store.dispose()
    assert f"{count} values stored" in first
    assert len(snapshot.data_sha256) == 64
    assert snapshot.inputs["platform_rows"] == {
        "posted_offers": 0,
        "projects": 0,
        "rides": 0,
        "accepted_bookings": 0,
    }


def test_a_bad_date_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["impact", "snapshot", "--date", "5/12/2026"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
