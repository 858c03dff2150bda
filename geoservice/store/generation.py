"""The store's generation: a number every committed write transaction increases.

Readers that keep something derived from the database (the published posted offers with
their travel tables, the open rides) key it on the generation and read the database again
only when it changed. The number lives in the database, in the same transaction as the
write, so every worker process (and the command line) sees a change once it is committed,
and never before: a reader reads the generation first and the data after it, so what it
keeps is never older than the generation it keeps it under.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from geoservice.store.models import Base

#: Primary key of the one row.
_ROW_ID = 1


class StoreGeneration(Base):
    """One row: the number of write transactions committed (migration ``0006``)."""

    __tablename__ = "store_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


def bump_generation(session: Session) -> None:
    """Increase the generation inside `session`'s write transaction (committed with it)."""
    done = session.execute(
        update(StoreGeneration)
        .where(StoreGeneration.id == _ROW_ID)
        .values(value=StoreGeneration.value + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 1) == 0:  # the row was removed by hand: start again
        session.add(StoreGeneration(id=_ROW_ID, value=1))


def read_generation(engine: Engine) -> int | None:
    """The committed generation, or None when the database has no generation (not
    migrated, or the row removed): then nothing may be kept.

    One plain query on a pooled DBAPI connection (≈ 25 µs on SQLite, where SQLAlchemy's
    Core connection and statement took ≈ 300 µs): it runs on every ranking request.

    Raises
    ------
    sqlalchemy.exc.OperationalError
        The database cannot be reached.
    """
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(_SELECT)
            row = cursor.fetchone()
        finally:
            cursor.close()
    except engine.dialect.loaded_dbapi.Error:
        return None
    finally:
        connection.close()
    return None if row is None else int(row[0])


_SELECT = f"SELECT value FROM store_generation WHERE id = {_ROW_ID}"
