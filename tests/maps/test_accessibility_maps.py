"""Maps of the accessibility tables: every theme × mode, and ``geoservice map accessibility``.

These are the service's computed times (``Runtime.accessibility``), not test inputs.
"""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import mapclassify
import numpy as np
import pytest
from PIL import Image

from geoservice.cli import main
from geoservice.maps.choropleth import UNREACHABLE_CLASS, classify_frame
from geoservice.maps.config import MapConfig
from geoservice.maps.render import accessibility_texts, accessibility_zones, render_choropleth
from geoservice.runtime import Runtime
from geoservice.settings import load_settings

# Parameters are read from the configuration at collection time (no data loading).
_SETTINGS = load_settings(environ={})
THEMES = tuple(_SETTINGS.get("themes.vocabulary", ()))
MODES = ("drive", "bike", "walk", "transit")
SMALL = MapConfig(width_px=480, height_px=400, dpi=60)


def test_every_mode_of_the_tables_is_mapped(runtime: Runtime) -> None:
    assert runtime.accessibility is not None
    assert set(runtime.accessibility.modes) == set(MODES)
    assert len(THEMES) >= 5


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("theme", THEMES)
def test_png_of_each_theme_and_mode_has_its_size_and_class_colours(
    runtime: Runtime, theme: str, mode: str
) -> None:
    model = runtime.accessibility
    assert model is not None
    zones = accessibility_zones(
        runtime.communes, model.commune_figures(model.target(theme, None), mode)
    )
    assert len(zones) == 309
    cf = classify_frame(zones, "time_s")
    # The classes are mapclassify's on the same minutes.
    minutes = zones["time_s"].to_numpy() / 60
    finite = np.isfinite(minutes)
    if finite.sum() > 1 and len(np.unique(minutes[finite])) > 1:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
            k = min(5, len(np.unique(minutes[finite])))
            theirs = mapclassify.FisherJenks(minutes[finite], k=k)
        np.testing.assert_array_equal(cf.frame["class"].to_numpy()[finite], theirs.yb)
    assert (cf.frame["class"].to_numpy()[~finite] == UNREACHABLE_CLASS).all()

    texts = accessibility_texts(theme, mode)
    rendered = render_choropleth(zones, "time_s", "png", config=SMALL, texts=texts)
    image = Image.open(io.BytesIO(rendered.content)).convert("RGB")
    assert image.size == (480, 400)
    pixels = np.asarray(image).reshape(-1, 3)
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    assert len(colours) > 20  # map, text and legend, not a blank page
    present = {
        "#{:02x}{:02x}{:02x}".format(*c) for c, n in zip(colours, counts, strict=True) if n > 5
    }
    for entry in cf.legend:
        if entry["count"] >= 5:
            assert entry["color"] in present, (theme, mode, entry)


def test_map_accessibility_command_writes_the_geojson_of_a_theme_and_mode(
    runtime: Runtime, tmp_path: Path
) -> None:
    out = tmp_path / "cinema_drive.geojson"
    assert (
        main(["map", "accessibility", "--theme", "cinema", "--mode", "drive", "-o", str(out)]) == 0
    )
    collection = json.loads(out.read_text(encoding="utf-8"))
    model = runtime.accessibility
    assert model is not None
    figures = model.commune_figures(model.target("cinema", None), "drive").set_index("commune_code")
    threshold = collection["legend"]["threshold_minutes"]
    assert threshold == runtime.settings.get("accessibility.default_threshold_minutes")
    assert len(collection["features"]) == 309
    for feature in collection["features"]:
        props = feature["properties"]
        time_s = figures.loc[props["code"], "time_s"]
        assert props["time_s"] == pytest.approx(time_s)
        assert props["underserved"] is bool(np.isnan(time_s) or time_s / 60 > threshold)
    assert collection["title"].endswith("Cinéma, audiovisuel")
    assert "main roads only" in collection["note"]  # the network's limits, as on the PNG


def test_map_accessibility_command_png_and_bad_arguments(
    tmp_path: Path, artifacts_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = artifacts_dir / "accessibility_books_bike.png"
    assert main(["map", "accessibility", "--theme", "books", "--mode", "bike", "-o", str(out)]) == 0
    with Image.open(out) as image:
        assert image.size == (1200, 1000)
    capsys.readouterr()
    assert main(["map", "accessibility", "--theme", "nope", "-o", str(tmp_path / "x.png")]) == 2
    assert "unknown theme 'nope'" in capsys.readouterr().err
    assert (
        main(
            [
                "map",
                "accessibility",
                "--category",
                "cinema",
                "--mode",
                "fly",
                "-o",
                str(tmp_path / "x.png"),
            ]
        )
        == 2
    )
    assert "allowed: bike, drive, transit, walk" in capsys.readouterr().err
