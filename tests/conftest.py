"""Shared fixtures: the settings and the runtime are loaded once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geoservice.runtime import Runtime, load_runtime
from geoservice.settings import Settings, load_settings
from geoservice.web import create_app

TESTS_DIR = Path(__file__).parent
TEST_DATA = TESTS_DIR / "data"


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The project's configuration, ignoring the caller's GEOSERVICE_* variables."""
    return load_settings(environ={})


@pytest.fixture(scope="session")
def raw_dir(settings: Settings) -> Path:
    """The staged raw sources (../shared/data/raw)."""
    path = settings.raw_dir
    if not path.is_dir():
        pytest.fail(f"raw sources not found at {path}: clone with ../shared beside the repo")
    return path


@pytest.fixture(scope="session")
def runtime(settings: Settings) -> Runtime:
    """The embedded Nièvre data, loaded once."""
    return load_runtime(settings)


@pytest.fixture(scope="session")
def app(runtime: Runtime) -> Flask:
    return create_app(runtime=runtime)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as c:
        yield c
