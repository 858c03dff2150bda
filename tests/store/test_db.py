"""Engine set-up: SQLite pragmas, URL handling."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from geoservice.errors import InvalidParameterError
from geoservice.settings import load_settings
from geoservice.store.config import store_config_from_settings
from geoservice.store.db import create_store_engine, normalise_database_url


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'sub' / 'x.sqlite'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert (tmp_path / "sub" / "x.sqlite").is_file()  # its folder was created
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.sqlite", "sqlite:///x.sqlite"),
    ],
)
def test_database_urls_use_psycopg_3(url: str, expected: str) -> None:
    assert normalise_database_url(url) == expected


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "mysql://u@h/db", "nonsense"])
def test_unusable_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidParameterError):
        create_store_engine(url)


def test_url_precedence(tmp_path: Path) -> None:
    config = tmp_path / "config"  # relative paths resolve against its parent
    config.mkdir()
    (config / "store.toml").write_text('[store]\nurl = ""\nsqlite_path = "db/offers.sqlite"\n')
    default = store_config_from_settings(load_settings(config, environ={}), environ={})
    assert default.url == f"sqlite:///{tmp_path / 'db' / 'offers.sqlite'}"
    from_env = store_config_from_settings(
        load_settings(config, environ={}), environ={"DATABASE_URL": "postgresql://a@b/c"}
    )
    assert from_env.url == "postgresql://a@b/c"
    overridden = store_config_from_settings(
        load_settings(config, environ={"GEOSERVICE_STORE__URL": "sqlite:////srv/x.sqlite"}),
        environ={"DATABASE_URL": "postgresql://a@b/c"},
    )
    assert overridden.url == "sqlite:////srv/x.sqlite"
