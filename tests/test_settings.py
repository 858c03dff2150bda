"""Settings: TOML files merged, environment overrides typed, frozen."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoservice.errors import InvalidParameterError
from geoservice.settings import load_settings


def test_environment_overrides_are_parsed_as_toml_values(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('[server]\nport = 5000\nhost = "127.0.0.1"\n')
    settings = load_settings(
        tmp_path, environ={"GEOSERVICE_SERVER__PORT": "8080", "GEOSERVICE_SERVER__HOST": "::1"}
    )
    assert settings.get("server.port") == 8080
    assert settings.get("server.host") == "::1"


def test_settings_are_read_only(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text("[limits]\nbands = [15, 30]\n")
    settings = load_settings(tmp_path, environ={})
    with pytest.raises(TypeError):
        settings.section("limits")["bands"] = (1,)  # type: ignore[index]
    assert settings.get("limits.bands") == (15, 30)


def test_a_table_defined_twice_is_an_error_naming_both_files(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text("[server]\nport = 1\n")
    (tmp_path / "b.toml").write_text("[server]\nhost = 'x'\n")
    with pytest.raises(InvalidParameterError, match=r"a\.toml and b\.toml"):
        load_settings(tmp_path, environ={})


def test_relative_paths_resolve_against_the_project_root(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "p.toml").write_text('[paths]\ndata_dir = "data"\n')
    settings = load_settings(config, environ={})
    assert settings.data_dir == (tmp_path / "data").resolve()
