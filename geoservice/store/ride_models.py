"""Tables of shared rides to events: rides, seat bookings and the notifications they send.

Seats: ``rides.seats_taken`` counts the bookings holding a seat (pending or accepted). A
seat is taken *at booking* by one conditional ``UPDATE`` (``seats_taken = seats_taken + 1
WHERE seats_taken < seats``, checked by its row count) and given back when the driver
declines or the rider cancels; the ``CHECK (seats_taken <= seats)`` constraint is the
database's second guarantee that a ride is never overbooked, whatever the isolation level.

Personal points (the driver's departure, the rider's pick-up point) are stored rounded to
:data:`POINT_DECIMALS` decimal places and never leave the store except to the two people of
an accepted booking; public listings show the departure commune only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from geoservice.store.models import Base, User, UtcDateTime, utc_now

#: Decimal places kept of a personal point (lon, lat): 0.001° is at most 111 m north-south
#: and 76 m east-west in the Nièvre (47° N), under a minute on foot and a few seconds by car
#: on the access leg, far below what separates two rides; finer would locate a house.
POINT_DECIMALS = 3
RIDE_STATUSES: tuple[str, ...] = ("open", "cancelled")
#: ``pending`` and ``accepted`` bookings hold a seat; the others do not.
BOOKING_STATUSES: tuple[str, ...] = ("pending", "accepted", "declined", "cancelled")
SEAT_HOLDING: tuple[str, ...] = ("pending", "accepted")
MAX_SEATS = 8


def round_point(lon: float, lat: float) -> tuple[float, float]:
    """A personal point at the precision kept (:data:`POINT_DECIMALS`)."""
    return round(lon, POINT_DECIMALS), round(lat, POINT_DECIMALS)


class Ride(Base):
    """A driver's offer of seats to an event (an offer) or to a point at a time."""

    __tablename__ = "rides"
    __table_args__ = (
        CheckConstraint(f"seats >= 1 AND seats <= {MAX_SEATS}", name="seats"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= seats", name="not_overbooked"),
        CheckConstraint("max_detour_minutes >= 0", name="detour"),
        CheckConstraint("status IN ('open', 'cancelled')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The event's offer id (open data or ``user:<n>``), or ``None`` for a point and time.
    event_offer_id: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    destination_name: Mapped[str] = mapped_column(String(200))
    destination_lon: Mapped[float] = mapped_column(Float)
    destination_lat: Mapped[float] = mapped_column(Float)
    arrive_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: Rounded (:data:`POINT_DECIMALS`); private.
    departure_lon: Mapped[float] = mapped_column(Float)
    departure_lat: Mapped[float] = mapped_column(Float)
    departure_commune_code: Mapped[str | None] = mapped_column(String(5), nullable=True)
    departure_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    return_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    seats: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    max_detour_minutes: Mapped[float] = mapped_column(Float)
    #: How to reach the driver (phone, e-mail): shown to accepted riders only.
    contact: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    driver: Mapped[User] = relationship()


class RideBooking(Base):
    """A rider's request for one seat of a ride."""

    __tablename__ = "ride_bookings"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'cancelled')", name="status"
        ),
        UniqueConstraint("ride_id", "rider_id", name="uq_ride_bookings_one_per_rider"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ride_id: Mapped[int] = mapped_column(ForeignKey("rides.id", ondelete="CASCADE"), index=True)
    rider_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Pick-up point, rounded (:data:`POINT_DECIMALS`); private.
    pickup_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    pickup_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    pickup_commune_code: Mapped[str | None] = mapped_column(String(5), nullable=True)
    contact: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    rider: Mapped[User] = relationship()
    ride: Mapped[Ride] = relationship()


class Notification(Base):
    """A message to one account (a booking to decide, a decision on one's booking)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    ride_id: Mapped[int | None] = mapped_column(
        ForeignKey("rides.id", ondelete="CASCADE"), nullable=True
    )
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("ride_bookings.id", ondelete="CASCADE"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
