"""sha256 of the raw sources against SOURCES.md."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geoservice.errors import ChecksumMismatchError, DataError, MissingDataError
from geoservice.io.sources import (
    checksums_from_manifest_text,
    checksums_from_sources_text,
    stated_checksums,
    verify_source,
)

CINEMAS = "cnc-cinemas/etablissements-cinematographiques.csv"


def test_every_staged_source_has_a_stated_checksum(raw_dir: Path) -> None:
    stated = stated_checksums(raw_dir)
    assert stated[CINEMAS] == "3ed4ffd31d2902c7efbe85a495c878ba649c8f62aa3ed0ce7d44e37258709331"
    assert stated["decoupage-administratif/epci.json"].startswith("40758ace")
    assert stated["france-geojson/cantons-58-nievre.geojson"].startswith("c002eb7d")
    assert "travelmapping-roads/MANIFEST.sha256" in stated
    for rel in stated:
        assert (raw_dir / rel).is_file(), rel


def test_verify_source_returns_the_checksum(raw_dir: Path) -> None:
    assert verify_source(raw_dir, CINEMAS) == stated_checksums(raw_dir)[CINEMAS]


def test_a_modified_file_raises_naming_file_and_both_checksums(
    raw_dir: Path, tmp_path: Path
) -> None:
    shutil.copy(raw_dir / "SOURCES.md", tmp_path / "SOURCES.md")
    target = tmp_path / CINEMAS
    target.parent.mkdir(parents=True)
    target.write_bytes((raw_dir / CINEMAS).read_bytes() + b"\n")
    with pytest.raises(ChecksumMismatchError) as info:
        verify_source(tmp_path, CINEMAS)
    message = str(info.value)
    assert CINEMAS in message
    assert "3ed4ffd31d2902c7efbe85a495c878ba649c8f62aa3ed0ce7d44e37258709331" in message
    assert "restore it" in message


def test_a_missing_file_or_unlisted_file_is_an_error(raw_dir: Path, tmp_path: Path) -> None:
    shutil.copy(raw_dir / "SOURCES.md", tmp_path / "SOURCES.md")
    with pytest.raises(MissingDataError, match="not found"):
        verify_source(tmp_path, CINEMAS)
    (tmp_path / "extra.csv").write_text("a\n")
    with pytest.raises(DataError, match="no sha256"):
        verify_source(tmp_path, "extra.csv")


def test_parser_reads_tables_and_inline_checksums() -> None:
    text = (
        "## 1. `geo/` — polygons\n"
        "| file | sha256 |\n"
        f"| `a.geojson` | {'a' * 64} |\n"
        "## 2. `tables/b.csv` — a table\n"
        f"- Size 3 B, sha256 {'b' * 64}.\n"
        "## 3. `roads/` — waypoints\n"
        f"Every sha256 is in `roads/MANIFEST.sha256`\n(itself sha256 {'c' * 64}); ok\n"
    )
    assert checksums_from_sources_text(text) == {
        "geo/a.geojson": "a" * 64,
        "tables/b.csv": "b" * 64,
        "roads/MANIFEST.sha256": "c" * 64,
    }
    manifest = f"{'d' * 64}  x/y.wpt\nnot a line\n"
    assert checksums_from_manifest_text(manifest, "roads/") == {"roads/x/y.wpt": "d" * 64}
