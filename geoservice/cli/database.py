"""``geoservice db`` and ``geoservice users``: the offers database and its accounts."""

from __future__ import annotations

import argparse

from sqlalchemy import select

from geoservice.cli.options import settings_from_args
from geoservice.store.auth import add_user, find_user, issue_token, revoke_tokens
from geoservice.store.config import store_config_from_settings
from geoservice.store.db import Store, database_revision, open_store, upgrade_database
from geoservice.store.models import User


def _open_store(args: argparse.Namespace, *, upgrade: bool) -> Store:
    config = store_config_from_settings(settings_from_args(args))
    return open_store(
        config.url, upgrade=upgrade, sqlite_busy_timeout_ms=config.sqlite_busy_timeout_ms
    )


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Apply the Alembic migrations up to ``args.revision``."""
    store = _open_store(args, upgrade=False)
    before = database_revision(store.engine)
    after = upgrade_database(store.engine, args.revision)
    print(f"database {store.engine.url.render_as_string(hide_password=True)}: {before} → {after}")
    return 0


def cmd_users_add(args: argparse.Namespace) -> int:
    """Create a user and print its first API token (shown once)."""
    store = _open_store(args, upgrade=True)
    with store.write() as session:
        user, token = add_user(session, args.name, args.role)
        print(f"user {user.name!r} ({user.role}) created; its API token (shown only once):")
    print(token)
    return 0


def cmd_users_token(args: argparse.Namespace) -> int:
    """Print a new API token for a user, or revoke all of theirs."""
    store = _open_store(args, upgrade=True)
    with store.write() as session:
        user = find_user(session, args.name)
        if args.revoke:
            count = revoke_tokens(session, user)
            print(f"{count} token(s) of {user.name!r} revoked")
            return 0
        token = issue_token(session, user)
    print(token)
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    """One line per user: name, role, active token count."""
    store = _open_store(args, upgrade=True)
    with store.read() as session:
        for user in session.scalars(select(User).order_by(User.name)):
            active = sum(1 for t in user.tokens if t.revoked_at is None)
            print(f"{user.name}\t{user.role}\t{active} active token(s)")
    return 0
