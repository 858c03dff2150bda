"""``POST /offers/{id}/claim``: an organisation claims an imported agenda event.

The imported events (``oa:…``, ``ics:…``; see ``geoservice.io.agenda_events``) belong to no
account. The claim creates the organisation's own copy as a posted offer waiting for a
moderator (``pending``); see :mod:`geoservice.store.claims` for what happens next.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for
from flask.views import MethodView

from geoservice.errors import InvalidParameterError, NotFoundError, ServiceUnavailableError
from geoservice.store.claims import claim_imported_event
from geoservice.store.export import offer_to_feature
from geoservice.store.location import resolve_location
from geoservice.store.models import OFFER_ID_PREFIX
from geoservice.store.records import offer_to_record
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime
from geoservice.web.contribution_schemas import PostedOfferFeatureSchema
from geoservice.web.contributions import current_actor, get_state
from geoservice.web.openapi_examples import EXAMPLES

blp = Blueprint(
    "claims",
    __name__,
    description="Organisations claim the agenda events imported from OpenAgenda or iCalendar.",
)

#: Prefixes of the ids of imported events.
IMPORTED_PREFIXES = ("oa:", "ics:")

_CREATED = EXAMPLES["posted_offer_created"]
#: ``POST /offers/oa:…/claim`` answer: the organisation's copy, waiting for a moderator.
CLAIM_EXAMPLE: dict[str, Any] = {
    **_CREATED,
    "properties": {
        **_CREATED["properties"],
        "description": "Importé de Agenda culturel (OpenAgenda) (Licence Ouverte v2.0) : "
        "https://openagenda.com/agendas/12345678/events/concert-d-orgue",
        "url": "https://openagenda.com/agendas/12345678/events/concert-d-orgue",
        "status": "pending",
        "author": "MJC de Clamecy",
        "published_at": None,
    },
}


def _clip(text: Any, limit: int) -> str | None:
    return str(text)[:limit] if isinstance(text, str) and text else None


def claim_payload(row: Any, max_timings: int) -> dict[str, Any]:
    """The posted-offer fields of an imported event row (provenance in the description)."""
    origin = f"Importé de {row['attribution'] or row['source']} ({row['licence']})"
    if row["url"]:
        origin += f" : {row['url']}"
    description = f"{row['description'] or ''}\n\n{origin}".strip()
    timings = [
        {"begin": datetime.fromisoformat(b), "end": datetime.fromisoformat(e)}
        for b, e in list(row["timings"])[:max_timings]
    ]
    return {
        "kind": "event",
        "title": str(row["name"])[:200],
        "description": description[:5000],
        "location_name": _clip(row["location_name"], 200),
        "address": _clip(row["address"], 300),
        "url": _clip(row["url"], 500),
        "image_url": _clip(row["image_url"], 500),
        "timings": timings,
    }


@blp.route("/offers/<string:offer_id>/claim")
class ClaimImportedEvent(MethodView):
    @blp.response(201, PostedOfferFeatureSchema, example=CLAIM_EXAMPLE)
    def post(self, offer_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Claim an imported event (organisation accounts): creates your own copy, waiting
        for a moderator; once published it replaces the imported one at the next agenda
        update. 409 when the event already has a pending or published claim."""
        if not offer_id.startswith(IMPORTED_PREFIXES):
            msg = f"{offer_id!r} is not an imported event (ids start with oa: or ics:)"
            raise InvalidParameterError("offer_id", msg)
        events = get_runtime().imported_events
        rows = events[events["offer_id"] == offer_id] if len(events) else events
        if len(rows) == 0:
            raise NotFoundError(f"no imported event {offer_id!r}")
        row = rows.iloc[0]
        state = get_state()
        actor = current_actor(state)
        if state.coverage is None:
            raise ServiceUnavailableError("the territory (communes) is not loaded")
        location = resolve_location(
            state.coverage, lon=float(row.geometry.x), lat=float(row.geometry.y), commune_code=None
        )
        data = claim_payload(row, state.config.max_timings)
        with state.store.write() as session:
            offer = claim_imported_event(session, actor, offer_id, data, location)
            record = offer_to_record(offer)
        number = int(record["offer_id"].removeprefix(OFFER_ID_PREFIX))
        location_url = url_for("contributions.PostedOffer", number=number)
        return offer_to_feature(record), 201, {"Location": location_url}
