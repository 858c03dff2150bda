"""Shared fixtures: the settings and the runtime are loaded once per session."""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geoservice.runtime import Runtime, load_runtime
from geoservice.settings import Settings, load_settings
from geoservice.store.db import Store, open_store
from geoservice.store.location import Coverage, coverage_from_communes
from geoservice.web import create_app

TESTS_DIR = Path(__file__).parent
TEST_DATA = TESTS_DIR / "data"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The project's configuration, ignoring the caller's GEOSERVICE_* variables; the offers
    database is a SQLite file in a temporary folder."""
    store_file = tmp_path_factory.mktemp("store") / "offers.sqlite"
    return load_settings(environ={}, overrides={"store.url": f"sqlite:///{store_file}"})


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


# --- The offers database on SQLite and on a real PostgreSQL server -------------------------


def _postgres_bindir() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and (Path(found).parent / "initdb").is_file() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as_postgres(args: list[str]) -> None:
    """Run a server command; as root, through the ``postgres`` user (initdb refuses root)."""
    if os.geteuid() == 0:
        subprocess.run(["su", "postgres", "-c", shlex.join(args)], check=True, capture_output=True)
    else:
        subprocess.run(args, check=True, capture_output=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throw-away PostgreSQL cluster for the session; yields its admin URL.

    Skipped, saying why, when the server binaries are not installed (``.ci/run`` installs the
    Debian package ``postgresql``).
    """
    bindir = _postgres_bindir()
    if bindir is None:
        pytest.skip(
            "PostgreSQL server not installed (no initdb/pg_ctl under /usr/lib/postgresql): "
            "PostgreSQL store tests skipped; `apt-get install postgresql` to run them"
        )
    root = Path(tempfile.mkdtemp(prefix="geoservice-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", _free_port()
    _run_as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"])
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=on"
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log")]
    _run_as_postgres([*pg_ctl, "-w", "start"])
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        _run_as_postgres([*pg_ctl, "-m", "fast", "-w", "stop"])
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_database(postgres_server: str) -> Iterator[str]:
    """A database on the test server, migrated once for the session."""
    import psycopg

    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = postgres_server.rsplit("/", 1)[0] + "/" + name
    open_store(url).dispose()  # applies the migrations
    yield url
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


#: Tables emptied between tests on the shared PostgreSQL database, children first.
STORE_TABLES = (
    "impact_values",
    "impact_snapshots",
    "notifications",
    "ride_bookings",
    "rides",
    "project_events",
    "project_responses",
    "project_needs",
    "project_themes",
    "projects",
    "moderation_events",
    "offer_timings",
    "offer_themes",
    "offers",
    "account_sessions",
    "password_resets",
    "account_credentials",
    "api_tokens",
    "users",
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty, migrated database: a fresh SQLite file, or the session's PostgreSQL
    database with every table emptied."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'offers.sqlite'}"
        open_store(url).dispose()
        return url
    import psycopg

    url: str = request.getfixturevalue("postgres_database")
    with psycopg.connect(url) as conn:  # DELETE: much faster than TRUNCATE on tiny tables
        for table in STORE_TABLES:
            conn.execute(f"DELETE FROM {table}")
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """An empty, migrated offers database (SQLite and PostgreSQL)."""
    opened = open_store(database_url)
    yield opened
    opened.dispose()


@pytest.fixture(scope="session")
def coverage(runtime: Runtime) -> Coverage:
    """Communes and accepted area of posted points (the Nièvre + 5 km)."""
    return coverage_from_communes(runtime.communes, margin_m=5_000)
