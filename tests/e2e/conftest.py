"""Fixtures of the end-to-end tests: the service on localhost and one headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.e2e.browser import find_chromium, launch_chromium, serve_app

ARTIFACTS = Path(__file__).parents[1] / "artifacts"


@pytest.fixture(scope="module")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip(
            "Debian's chromium is not installed (apt-get install chromium; .ci/run does it): "
            "the browser tests cannot run here"
        )
    return path


@pytest.fixture(scope="module")
def base_url(app: Flask) -> Iterator[str]:
    """The service, started in a thread on a free localhost port."""
    with serve_app(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    with launch_chromium(chromium_path) as b:
        yield b


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
