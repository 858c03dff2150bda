"""``geoservice accessibility compute``: the committed tables are exactly what it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geoservice.cli import main
from geoservice.io.accessibility import FINGERPRINT_FILE, TABLE_FILES
from geoservice.settings import Settings


@pytest.mark.slow
def test_compute_writes_the_committed_tables(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["accessibility", "compute", "--workers", "1", "--out-dir", str(tmp_path)])
    assert status == 0
    out, err = capsys.readouterr()
    assert "inputs fingerprint" in out
    assert "100%" in err  # the tqdm progress bar goes to stderr
    committed = settings.data_dir / "accessibility"
    for name in (*[f"{t}.parquet" for t in TABLE_FILES], FINGERPRINT_FILE):
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), name
        assert (committed / name).stat().st_size < 1_000_000
    doc = json.loads((tmp_path / FINGERPRINT_FILE).read_text(encoding="utf-8"))
    assert "offers.geojson" in doc["inputs"]
    assert any(k.startswith("transit/") for k in doc["inputs"])


def test_unreachable_scheduler_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        [
            "accessibility",
            "compute",
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--scheduler-timeout",
            "1",
            "--out-dir",
            "/nonexistent",
        ]
    )
    assert status == 2
    assert "Dask scheduler" in capsys.readouterr().err
