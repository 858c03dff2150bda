"""``GET /api/v1/offers/user:{n}/event.ics``: one published event as iCalendar, for the page's
"ajouter à mon agenda" button (the feed of every event is ``/api/v1/events.ics``)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Response, request
from flask.views import MethodView

from geoservice.errors import NotFoundError
from geoservice.store.export import offers_to_ical
from geoservice.store.models import OFFER_ID_PREFIX
from geoservice.store.offers import get_offer
from geoservice.store.policy import ANONYMOUS_ACTOR
from geoservice.store.records import offer_to_record
from geoservice.web.blueprint import Blueprint
from geoservice.web.contributions import get_state
from geoservice.web.openapi_docs import file_doc
from geoservice.web.openapi_examples import ICS_EXAMPLE

blp = Blueprint(
    "event_calendar",
    __name__,
    url_prefix="/offers",
    description="One published event as an iCalendar file (add it to a calendar)",
)


@blp.route("/user:<int:number>/event.ics")
class EventFile(MethodView):
    @blp.response(200, content_type="text/calendar")
    @blp.doc(**file_doc("text/calendar", {"type": "string"}, ICS_EXAMPLE))
    def get(self, number: int) -> Response:
        """A published posted event as an iCalendar file, one VEVENT per timing.

        404 for anything else: an offer that is not an event, has no timing, or is not
        published (drafts, pending, rejected, cancelled are never served here, whoever asks).
        """
        offer_id = f"{OFFER_ID_PREFIX}{number}"
        state = get_state()
        with state.store.read() as session:
            record = offer_to_record(get_offer(session, offer_id, ANONYMOUS_ACTOR))
        if record.get("status") != "published":
            raise NotFoundError(f"no published event {offer_id!r}")
        if record.get("kind") != "event" or not record.get("timings"):
            raise NotFoundError(f"{offer_id!r} is not an event with dates")
        host = urlsplit(request.host_url).hostname or "geoservice"
        body = offers_to_ical([record], host=host, generated_at=datetime.now(UTC))
        return Response(
            body,
            mimetype="text/calendar",
            headers={"Content-Disposition": f'attachment; filename="evenement-{number}.ics"'},
        )
