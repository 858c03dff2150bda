"""Rides and bookings as JSON-ready records: what each caller may see.

Public (everybody): the destination (an event's public place), times, seats, the departure
*commune* and the driver's display name; never the departure point nor the contact. A
booking is seen by its rider and the ride's driver; each sees the other's contact (and the
driver the pick-up point) only once the booking is accepted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from geoservice.store.policy import Actor
from geoservice.store.ride_models import Notification, Ride, RideBooking


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def ride_to_public_record(ride: Ride) -> dict[str, Any]:
    """A ride as anybody sees it."""
    return {
        "ride_id": ride.id,
        "event": ride.event_offer_id,
        "destination": {
            "name": ride.destination_name,
            "lon": ride.destination_lon,
            "lat": ride.destination_lat,
        },
        "arrive_at": _iso(ride.arrive_at),
        "departure_commune_code": ride.departure_commune_code,
        "departure": _iso(ride.departure_at),
        "return_departure": _iso(ride.return_at),
        "seats": ride.seats,
        "seats_free": ride.seats - ride.seats_taken,
        "max_detour_minutes": ride.max_detour_minutes,
        "driver": ride.driver.name,
        "note": ride.note,
        "status": ride.status,
    }


def booking_to_record(booking: RideBooking, actor: Actor) -> dict[str, Any]:
    """A booking as its rider or the ride's driver sees it."""
    ride = booking.ride
    accepted = booking.status == "accepted"
    is_driver = actor.user_id == ride.driver_id
    record: dict[str, Any] = {
        "booking_id": booking.id,
        "ride_id": ride.id,
        "rider": booking.rider.name,
        "pickup_commune_code": booking.pickup_commune_code,
        "message": booking.message,
        "status": booking.status,
        "created_at": _iso(booking.created_at),
        "decided_at": _iso(booking.decided_at),
        "contact": None,
        "pickup": None,
    }
    if accepted and is_driver:
        record["contact"] = booking.contact
        if booking.pickup_lon is not None and booking.pickup_lat is not None:
            record["pickup"] = {"lon": booking.pickup_lon, "lat": booking.pickup_lat}
    elif accepted:
        record["contact"] = ride.contact
    return record


def notification_to_record(notification: Notification) -> dict[str, Any]:
    """A notification."""
    return {
        "id": notification.id,
        "kind": notification.kind,
        "text": notification.text,
        "ride_id": notification.ride_id,
        "booking_id": notification.booking_id,
        "created_at": _iso(notification.created_at),
    }
