"""Deleting what an account holds in projects and rides (called by account deletion).

Goes with the account: its projects (with their needs, responses and history), its
responses to others' projects, its rides (with their bookings and notifications) and its
bookings of others' rides — which give their seat back — and its notifications. Personal
points (departure and pick-up points) are thus deleted with the account.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from geoservice.store.project_models import (
    Project,
    ProjectEvent,
    ProjectNeed,
    ProjectResponse,
    ProjectTheme,
)
from geoservice.store.ride_models import Notification, Ride, RideBooking


def delete_collab_data(session: Session, user_id: int, deleted_name: str) -> None:
    """Delete the projects, responses, rides, bookings and notifications of `user_id`;
    in others' projects' histories its name becomes `deleted_name`."""
    holding = list(
        session.scalars(
            select(RideBooking.ride_id).where(
                RideBooking.rider_id == user_id, RideBooking.status.in_(("pending", "accepted"))
            )
        )
    )
    for ride_id in holding:
        session.execute(
            update(Ride)
            .where(Ride.id == ride_id, Ride.seats_taken > 0)
            .values(seats_taken=Ride.seats_taken - 1)
        )
    rides = select(Ride.id).where(Ride.driver_id == user_id)
    bookings = select(RideBooking.id).where(
        (RideBooking.rider_id == user_id) | RideBooking.ride_id.in_(rides)
    )
    session.execute(
        delete(Notification).where(
            (Notification.user_id == user_id)
            | Notification.booking_id.in_(bookings)
            | Notification.ride_id.in_(rides)
        )
    )
    session.execute(delete(RideBooking).where(RideBooking.id.in_(bookings)))
    session.execute(delete(Ride).where(Ride.driver_id == user_id))
    projects = select(Project.id).where(Project.owner_id == user_id)
    session.execute(
        delete(ProjectResponse).where(
            (ProjectResponse.responder_id == user_id) | ProjectResponse.project_id.in_(projects)
        )
    )
    for table in (ProjectNeed, ProjectTheme, ProjectEvent):
        session.execute(delete(table).where(table.project_id.in_(projects)))
    session.execute(
        update(ProjectEvent)
        .where(ProjectEvent.actor_id == user_id)
        .values(actor_id=None, actor_name=deleted_name)
    )
    session.execute(delete(Project).where(Project.owner_id == user_id))
