"""Loading the derived files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geoservice.errors import MissingDataError
from geoservice.runtime import load_runtime
from geoservice.settings import Settings


@pytest.mark.parametrize("name", ["communes.geojson", "zones.geojson", "offers.geojson"])
def test_a_missing_data_file_names_itself_and_the_command(
    settings: Settings, tmp_path: Path, name: str
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(settings.data_dir, data_dir)
    (data_dir / name).unlink()
    with pytest.raises(MissingDataError) as info:
        load_runtime(settings.with_overrides({"paths.data_dir": str(data_dir)}))
    assert name in str(info.value)
    assert "geoservice data build" in str(info.value)
