"""GTFS build step: checksum, subset rules, determinism, configured merge of several feeds."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import shapely

from geoservice.errors import ChecksumMismatchError, MissingColumnError
from geoservice.io.build import build_data
from geoservice.io.build_steps import BuildContext
from geoservice.io.gtfs import read_gtfs_dir, read_gtfs_zip
from geoservice.io.gtfs_subset import read_area_polygon_2154
from geoservice.io.manifest import sha256_file
from geoservice.io.transit_build import build_transit
from geoservice.settings import Settings

TER_ZIP = "sncf-ter-gtfs/export-ter-gtfs-last.zip"
AREA = "france-geojson/departement-58-nievre.geojson"


@pytest.fixture(scope="module")
def built(settings: Settings, raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    build_data(settings, steps=[("transit", build_transit)], out_dir=out, echo=lambda _: None)
    return out / "transit"


def test_build_reproduces_committed_files(built: Path, settings: Settings) -> None:
    """Building again gives byte-identical files to those committed in data/transit/."""
    committed = settings.data_dir / "transit"
    names = sorted(p.name for p in built.iterdir())
    assert names == sorted(p.name for p in committed.iterdir())
    for name in names:
        assert (built / name).read_bytes() == (committed / name).read_bytes(), name


def test_subset_stops_lie_within_buffer(built: Path, raw_dir: Path, settings: Settings) -> None:
    area = read_area_polygon_2154(raw_dir / AREA, float(settings.get("transit.buffer_km")) * 1000)
    tables = read_gtfs_dir(built)
    stops = tables.stops[tables.stops["location_type"] != "1"]
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True).transform(
        stops["stop_lon"].astype(float).to_numpy(), stops["stop_lat"].astype(float).to_numpy()
    )
    assert shapely.contains_xy(area, x, y).all()
    assert len(stops) > 100
    names = set(tables.stops["stop_name"])
    assert {"Nevers", "Cosne-sur-Loire", "La Charité-sur-Loire", "Saincaize"} <= names
    # Orléans is ~100 km from the Nièvre: outside.
    assert "Orléans" not in names


def test_subset_trips_and_ids(built: Path) -> None:
    tables = read_gtfs_dir(built)
    calls = tables.stop_times.groupby("trip_id").size()
    assert (calls >= 2).all()
    assert set(calls.index) == set(tables.trips["trip_id"])
    for df, col in (
        (tables.stops, "stop_id"),
        (tables.trips, "trip_id"),
        (tables.routes, "route_id"),
        (tables.trips, "service_id"),
    ):
        assert df[col].str.startswith("ter:").all()
    assert set(tables.trips["service_id"]) <= set(tables.calendar_dates["service_id"])
    seq = tables.stop_times.assign(n=tables.stop_times["stop_sequence"].astype(int))
    assert (seq.groupby("trip_id")["n"].diff().dropna() > 0).all()
    assert tables.feed_info["feed_start_date"].tolist() == ["20250122"]
    assert tables.feed_info["feed_end_date"].tolist() == ["20250422"]


def test_checksum_mismatch_is_refused(settings: Settings, raw_dir: Path, tmp_path: Path) -> None:
    bad = settings.with_overrides(
        {"transit.feeds": [{"id": "ter", "path": TER_ZIP, "sha256": "0" * 64}]}
    )
    ctx = BuildContext(settings=bad, raw_dir=raw_dir, out_dir=tmp_path, echo=lambda _: None)
    with pytest.raises(ChecksumMismatchError, match="sha256"):
        build_transit(ctx)


def _zip_dir(folder: Path, target: Path, drop_column: tuple[str, str] | None = None) -> None:
    with zipfile.ZipFile(target, "w") as zf:
        for path in sorted(folder.glob("*.txt")):
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
            if drop_column and path.stem == drop_column[0]:
                df = df.drop(columns=[drop_column[1]])
            zf.writestr(path.name, df.to_csv(index=False))


def test_second_feed_is_merged_by_configuration(
    built: Path, settings: Settings, raw_dir: Path, tmp_path: Path
) -> None:
    """A further zip (here: the TER subset itself, re-zipped) is merged with its own prefix."""
    raw = tmp_path / "raw"
    (raw / "france-geojson").mkdir(parents=True)
    (raw / "sncf-ter-gtfs").mkdir()
    shutil.copy(raw_dir / AREA, raw / AREA)
    shutil.copy(raw_dir / TER_ZIP, raw / TER_ZIP)
    second = raw / "second.zip"
    _zip_dir(built, second)
    feeds = [
        dict(settings.get("transit.feeds")[0]),
        {"id": "b", "path": "second.zip", "sha256": sha256_file(second)},
    ]
    two = settings.with_overrides({"transit.feeds": feeds})
    out = tmp_path / "out"
    build_data(two, steps=[("transit", build_transit)], raw_dir=raw, out_dir=out, echo=print)
    merged = read_gtfs_dir(out / "transit")
    one = read_gtfs_dir(built)
    assert len(merged.trips) == 2 * len(one.trips)
    assert len(merged.stop_times) == 2 * len(one.stop_times)
    assert merged.trips["trip_id"].is_unique
    assert (merged.trips["trip_id"].str.startswith("b:ter:")).sum() == len(one.trips)
    assert sorted(merged.feed_info["feed_id"]) == ["b", "ter"]


def test_missing_required_column_is_reported(built: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.zip"
    _zip_dir(built, broken, drop_column=("stop_times", "departure_time"))
    with pytest.raises(MissingColumnError, match="departure_time"):
        read_gtfs_zip(broken, "broken.zip")


def test_sources_md_checksum_is_enforced_too(
    settings: Settings, raw_dir: Path, tmp_path: Path
) -> None:
    """The configured sha256 matches, but SOURCES.md states another: refused."""
    raw = tmp_path / "raw"
    (raw / "france-geojson").mkdir(parents=True)
    (raw / "sncf-ter-gtfs").mkdir()
    shutil.copy(raw_dir / AREA, raw / AREA)
    shutil.copy(raw_dir / TER_ZIP, raw / TER_ZIP)
    (raw / "SOURCES.md").write_text(
        f"## 3. `{TER_ZIP}` — TER\n\n- Size 1 B, sha256 {'a' * 64}.\n", encoding="utf-8"
    )
    ctx = BuildContext(settings=settings, raw_dir=raw, out_dir=tmp_path, echo=lambda _: None)
    with pytest.raises(ChecksumMismatchError, match=r"SOURCES\.md"):
        build_transit(ctx)
