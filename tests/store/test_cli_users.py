"""``geoservice db upgrade`` and ``geoservice users …`` on a SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoservice.cli import main
from geoservice.store.auth import actor_from_token, hash_token
from geoservice.store.db import database_revision, head_revision, open_store
from geoservice.store.models import ApiToken


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("GEOSERVICE_STORE__URL", url)
    return url


def test_db_upgrade_reaches_head(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert f"None → {head_revision()}" in capsys.readouterr().out
    store = open_store(store_url, upgrade=False)
    assert database_revision(store.engine) == head_revision()
    store.dispose()


def test_users_add_prints_the_token_once_and_stores_its_hash(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "add", "Médiathèque de Cosne", "--role", "organisation"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("gs_")
    assert len(token) > 40
    store = open_store(store_url)
    with store.read() as session:
        actor = actor_from_token(session, token)
        stored = [t.token_sha256 for t in session.query(ApiToken)]
    assert (actor.name, actor.role) == ("Médiathèque de Cosne", "organisation")
    assert stored == [hash_token(token)]  # only the hash is kept
    assert token not in Path(store_url.removeprefix("sqlite:///")).read_bytes().decode("latin-1")
    store.dispose()


def test_users_add_refuses_unknown_roles_and_duplicates(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["users", "add", "eve", "--role", "admin"])
    assert main(["users", "add", "eve", "--role", "moderator"]) == 0
    assert main(["users", "add", "eve", "--role", "moderator"]) == 2
    assert "already exists" in capsys.readouterr().err


def test_revoked_tokens_stop_working(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["users", "add", "bob", "--role", "contributor"])
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["users", "token", "bob", "--revoke"]) == 0
    assert "1 token(s)" in capsys.readouterr().out
    store = open_store(store_url)
    with store.read() as session, pytest.raises(PermissionError):
        actor_from_token(session, token)
    store.dispose()
    assert main(["users", "list"]) == 0
    assert "bob\tcontributor\t0 active token(s)" in capsys.readouterr().out
