"""Seats of shared rides in the store: the database refuses an overbooked ride by itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from geoservice.errors import ConflictError
from geoservice.store.auth import add_user
from geoservice.store.db import Store
from geoservice.store.location import ResolvedLocation
from geoservice.store.policy import Actor
from geoservice.store.ride_models import Ride, round_point
from geoservice.store.rides import Destination, book_seat, create_ride

LUZY_POINT = ResolvedLocation(lon=3.96947123, lat=46.79012987, commune_code="58149")


def _actor(store: Store, name: str) -> Actor:
    with store.write() as session:
        user, _ = add_user(session, name, "contributor")
        return Actor(user_id=user.id, name=name, role="contributor")


def _ride(store: Store, driver: Actor, seats: int) -> int:
    with store.write() as session:
        ride = create_ride(
            session,
            driver,
            departure=LUZY_POINT,
            destination=Destination("Concert", 3.159, 46.99),
            departure_at=datetime.now(UTC) + timedelta(days=2),
            seats=seats,
            max_detour_minutes=15,
            contact="06 00 00 00 00",
        )
        return ride.id


def test_the_check_constraint_refuses_more_seats_taken_than_seats(store: Store) -> None:
    rid = _ride(store, _actor(store, "driver"), seats=2)
    with pytest.raises(IntegrityError), store.write() as session:
        session.execute(update(Ride).where(Ride.id == rid).values(seats_taken=3))


def test_booking_takes_a_seat_until_none_is_left(store: Store) -> None:
    rid = _ride(store, _actor(store, "driver"), seats=1)
    riders = [_actor(store, f"r{i}") for i in range(2)]
    with store.write() as session:
        book_seat(session, riders[0], rid, pickup=None, contact="a@b.fr")
    with pytest.raises(ConflictError, match="complet"), store.write() as session:
        book_seat(session, riders[1], rid, pickup=None, contact="c@d.fr")
    with store.read() as session:
        ride = session.get(Ride, rid)
        assert ride is not None
        assert ride.seats_taken == 1


def test_the_departure_point_is_kept_rounded(store: Store) -> None:
    rid = _ride(store, _actor(store, "driver"), seats=1)
    with store.read() as session:
        ride = session.get(Ride, rid)
        assert ride is not None
        assert (ride.departure_lon, ride.departure_lat) == (3.969, 46.79)
    assert round_point(3.96951, 46.79049) == (3.97, 46.79)
