"""Engine, sessions and migrations of the offers database.

SQLite (default) runs in WAL mode with foreign keys on; every write transaction starts with
``BEGIN IMMEDIATE`` so that concurrent writers queue on the lock (``busy_timeout``) instead of
failing with "database is locked" when a read turns into a write. PostgreSQL is reached
through psycopg 3. Writes go through :meth:`Store.write`, one transaction each: all or
nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from geoservice.errors import InvalidParameterError, ServiceUnavailableError
from geoservice.store.generation import bump_generation, read_generation

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: Key of the PostgreSQL advisory lock that serialises concurrent ``upgrade`` runs.
_MIGRATION_LOCK_KEY = 58_0058


def normalise_database_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` → ``postgresql+psycopg://`` (psycopg 3)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_store_engine(url: str, *, sqlite_busy_timeout_ms: int = 30_000) -> Engine:
    """An engine for `url`, with SQLite pragmas set on every new connection.

    Parameters
    ----------
    url
        SQLAlchemy URL: ``sqlite:///path/file.sqlite`` or ``postgresql://user@host:port/db``.
    sqlite_busy_timeout_ms
        How long a SQLite writer waits for the write lock, milliseconds.
    """
    try:
        parsed = make_url(normalise_database_url(url))
    except ArgumentError as e:
        raise InvalidParameterError("store.url", f"invalid database URL: {e}") from e
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            msg = "an in-memory SQLite database is not shared between connections; give a file"
            raise InvalidParameterError("store.url", msg)
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": sqlite_busy_timeout_ms / 1000},
        )
        _configure_sqlite(engine, sqlite_busy_timeout_ms)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise InvalidParameterError(
            "store.url", f"unsupported database {parsed.get_backend_name()!r}"
        )
    return create_engine(parsed, pool_pre_ping=True)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver must not issue BEGIN itself: we do it in _on_begin (SQLAlchemy's recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        # FULL: a committed transaction is on disk before COMMIT returns (power loss too).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("store_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def alembic_config() -> Config:
    """Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> str | None:
    """Apply the Alembic migrations up to `revision`; return the revision reached.

    Concurrent calls (several workers starting) are serialised: by ``BEGIN IMMEDIATE`` on
    SQLite, by an advisory lock on PostgreSQL.
    """
    config = alembic_config()
    with engine.execution_options(store_write=True).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        return MigrationContext.configure(conn).get_current_revision()


def database_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None`` when never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@functools.cache
def head_revision() -> str | None:
    """The newest revision shipped with the package (read once)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@dataclass(frozen=True)
class Store:
    """The database of posted offers: an engine and its session factory."""

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries; nothing it changes is committed."""
        try:
            with self.sessions() as session:
                yield session
        except OperationalError as e:
            raise ServiceUnavailableError(f"database unavailable: {e.orig}") from e

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one write transaction: committed at the end, rolled back on error.

        The transaction also increases the store's generation
        (:mod:`geoservice.store.generation`), so that readers drop what they derived from
        the data before it.
        """
        try:
            with (
                Session(
                    bind=self.engine.execution_options(store_write=True), expire_on_commit=False
                ) as session,
                session.begin(),
            ):
                yield session
                bump_generation(session)
        except OperationalError as e:
            raise ServiceUnavailableError(f"database unavailable: {e.orig}") from e

    def generation(self) -> int | None:
        """The committed generation (None: the database has none, keep nothing)."""
        try:
            return read_generation(self.engine)
        except OperationalError as e:
            raise ServiceUnavailableError(f"database unavailable: {e.orig}") from e

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_store(url: str, *, upgrade: bool = True, sqlite_busy_timeout_ms: int = 30_000) -> Store:
    """Connect to the database at `url`, applying pending migrations when `upgrade`."""
    engine = create_store_engine(url, sqlite_busy_timeout_ms=sqlite_busy_timeout_ms)
    try:
        if upgrade:
            upgrade_database(engine)
    except OperationalError as e:
        engine.dispose()
        raise ServiceUnavailableError(f"database unavailable: {e.orig}") from e
    return Store(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
