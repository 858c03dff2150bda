"""Scale bar length, north arrow angle, configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoservice.errors import InvalidParameterError
from geoservice.maps._layout import nice_scale_length_m, true_north_angle_deg
from geoservice.maps.config import MapConfig
from geoservice.settings import Settings, load_settings


@pytest.mark.parametrize(
    ("width_m", "expected_m"),
    [(120_000, 20_000), (100_000, 20_000), (50_000, 10_000), (9_000, 2_000), (4_000, 1_000)],
)
def test_scale_bar_is_a_round_length_under_a_quarter_of_the_map(
    width_m: float, expected_m: float
) -> None:
    assert nice_scale_length_m(width_m) == expected_m


def test_true_north_is_within_a_degree_of_grid_north_over_the_nievre() -> None:
    # Nevers in Lambert-93; east of the 3°E central meridian, so true north leans west.
    angle = true_north_angle_deg(710_000, 6_650_000)
    assert -1.0 < angle < 0.0
    # On the central meridian grid north is true north.
    assert true_north_angle_deg(700_000, 6_650_000) == pytest.approx(0.0, abs=0.02)


def test_map_config_reads_config_maps_toml(settings: Settings) -> None:
    config = MapConfig.from_settings(settings)
    assert config.scheme == "FisherJenks"
    assert config.palette == "viridis_r"
    # one threshold for maps and the underserved ranking
    assert config.underserved_minutes == settings.get("accessibility.default_threshold_minutes")
    assert "Ministère de la Culture" in config.attribution
    options = config.classify_options(k=None, threshold_minutes=30)
    assert options["k"] == config.k  # None keeps the configured value
    assert options["threshold_minutes"] == 30


def test_unknown_map_setting_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "maps.toml").write_text('[maps]\nschem = "Quantiles"\n')
    with pytest.raises(InvalidParameterError, match="schem"):
        MapConfig.from_settings(load_settings(tmp_path, environ={}))
