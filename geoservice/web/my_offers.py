"""``GET /api/v1/accounts/me/offers``: the signed-in person's own posted offers, whatever
their status, each with its moderation history (why it was rejected…), for the page's
"Mes offres" screen."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import select

from geoservice.store.export import offer_to_feature
from geoservice.store.models import Offer
from geoservice.store.offers import offer_history
from geoservice.store.policy import require_user
from geoservice.store.records import event_to_record, offer_to_record
from geoservice.web.blueprint import Blueprint
from geoservice.web.contribution_schemas import PageQuerySchema
from geoservice.web.contributions import current_actor, get_state
from geoservice.web.openapi_examples import EXAMPLES

blp = Blueprint(
    "my_offers",
    __name__,
    url_prefix="/accounts/me",
    description="The offers one has posted, with their status and moderation history.",
)


class MyOfferSchema(Schema):
    type = fields.String()
    id = fields.String()
    geometry = fields.Raw(metadata={"description": "GeoJSON Point, EPSG:4326"})
    properties = fields.Dict(
        metadata={
            "description": "as GET /api/v1/offers/user:{n}, plus history (moderation "
            "events, oldest first)"
        }
    )


class MyOffersSchema(Schema):
    type = fields.String()
    returned = fields.Integer(metadata={"description": "offers in this page"})
    features = fields.List(fields.Nested(MyOfferSchema))


@blp.route("/offers")
class MyOffers(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(
        200,
        MyOffersSchema,
        example={
            "type": "FeatureCollection",
            "returned": 1,
            "features": [
                {
                    **EXAMPLES["posted_offer"],
                    "properties": {
                        **EXAMPLES["posted_offer"]["properties"],
                        "history": EXAMPLES["moderation_events"],
                    },
                }
            ],
        },
    )
    def get(self, query: dict[str, int]) -> dict[str, Any]:
        """My posted offers (drafts, pending, published, rejected, cancelled), newest first;
        each carries ``history``: its moderation events, oldest first (reasons included)."""
        state = get_state()
        actor = current_actor(state)
        require_user(actor, "your offers")
        with state.store.read() as session:
            rows = list(
                session.scalars(
                    select(Offer)
                    .where(Offer.author_id == actor.user_id, Offer.deleted_at.is_(None))
                    .order_by(Offer.updated_at.desc(), Offer.id.desc())
                    .limit(query["limit"])
                    .offset(query["offset"])
                )
            )
            features = []
            for offer in rows:
                record = offer_to_record(offer)
                record["history"] = [event_to_record(e) for e in offer_history(session, offer)]
                features.append(offer_to_feature(record))
        return {"type": "FeatureCollection", "returned": len(features), "features": features}
