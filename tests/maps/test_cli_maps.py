"""``geoservice map ...`` commands, end to end on the real commune polygons.

The value table written here is a TEST input (straight-line distance to Nevers at 50 km/h,
see conftest.py), not travel times.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import geopandas as gpd
import pytest
from PIL import Image

from geoservice.cli import main


@pytest.fixture(scope="module")
def values_csv(
    tmp_path_factory: pytest.TempPathFactory, test_times: gpd.GeoDataFrame, test_col: str
) -> Path:
    path = tmp_path_factory.mktemp("maps") / "test_values.csv"
    # Drop two communes from the table: they must be drawn as unreachable.
    table = test_times[["code", test_col]].iloc[:-2]
    table.to_csv(path, index=False)
    return path


def test_choropleth_command_writes_a_geojson_with_unmatched_communes_unreachable(
    values_csv: Path, tmp_path: Path, test_col: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "map.geojson"
    status = main(
        [
            "map",
            "choropleth",
            "--input",
            str(values_csv),
            "--column",
            test_col,
            "-o",
            str(out),
            "--scheme",
            "UserDefined",
            "--bins",
            "15,30,45,60",
            "--threshold-minutes",
            "30",
        ]
    )
    assert status == 0
    collection = json.loads(out.read_text(encoding="utf-8"))
    assert len(collection["features"]) == 309
    unreachable = [f for f in collection["features"] if f["properties"]["class"] == -1]
    assert len(unreachable) == 3 + 2  # NaN in the test input + missing from the table
    uppers = [c["upper_minutes"] for c in collection["legend"]["classes"][:4]]
    assert uppers == [15.0, 30.0, 45.0, 60.0]
    assert collection["legend"]["threshold_minutes"] == 30.0
    assert "5 without value" in capsys.readouterr().out


def test_choropleth_command_writes_a_png_of_the_configured_size(
    values_csv: Path, tmp_path: Path, test_col: str
) -> None:
    out = tmp_path / "map.png"
    status = main(
        [
            "map",
            "choropleth",
            "--input",
            str(values_csv),
            "--column",
            test_col,
            "-o",
            str(out),
            "--title",
            "Entrée de test",
            "--k",
            "4",
        ]
    )
    assert status == 0
    assert Image.open(io.BytesIO(out.read_bytes())).size == (1200, 1000)


def test_choropleth_command_reports_bad_arguments_with_status_2(
    values_csv: Path, tmp_path: Path, test_col: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "map",
                "choropleth",
                "--input",
                str(values_csv),
                "--column",
                test_col,
                "-o",
                str(tmp_path / "map.pdf"),
            ]
        )
        == 2
    )
    assert "allowed: .geojson, .html, .png" in capsys.readouterr().err
    assert (
        main(
            [
                "map",
                "choropleth",
                "--input",
                str(values_csv),
                "--column",
                "nope",
                "-o",
                str(tmp_path / "map.png"),
            ]
        )
        == 2
    )
    assert "lacks column(s) ['nope']" in capsys.readouterr().err
    assert not (tmp_path / "map.png").exists()


def test_isochrones_command_draws_a_bands_file(communes: gpd.GeoDataFrame, tmp_path: Path) -> None:
    centre = communes[communes["code"] == "58194"].to_crs("EPSG:2154").representative_point()
    bands = gpd.GeoDataFrame(
        {"value": [900, 1800]},
        geometry=[centre.iloc[0].buffer(8_000), centre.iloc[0].buffer(16_000)],
        crs="EPSG:2154",
    ).to_crs("EPSG:4326")
    path = tmp_path / "bands.geojson"
    bands.to_file(path, driver="GeoJSON")
    out = tmp_path / "iso.png"
    assert main(["map", "isochrones", "--input", str(path), "-o", str(out)]) == 0
    assert Image.open(io.BytesIO(out.read_bytes())).size == (1200, 1000)


def test_choropleth_command_reads_minutes_when_told(
    test_times: gpd.GeoDataFrame, test_col: str, tmp_path: Path
) -> None:
    table = test_times[["code", test_col]].assign(**{test_col: test_times[test_col] / 60})
    path = tmp_path / "minutes.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "map.geojson"
    args = ["map", "choropleth", "--input", str(path), "--column", test_col, "--unit", "min"]
    assert main([*args, "-o", str(out)]) == 0
    collection = json.loads(out.read_text(encoding="utf-8"))
    by_code = {
        f["properties"]["code"]: f["properties"]["value_minutes"] for f in collection["features"]
    }
    expected = test_times.set_index("code")[test_col] / 60
    assert by_code["58194"] == pytest.approx(expected["58194"], abs=0.01)
    assert by_code["58086"] == pytest.approx(expected["58086"], abs=0.01)
