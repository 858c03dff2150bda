"""The store's generation: a number every committed write transaction increases.

Readers that keep something derived from the database (the published posted offers with
their travel tables, the open rides) key it on the generation and read the database again
only when it changed. The number lives in the database, in the same transaction as the
write, so every worker process (and the command line) sees a change once it is committed,
and never before: a reader reads the generation first and the data after it, so what it
keeps is never older than the generation it keeps it under.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from geoservice.store.models import Base

#: Primary key of the one row.
_ROW_ID = 1


class StoreGeneration(Base):
    """One row: the number of write transactions committed (migration ``0005``)."""

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


def read_generation(connection: Connection) -> int | None:
    """The committed generation, or None when the database has no generation table (not
    migrated): then nothing may be kept."""
    try:
        value = connection.execute(
            select(StoreGeneration.value).where(StoreGeneration.id == _ROW_ID)
        ).scalar_one_or_none()
    except SQLAlchemyError:
        return None
    return None if value is None else int(value)
