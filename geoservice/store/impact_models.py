"""Tables of the impact monitor: dated snapshots of indicators per zone.

One :class:`ImpactSnapshot` per day (unique ``snapshot_date``) records what the figures were
computed from (the data manifest's sha256, the accessibility tables' fingerprint, the
configuration of the indicators); its :class:`ImpactValue` rows hold one value per
(level, zone, indicator), unique per day. Taking a snapshot again on the same day replaces
that day's rows (``geoservice impact snapshot``), so a day has one set of figures.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from geoservice.store.models import Base, UtcDateTime, utc_now


class ImpactSnapshot(Base):
    """The indicators of one day: when they were computed and from which inputs."""

    __tablename__ = "impact_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_date: Mapped[date] = mapped_column(Date, unique=True)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    #: sha256 of ``data/MANIFEST.json``: the derived data the figures rest on.
    data_sha256: Mapped[str] = mapped_column(String(64))
    #: The inputs besides the data files: accessibility fingerprint, parameters, counts of
    #: the platform's rows read, the code version.
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ImpactValue(Base):
    """One indicator's value for one zone on one day."""

    __tablename__ = "impact_values"
    __table_args__ = (
        UniqueConstraint(
            "snapshot_date", "level", "zone_code", "indicator", name="uq_impact_values_day_zone"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("impact_snapshots.id", ondelete="CASCADE"), index=True
    )
    snapshot_date: Mapped[date] = mapped_column(Date, index=True)
    level: Mapped[str] = mapped_column(String(16))
    zone_code: Mapped[str] = mapped_column(String(16))
    indicator: Mapped[str] = mapped_column(String(120), index=True)
    value: Mapped[float] = mapped_column(Float)
