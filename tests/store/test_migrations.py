"""The Alembic migrations build exactly the models' schema, and downgrade cleanly."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import geoservice.store.account_models
import geoservice.store.impact_models
import geoservice.store.project_models
import geoservice.store.ride_models  # noqa: F401
from geoservice.store.db import (
    create_store_engine,
    database_revision,
    head_revision,
    upgrade_database,
)
from geoservice.store.models import Base


def _ignore_full_text(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
    # The full-text structures are created by the migration for one dialect only.
    return not (name or "").startswith(("offers_fts", "ix_offers_search_text_fts"))


def test_migrations_match_the_models(database_url: str) -> None:
    engine = create_store_engine(database_url)
    try:
        assert database_revision(engine) == head_revision()  # the fixture migrated it
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": _ignore_full_text, "compare_type": True}
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_downgrade_then_upgrade(database_url: str) -> None:
    from alembic import command

    from geoservice.store.db import alembic_config

    engine = create_store_engine(database_url)
    try:
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        assert upgrade_database(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert {"offers", "users", "moderation_events", "account_credentials"} <= tables
    finally:
        engine.dispose()
