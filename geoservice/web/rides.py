"""Shared rides to events: offer a ride, find one by the driver's detour, book a seat, the
driver's decision, notifications.

Writes need an account. Listings show a ride's departure *commune* only; the departure
point and the contacts stay in the store (:mod:`geoservice.store.ride_records`). Booking a
seat notifies the driver (a stored notification, and an e-mail when ``[smtp]`` is set and
the driver has an e-mail address).
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Any

import numpy as np
import pandas as pd
from flask.views import MethodView

from geoservice.core.offer_selection import OfferSelection
from geoservice.core.offers import OfferQuery
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.core.ride_matching import RideLeg, points_as_offers, ride_detours
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.errors import InvalidParameterError, NotFoundError
from geoservice.io.mail import SmtpConfig, send_email
from geoservice.store.accounts import credentials_of
from geoservice.store.ride_models import Ride, RideBooking
from geoservice.store.ride_records import (
    booking_to_record,
    notification_to_record,
    ride_to_public_record,
)
from geoservice.store.rides import (
    Destination,
    book_seat,
    bookings_of_ride,
    create_ride,
    decide_booking,
    get_ride,
    notifications_of,
    open_rides,
)
from geoservice.web.accounts import get_accounts_state
from geoservice.web.blueprint import Blueprint
from geoservice.web.collab_context import caller, collab_store, place_of
from geoservice.web.collab_examples import EXAMPLES
from geoservice.web.context import get_runtime
from geoservice.web.contributions import posted_offers_frame
from geoservice.web.offer_catalogue import open_data_catalogue, request_catalogue
from geoservice.web.origins import origin_document, origin_from_args
from geoservice.web.problems import request_fields
from geoservice.web.project_schemas import DecisionSchema
from geoservice.web.ride_schemas import (
    BookingCreateSchema,
    BookingSchema,
    NotificationSchema,
    RideCreateSchema,
    RideListSchema,
    RideMatchesQuerySchema,
    RideMatchesSchema,
    RideSchema,
    RidesQuerySchema,
)

logger = logging.getLogger(__name__)
_RIDER = "ride-matching:rider"

blp = Blueprint(
    "rides",
    __name__,
    description=(
        "Shared rides to events (covoiturage culturel): offered seats, ranked for a rider by "
        "the driver's detour on the road network. Offered by people: not a transport service."
    ),
)


def _event_destination(event: str, arrive_at: Any) -> Destination:
    """An event's public name and point, from the request's offer catalogue (404 unknown)."""
    catalogue = request_catalogue(get_runtime(), OfferSelection(), field="event")
    rows = np.flatnonzero(catalogue.offers["offer_id"].astype(str).to_numpy() == event)
    if not len(rows):
        raise NotFoundError(f"aucune offre publiée {event!r} (event)")
    offer = catalogue.offers.iloc[int(rows[0])]
    return Destination(
        name=str(offer["name"]),
        lon=float(offer.geometry.x),
        lat=float(offer.geometry.y),
        event_offer_id=event,
        arrive_at=arrive_at,
    )


@blp.route("/rides")
class Rides(MethodView):
    @blp.arguments(RidesQuerySchema, location="query")
    @blp.response(200, RideListSchema, example=EXAMPLES["rides"])
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Open rides with a free seat (to one `event` if given): departure commune only."""
        event = args.get("event")
        with collab_store().read() as session:
            rides = open_rides(session, event_offer_ids=[event] if event else None)
            records = [ride_to_public_record(r) for r in rides]
        return {"total": len(records), "rides": records}

    @blp.arguments(RideCreateSchema, example=EXAMPLES["ride_create"])
    @blp.response(201, RideSchema, example=EXAMPLES["ride"])
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Offer a ride to an event (`event`, an offer id) or to a point at a time. The
        departure point is kept rounded to 0.001° and never shown; listings give its
        commune."""
        actor = caller()
        departure = place_of(data)
        if departure is None:
            raise InvalidParameterError("location", "give lon and lat, or commune_code")
        if "event" in data:
            destination = _event_destination(data["event"], data.get("arrive_at"))
        else:
            point = data["destination"]
            destination = Destination(
                point["name"], point["lon"], point["lat"], None, data["arrive_at"]
            )
        with collab_store().write() as session:
            ride = create_ride(
                session,
                actor,
                departure=departure,
                destination=destination,
                departure_at=data["departure"],
                seats=data["seats"],
                max_detour_minutes=data["max_detour_minutes"],
                contact=data["contact"],
                return_at=data.get("return_departure"),
                note=data.get("note", ""),
            )
            return ride_to_public_record(ride)


@blp.route("/rides/<int:ride_id>")
class RideOne(MethodView):
    @blp.response(200, RideSchema, example=EXAMPLES["ride"])
    def get(self, ride_id: int) -> dict[str, Any]:
        """A ride, as everybody sees it."""
        with collab_store().read() as session:
            return ride_to_public_record(get_ride(session, ride_id))


def _matching_catalogue(rides: list[Ride], rider: tuple[float, float]) -> ReachableOffers:
    """Open data, published posted offers, the rider's point and the destinations that are
    not offers, as one catalogue."""
    points = {_RIDER: rider}
    points.update(
        {
            f"ride-matching:{r.id}": (r.destination_lon, r.destination_lat)
            for r in rides
            if r.event_offer_id is None
        }
    )
    extra = pd.concat([posted_offers_frame(OfferQuery()), points_as_offers(points)])
    return open_data_catalogue(get_runtime()).with_offers(extra)


@blp.route("/rides/matches")
class RideMatches(MethodView):
    @blp.arguments(RideMatchesQuerySchema, location="query")
    @blp.response(200, RideMatchesSchema, example=EXAMPLES["ride_matches"])
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Rides with a free seat (to `event` if given) whose driver's detour to pick up a
        rider at `lon`/`lat` (or in `commune`) is within the driver's maximum, smallest
        detour first. ``detour_s`` = driver → rider → destination − driver → destination,
        by road, door to door."""
        runtime = get_runtime()
        origin = origin_from_args(
            runtime, lon=args.get("lon"), lat=args.get("lat"), commune=args.get("commune")
        )
        event = args.get("event")
        with collab_store().read() as session:
            rides = open_rides(session, event_offer_ids=[event] if event else None)
            records = {r.id: ride_to_public_record(r) for r in rides}
        catalogue = _matching_catalogue(rides, (origin.lon, origin.lat))
        position = {k: i for i, k in enumerate(catalogue.offers["offer_id"].astype(str))}
        legs = []
        for ride in rides:
            key = ride.event_offer_id or f"ride-matching:{ride.id}"
            if key not in position:  # the event is no longer published
                continue
            x, y = lambert93_from_wgs84(ride.departure_lon, ride.departure_lat)
            legs.append(
                RideLeg(ride.id, (float(x), float(y)), position[key], ride.max_detour_minutes * 60)
            )
        with request_fields(location=origin.field):
            found = ride_detours(catalogue, (origin.x_m, origin.y_m), position[_RIDER], legs)
        matches = [
            {
                **records[d.ride_id],
                "detour_s": round(d.detour_s, 1),
                "detour_min": round(d.detour_s / 60, 1),
                "direct_s": round(d.direct_s, 1),
                "to_rider_s": round(d.to_rider_s, 1),
                "rider_to_destination_s": round(d.rider_to_destination_s, 1),
            }
            for d in found
        ]
        return {"origin": origin_document(origin), "total": len(matches), "matches": matches}


def _booking_email(session: Any, ride: Ride, booking: RideBooking) -> EmailMessage | None:
    credentials = credentials_of(session, ride.driver_id)
    if credentials is None:
        return None
    message = EmailMessage()
    message["To"] = credentials.email
    message["Subject"] = f"Covoiturage : demande de place pour « {ride.destination_name} »"
    message.set_content(
        f"Bonjour {ride.driver.name},\n\n{booking.rider.name} demande une place dans votre "
        f"trajet vers « {ride.destination_name} ».\nAcceptez ou refusez la demande sur la "
        "plateforme : les coordonnées ne sont échangées qu'après acceptation.\n"
    )
    return message


@blp.route("/rides/<int:ride_id>/bookings")
class RideBookings(MethodView):
    @blp.response(200, BookingSchema(many=True), example=[EXAMPLES["booking"]])
    def get(self, ride_id: int) -> list[dict[str, Any]]:
        """The ride's bookings (its driver), or one's own booking of it (a rider)."""
        actor = caller()
        with collab_store().read() as session:
            return [booking_to_record(b, actor) for b in bookings_of_ride(session, actor, ride_id)]

    @blp.arguments(BookingCreateSchema, example=EXAMPLES["booking_create"])
    @blp.response(201, BookingSchema, example=EXAMPLES["booking"])
    def post(self, data: dict[str, Any], ride_id: int) -> dict[str, Any]:
        """Ask for one seat: the seat is held at once (409 « complet » when none is left)
        and the driver is notified; contacts are exchanged once the driver accepts."""
        actor = caller()
        pickup = place_of(data)
        accounts = get_accounts_state()
        with collab_store().write() as session:
            booking = book_seat(
                session,
                actor,
                ride_id,
                pickup=pickup,
                contact=data["contact"],
                message=data.get("message", ""),
            )
            record = booking_to_record(booking, actor)
            email = (
                _booking_email(session, booking.ride, booking) if accounts.smtp.configured else None
            )
        if email is not None:
            accounts.mail.submit(_send, accounts.smtp, email)
        return record


def _send(smtp: SmtpConfig, message: EmailMessage) -> None:
    try:
        send_email(smtp, message)
    except OSError as e:
        logger.error("booking e-mail not sent: %s: %s", type(e).__name__, e)


@blp.route("/rides/<int:ride_id>/bookings/<int:booking_id>/decision")
class BookingDecision(MethodView):
    @blp.arguments(DecisionSchema, example={"decision": "accept"})
    @blp.response(200, BookingSchema, example=EXAMPLES["booking"])
    def post(self, data: dict[str, Any], ride_id: int, booking_id: int) -> dict[str, Any]:
        """The driver (only) accepts or declines a booking; declining frees the seat. Once
        accepted, each sees the other's contact (and the driver the pick-up point)."""
        actor = caller()
        with collab_store().write() as session:
            booking = decide_booking(session, actor, ride_id, booking_id, data["decision"])
            return booking_to_record(booking, actor)


@blp.route("/notifications")
class Notifications(MethodView):
    @blp.response(200, NotificationSchema(many=True), example=EXAMPLES["notifications"])
    def get(self) -> list[dict[str, Any]]:
        """The caller's notifications (bookings to decide, decisions), newest first."""
        actor = caller()
        with collab_store().read() as session:
            return [notification_to_record(n) for n in notifications_of(session, actor)]
