"""Shared rides: offer a ride, book a seat, the driver's decision, notifications.

Every function takes a Session; the caller owns the transaction. A seat is taken when the
booking is made (see :mod:`geoservice.store.ride_models`): the rider knows at once whether a
seat is held, and a driver is never asked to choose among more riders than seats. The
driver's refusal gives the seat back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geoservice.errors import (
    ConflictError,
    InvalidParameterError,
    NotFoundError,
    PermissionDeniedError,
)
from geoservice.store.location import ResolvedLocation
from geoservice.store.models import utc_now
from geoservice.store.policy import Actor, require_user
from geoservice.store.projects import MAX_ROW_ID
from geoservice.store.ride_models import Notification, Ride, RideBooking, round_point


@dataclass(frozen=True)
class Destination:
    """Where a ride goes: an event (offer id, its name and point) or a named point."""

    name: str
    lon: float
    lat: float
    event_offer_id: str | None = None
    arrive_at: datetime | None = None


def create_ride(
    session: Session,
    actor: Actor,
    *,
    departure: ResolvedLocation,
    destination: Destination,
    departure_at: datetime,
    seats: int,
    max_detour_minutes: float,
    contact: str,
    return_at: datetime | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Ride:
    """Offer a ride; the departure point is stored rounded (a personal point)."""
    now = now or utc_now()
    require_user(actor, "offering a ride")
    if departure_at <= now:
        raise InvalidParameterError("departure", "le départ doit être dans le futur")
    if return_at is not None and return_at <= departure_at:
        raise InvalidParameterError("return_departure", "le retour doit suivre l'aller")
    lon, lat = round_point(departure.lon, departure.lat)
    ride = Ride(
        driver_id=actor.user_id,
        event_offer_id=destination.event_offer_id,
        destination_name=destination.name[:200],
        destination_lon=destination.lon,
        destination_lat=destination.lat,
        arrive_at=destination.arrive_at,
        departure_lon=lon,
        departure_lat=lat,
        departure_commune_code=departure.commune_code,
        departure_at=departure_at,
        return_at=return_at,
        seats=seats,
        seats_taken=0,
        max_detour_minutes=max_detour_minutes,
        contact=contact,
        note=note,
        status="open",
        created_at=now,
    )
    session.add(ride)
    session.flush()
    return ride


def get_ride(session: Session, ride_id: int) -> Ride:
    """A ride (404 when unknown)."""
    ride = session.get(Ride, ride_id) if 0 < ride_id <= MAX_ROW_ID else None
    if ride is None:
        raise NotFoundError(f"aucun trajet n° {ride_id}")
    return ride


def open_rides(
    session: Session,
    *,
    event_offer_ids: Sequence[str] | None = None,
    now: datetime | None = None,
) -> list[Ride]:
    """Open rides leaving in the future with a free seat, oldest first; only those to the
    given events when `event_offer_ids` is given."""
    now = now or utc_now()
    query = select(Ride).where(
        Ride.status == "open", Ride.departure_at > now, Ride.seats_taken < Ride.seats
    )
    if event_offer_ids is not None:
        query = query.where(Ride.event_offer_id.in_(list(event_offer_ids)))
    return list(session.scalars(query.order_by(Ride.id)))


def _notify(
    session: Session, user_id: int, kind: str, text: str, ride: Ride, booking: RideBooking
) -> Notification:
    notification = Notification(
        user_id=user_id, kind=kind, text=text, ride_id=ride.id, booking_id=booking.id
    )
    session.add(notification)
    return notification


def book_seat(
    session: Session,
    actor: Actor,
    ride_id: int,
    *,
    pickup: ResolvedLocation | None,
    contact: str,
    message: str = "",
    now: datetime | None = None,
) -> RideBooking:
    """Take one seat of a ride for `actor` and notify the driver.

    The seat is taken by one conditional ``UPDATE`` whose row count says whether a seat was
    free: two concurrent bookings of the last seat cannot both succeed (PostgreSQL re-checks
    the condition on the row it waited for; SQLite writers are serialised).

    Raises
    ------
    ConflictError
        No free seat, the ride is cancelled or gone, the rider is the driver, or the rider
        already booked this ride (409).
    """
    now = now or utc_now()
    require_user(actor, "booking a seat")
    ride = get_ride(session, ride_id)
    if ride.driver_id == actor.user_id:
        raise ConflictError("on ne réserve pas une place dans son propre trajet")
    if ride.status != "open" or ride.departure_at <= now:
        raise ConflictError("ce trajet n'est plus proposé")
    already = session.scalar(
        select(RideBooking.id).where(
            RideBooking.ride_id == ride_id, RideBooking.rider_id == actor.user_id
        )
    )
    if already is not None:
        raise ConflictError(f"vous avez déjà demandé une place (réservation n° {already})")
    taken = session.execute(
        update(Ride)
        .where(Ride.id == ride_id, Ride.status == "open", Ride.seats_taken < Ride.seats)
        .values(seats_taken=Ride.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        raise ConflictError("complet : plus aucune place libre dans ce trajet")
    lon, lat = round_point(pickup.lon, pickup.lat) if pickup is not None else (None, None)
    booking = RideBooking(
        ride_id=ride_id,
        rider_id=actor.user_id,
        pickup_lon=lon,
        pickup_lat=lat,
        pickup_commune_code=pickup.commune_code if pickup is not None else None,
        contact=contact,
        message=message,
        status="pending",
        created_at=now,
    )
    session.add(booking)
    try:
        session.flush()
    except IntegrityError as e:  # a concurrent booking by the same rider won the race
        raise ConflictError("vous avez déjà demandé une place dans ce trajet") from e
    text = f"{actor.name} demande une place pour « {ride.destination_name} »"
    _notify(session, ride.driver_id, "booking_requested", text, ride, booking)
    session.refresh(ride)
    return booking


def get_booking(session: Session, actor: Actor, ride_id: int, booking_id: int) -> RideBooking:
    """A booking, for its rider and the ride's driver only (404 for the others)."""
    require_user(actor, "reading a booking")
    booking = session.get(RideBooking, booking_id) if 0 < booking_id <= MAX_ROW_ID else None
    if booking is None or booking.ride_id != ride_id:
        raise NotFoundError(f"aucune réservation n° {booking_id} pour ce trajet")
    if actor.user_id not in {booking.rider_id, booking.ride.driver_id}:
        raise NotFoundError(f"aucune réservation n° {booking_id} pour ce trajet")
    return booking


def decide_booking(
    session: Session,
    actor: Actor,
    ride_id: int,
    booking_id: int,
    decision: str,
    *,
    now: datetime | None = None,
) -> RideBooking:
    """The driver accepts or declines a pending booking; declining gives the seat back."""
    now = now or utc_now()
    require_user(actor, "deciding on a booking")
    ride = get_ride(session, ride_id)
    if actor.user_id != ride.driver_id:
        raise PermissionDeniedError("seul le conducteur accepte ou refuse les réservations")
    booking = get_booking(session, actor, ride_id, booking_id)
    if decision not in {"accept", "decline"}:
        raise InvalidParameterError(
            "decision", f"unknown decision {decision!r}", ["accept", "decline"]
        )
    if booking.status != "pending":
        raise ConflictError(f"cette réservation a déjà été traitée ({booking.status})")
    booking.status = "accepted" if decision == "accept" else "declined"
    booking.decided_at = now
    if booking.status == "declined":
        session.execute(
            update(Ride)
            .where(Ride.id == ride_id, Ride.seats_taken > 0)
            .values(seats_taken=Ride.seats_taken - 1)
            .execution_options(synchronize_session=False)
        )
    verb = "accepté" if booking.status == "accepted" else "refusé"
    text = f"{ride.driver.name} a {verb} votre demande pour « {ride.destination_name} »"
    _notify(session, booking.rider_id, f"booking_{booking.status}", text, ride, booking)
    session.flush()
    session.refresh(ride)
    return booking


def bookings_of_ride(session: Session, actor: Actor, ride_id: int) -> list[RideBooking]:
    """Every booking of a ride (its driver), or the caller's own (a rider)."""
    require_user(actor, "reading bookings")
    ride = get_ride(session, ride_id)
    query = select(RideBooking).where(RideBooking.ride_id == ride_id)
    if actor.user_id != ride.driver_id:
        query = query.where(RideBooking.rider_id == actor.user_id)
    return list(session.scalars(query.order_by(RideBooking.id)))


def notifications_of(session: Session, actor: Actor) -> list[Notification]:
    """The caller's notifications, newest first."""
    require_user(actor, "reading notifications")
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == actor.user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
        )
    )
