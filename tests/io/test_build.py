"""The whole data build: deterministic bytes, manifest, repairs printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoservice.io.build import build_data
from geoservice.io.manifest import sha256_file
from geoservice.settings import Settings


@pytest.mark.slow
def test_build_twice_gives_identical_bytes(
    settings: Settings, raw_dir: Path, tmp_path: Path
) -> None:
    lines: list[str] = []
    first = build_data(settings, raw_dir=raw_dir, out_dir=tmp_path / "a", echo=lines.append)
    second = build_data(settings, raw_dir=raw_dir, out_dir=tmp_path / "b", echo=lambda _: None)

    def files(root: Path) -> list[str]:
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())

    names = files(tmp_path / "a")
    assert names == files(tmp_path / "b")
    assert {"communes.geojson", "zones.geojson", "offers.geojson", "MANIFEST.json"} <= set(names)
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert first == second
    # The committed files are exactly what the build writes.
    for rel, sha in first["outputs"].items():  # type: ignore[attr-defined]
        assert sha256_file(settings.data_dir / rel) == sha, rel
    assert any("cnc:723200" in line for line in lines)  # repairs are printed
