"""The store's generation: every committed write increases it, a failed one does not."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from geoservice.store.auth import add_user
from geoservice.store.db import Store


def test_committed_writes_increase_the_generation(store: Store) -> None:
    before = store.generation()
    assert before is not None
    with store.write() as session:
        add_user(session, "alice", "contributor")
    after = store.generation()
    assert after is not None
    assert after > before
    with pytest.raises(RuntimeError):
        _failing_write(store)
    assert store.generation() == after
    with store.read() as session:
        add_user(session, "carol", "contributor")  # a read session commits nothing
    assert store.generation() == after


def _failing_write(store: Store) -> None:
    with store.write() as session:
        add_user(session, "bob", "contributor")
        raise RuntimeError("rolled back")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_missing_row_restarts_and_a_missing_table_keeps_nothing(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM store_generation"))
    assert store.generation() is None
    with store.write() as session:
        add_user(session, "alice", "contributor")
    assert store.generation() == 1
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE store_generation"))
    assert store.generation() is None
