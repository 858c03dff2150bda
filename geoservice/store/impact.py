"""The impact monitor in the database: the platform's rows as of a day, and the snapshots.

:func:`platform_rows_as_of` reads what the indicators count, as plain records, keeping what
existed at the end of a day: offers and projects published by then and still published,
rides created by then and still open, bookings and responses accepted by then. Rows deleted
or withdrawn later are not seen any more (``docs/impact.md``, limits).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, insert, or_, select
from sqlalchemy.orm import Session

from geoservice.store.impact_models import ImpactSnapshot, ImpactValue
from geoservice.store.models import Offer
from geoservice.store.project_models import Project
from geoservice.store.records import offer_to_record
from geoservice.store.ride_models import Ride, RideBooking

#: What the indicators read of a posted offer.
_POSTED_FIELDS = ("offer_id", "kind", "themes", "commune_code", "lon", "lat", "timings")


def platform_rows_as_of(session: Session, end: datetime) -> dict[str, list[dict[str, Any]]]:
    """``posted``, ``projects``, ``rides``, ``bookings`` as they stood before `end` (UTC-aware;
    the next midnight of the day in Europe/Paris)."""
    offers = session.scalars(
        select(Offer)
        .where(
            Offer.status == "published",
            Offer.deleted_at.is_(None),
            Offer.published_at.is_not(None),
            Offer.published_at < end,
        )
        .order_by(Offer.id)
    ).all()
    posted = []
    for o in offers:
        r = offer_to_record(o)
        posted.append(
            {
                k: r[k]
                for k in ("offer_id", "kind", "themes", "commune_code", "lon", "lat", "timings")
            }
        )
    projects = session.scalars(
        select(Project)
        .where(
            Project.status == "published",
            Project.deleted_at.is_(None),
            Project.published_at.is_not(None),
            Project.published_at < end,
        )
        .order_by(Project.id)
    ).all()
    project_rows = []
    for p in projects:
        members = {p.owner_id}
        members.update(
            r.responder_id
            for r in p.responses
            if r.status == "accepted" and r.decided_at is not None and r.decided_at < end
        )
        project_rows.append(
            {"project_id": p.project_id, "commune_code": p.commune_code, "members": len(members)}
        )
    rides = session.scalars(
        select(Ride).where(Ride.status == "open", Ride.created_at < end).order_by(Ride.id)
    ).all()
    ride_rows = [
        {
            "ride_id": r.id,
            "departure_commune_code": r.departure_commune_code,
            "seats": r.seats,
            "departure_lon": r.departure_lon,
            "departure_lat": r.departure_lat,
            "destination_lon": r.destination_lon,
            "destination_lat": r.destination_lat,
        }
        for r in rides
    ]
    bookings = session.scalars(
        select(RideBooking)
        .where(
            RideBooking.status == "accepted",
            RideBooking.decided_at.is_not(None),
            RideBooking.decided_at < end,
            RideBooking.ride_id.in_([r.id for r in rides]),
        )
        .order_by(RideBooking.id)
    ).all()
    booking_rows = [
        {
            "ride_id": b.ride_id,
            "pickup_lon": b.pickup_lon,
            "pickup_lat": b.pickup_lat,
            "pickup_commune_code": b.pickup_commune_code,
        }
        for b in bookings
    ]
    return {
        "posted": posted,
        "projects": project_rows,
        "rides": ride_rows,
        "bookings": booking_rows,
    }


def save_snapshot(
    session: Session,
    day: date,
    *,
    data_sha256: str,
    inputs: dict[str, Any],
    values: Iterable[tuple[str, str, str, float]],
) -> int:
    """Store the snapshot of `day` (level, zone code, indicator, value rows), replacing any
    earlier snapshot of the same day; the number of values stored."""
    session.execute(delete(ImpactValue).where(ImpactValue.snapshot_date == day))
    session.execute(delete(ImpactSnapshot).where(ImpactSnapshot.snapshot_date == day))
    snapshot = ImpactSnapshot(snapshot_date=day, data_sha256=data_sha256, inputs=inputs)
    session.add(snapshot)
    session.flush()
    rows = [
        {
            "snapshot_id": snapshot.id,
            "snapshot_date": day,
            "level": level,
            "zone_code": zone,
            "indicator": indicator,
            "value": float(value),
        }
        for level, zone, indicator, value in values
    ]
    if rows:
        session.execute(insert(ImpactValue), rows)
    return len(rows)


@dataclass(frozen=True)
class StoredSeries:
    """Snapshots and values read back: ``snapshots`` (date, taken_at, data_sha256, inputs)
    and ``values`` (date, zone_code, indicator, value), both by date."""

    snapshots: list[dict[str, Any]]
    values: list[tuple[date, str, str, float]]


def read_series(
    session: Session,
    level: str,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    indicators: Sequence[str] = (),
    zone: str | None = None,
) -> StoredSeries:
    """The stored values of `level` between two days (inclusive), optionally restricted to
    indicator ids or prefixes ending in ``.`` (``reach_new.``) and to one zone."""
    snaps = select(ImpactSnapshot).order_by(ImpactSnapshot.snapshot_date)
    query = select(
        ImpactValue.snapshot_date, ImpactValue.zone_code, ImpactValue.indicator, ImpactValue.value
    ).where(ImpactValue.level == level)
    if date_from is not None:
        snaps = snaps.where(ImpactSnapshot.snapshot_date >= date_from)
        query = query.where(ImpactValue.snapshot_date >= date_from)
    if date_to is not None:
        snaps = snaps.where(ImpactSnapshot.snapshot_date <= date_to)
        query = query.where(ImpactValue.snapshot_date <= date_to)
    if zone is not None:
        query = query.where(ImpactValue.zone_code == zone)
    if indicators:
        exact = [i for i in indicators if not i.endswith(".")]
        prefixes = [i for i in indicators if i.endswith(".")]
        clauses: list[ColumnElement[bool]] = [ImpactValue.indicator.in_(exact)] if exact else []
        clauses += [ImpactValue.indicator.startswith(p, autoescape=True) for p in prefixes]
        query = query.where(or_(*clauses))
    query = query.order_by(ImpactValue.indicator, ImpactValue.zone_code, ImpactValue.snapshot_date)
    snapshots = [
        {
            "date": s.snapshot_date.isoformat(),
            "taken_at": s.taken_at.isoformat(),
            "data_sha256": s.data_sha256,
            "inputs": s.inputs,
        }
        for s in session.scalars(snaps)
    ]
    values = [(d, str(z), str(i), float(v)) for d, z, i, v in session.execute(query)]
    return StoredSeries(snapshots=snapshots, values=values)
