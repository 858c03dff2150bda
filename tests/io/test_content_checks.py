"""Start-up content checks: an empty or wrong-shaped data file stops start-up with one line
naming the file and the rebuild command, even when its checksum matches the manifest."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from geoservice.errors import DataError
from geoservice.io.content_checks import check_data_content
from geoservice.runtime import load_runtime
from geoservice.settings import Settings, load_settings


@pytest.fixture
def data_copy(settings: Settings, tmp_path: Path) -> Path:
    """A copy of the derived data the tests may spoil."""
    target = tmp_path / "data"
    shutil.copytree(settings.data_dir, target)
    return target


def _rewrite(path: Path, change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    path.write_text(json.dumps(change(json.loads(path.read_text(encoding="utf-8")))))


def _drop_level(collection: dict[str, Any]) -> dict[str, Any]:
    for feature in collection["features"]:
        del feature["properties"]["level"]
    return collection


def _only_cantons(collection: dict[str, Any]) -> dict[str, Any]:
    kept = [f for f in collection["features"] if f["properties"]["level"] == "canton"]
    return {**collection, "features": kept}


def test_the_built_data_passes(settings: Settings) -> None:
    check_data_content(settings.data_dir)


@pytest.mark.parametrize(
    ("name", "change", "problem"),
    [
        ("zones.geojson", _drop_level, "lacks level"),
        ("zones.geojson", _only_cantons, "has no level departement, arrondissement, epci"),
        ("zones.geojson", lambda c: {**c, "features": []}, "has no features"),
        ("communes.geojson", lambda c: {**c, "features": []}, "has no features"),
        ("offers.geojson", lambda c: {"type": "Feature"}, "is not a GeoJSON FeatureCollection"),
        ("offers.geojson", lambda c: {**c, "features": [{"properties": {}}]}, "lacks offer_id"),
    ],
)
def test_wrong_shapes_name_the_file_and_the_rebuild(
    data_copy: Path, name: str, change: Callable[[dict[str, Any]], dict[str, Any]], problem: str
) -> None:
    _rewrite(data_copy / name, change)
    with pytest.raises(DataError) as info:
        check_data_content(data_copy)
    message = str(info.value)
    assert "\n" not in message
    assert str(data_copy / name) in message
    assert problem in message
    assert "geoservice data build" in message


def test_start_up_stops_on_an_empty_file_with_a_matching_manifest(data_copy: Path) -> None:
    zones = data_copy / "zones.geojson"
    zones.write_text('{"type": "FeatureCollection", "features": []}')
    manifest_path = data_copy / "MANIFEST.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["outputs"]["zones.geojson"] = hashlib.sha256(zones.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest))
    settings = load_settings(environ={}, overrides={"paths.data_dir": str(data_copy)})
    with pytest.raises(
        DataError, match=r"zones\.geojson has no features: run `geoservice data build`"
    ):
        load_runtime(settings)
