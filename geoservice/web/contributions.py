"""Posted offers: ``POST /offers``, ``PATCH``/``DELETE /offers/{id}``, moderation, exports.

Authentication (:mod:`geoservice.web.identity`): ``Authorization: Bearer TOKEN``, or the
session cookie with its CSRF token on writes. Without either the caller is anonymous and may
only submit offers into moderation, rate-limited per client address. ``GET /offers``
(search) is the offers blueprint's; it includes the published posted offers through
:func:`search_stored_offers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlsplit

import geopandas as gpd
from alembic.runtime.migration import MigrationContext
from flask import Response, current_app, request, url_for
from flask.views import MethodView
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from geoservice.core.offers import OfferQuery
from geoservice.errors import (
    InvalidParameterError,
    LimitExceededError,
    RateLimitedError,
    ServiceUnavailableError,
)
from geoservice.runtime import Runtime
from geoservice.settings import Settings
from geoservice.store.approved_version import changes_since_approval
from geoservice.store.config import KINDS, StoreConfig, store_config_from_settings
from geoservice.store.db import Store, head_revision, open_store
from geoservice.store.export import (
    offer_to_feature,
    offers_to_csv,
    offers_to_geojson,
    offers_to_ical,
)
from geoservice.store.location import (
    Coverage,
    ResolvedLocation,
    coverage_from_communes,
    resolve_location,
)
from geoservice.store.models import OFFER_ID_PREFIX, Offer
from geoservice.store.offers import (
    create_offer,
    delete_offer,
    get_offer,
    moderate_offer,
    moderation_queue,
    offer_history,
    update_offer,
)
from geoservice.store.policy import Actor, require_owner_or_moderator
from geoservice.store.ratelimit import TokenBucketLimiter
from geoservice.store.records import event_to_record, offer_to_record, offers_frame_from_records
from geoservice.store.search import OfferFilter, search_stored_offers
from geoservice.web import identity
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime
from geoservice.web.contribution_schemas import (
    LOCAL_TIMEZONE,
    TIMING_YEARS,
    ModerationEventSchema,
    ModerationSchema,
    OfferCreateSchema,
    OfferPatchSchema,
    PageQuerySchema,
    PostedOfferFeatureSchema,
    PostedOfferPageSchema,
)
from geoservice.web.moderation_examples import MODERATION_QUEUE_EXAMPLE
from geoservice.web.openapi_docs import POINT_COLLECTION, file_doc
from geoservice.web.openapi_examples import CSV_EXAMPLE, EXAMPLES, ICS_EXAMPLE

STORE_EXTENSION_KEY = "geoservice.store"


#: Coverage per (communes frame, margin), so that apps sharing one Runtime (gunicorn
#: workers are separate processes; tests build many apps) compute the union once.
_COVERAGE_CACHE: dict[tuple[int, float], tuple[object, Coverage]] = {}


def _coverage_of(runtime: Runtime, margin_m: float) -> Coverage | None:
    communes = runtime.communes
    if communes is None or communes.empty:
        return None
    key = (id(communes), margin_m)
    cached = _COVERAGE_CACHE.get(key)
    if cached is None or cached[0] is not communes:
        if len(_COVERAGE_CACHE) >= 4:
            _COVERAGE_CACHE.clear()
        # The frame is kept with its coverage so that its id cannot be reused meanwhile.
        cached = (communes, coverage_from_communes(communes, margin_m))
        _COVERAGE_CACHE[key] = cached
    return cached[1]


def contributions_state_from(
    settings: Settings, runtime: Runtime, store: Store | None = None
) -> ContributionsState:
    """Open the store (applying migrations when configured) and build the shared state."""
    config = store_config_from_settings(settings)
    if store is None:
        store = open_store(
            config.url,
            upgrade=config.upgrade_on_start,
            sqlite_busy_timeout_ms=config.sqlite_busy_timeout_ms,
        )
    coverage = _coverage_of(runtime, config.coverage_margin_m)
    limiter = TokenBucketLimiter(burst=config.anonymous_burst, per_hour=config.anonymous_per_hour)
    return ContributionsState(store=store, config=config, limiter=limiter, coverage=coverage)


blp = Blueprint(
    "contributions",
    __name__,
    description=(
        "Offers posted by people and organisations, with moderation. Send "
        "`Authorization: Bearer TOKEN`, or the session cookie with `X-CSRF-Token` on writes; "
        "anonymous posts go to moderation, rate-limited."
    ),
)


@dataclass(frozen=True)
class ContributionsState:
    """What the contributions endpoints share, kept in ``app.extensions``.

    Attributes
    ----------
    store
        The offers database.
    config
        The ``[store]`` settings.
    limiter
        Token buckets of anonymous posts, per client address.
    coverage
        Communes and accepted area for posted points; ``None`` when the territory is not
        loaded (then posting a location answers 503).
    """

    store: Store
    config: StoreConfig
    limiter: TokenBucketLimiter
    coverage: Coverage | None


def get_state() -> ContributionsState:
    """The :class:`ContributionsState` of the current app."""
    state: ContributionsState = current_app.extensions[STORE_EXTENSION_KEY]
    return state


def describe_store() -> dict[str, Any]:
    """The ``store`` part of ``/health``: engine, revision, live posted offers per status."""
    state = get_state()
    try:
        with state.store.read() as session:
            rows = session.execute(
                select(Offer.status, func.count())
                .where(Offer.deleted_at.is_(None))
                .group_by(Offer.status)
                .order_by(Offer.status)
            ).all()
            revision = MigrationContext.configure(session.connection()).get_current_revision()
    except (ServiceUnavailableError, SQLAlchemyError) as e:
        current_app.logger.error("offers database unavailable: %s", e)
        return {"status": "unavailable", "database": state.store.dialect}
    return {
        "status": "ok" if revision == head_revision() else "migration pending",
        "database": state.store.dialect,
        "revision": revision,
        "offers_by_status": {status: int(count) for status, count in rows},
    }


def current_actor(state: ContributionsState) -> Actor:
    """The caller: bearer token, session cookie (with CSRF check) or anonymous; see
    :mod:`geoservice.web.identity`."""
    return identity.current_actor(state.store)


def _check_payload(data: dict[str, Any], config: StoreConfig) -> None:
    """Rules that depend on the configuration: theme vocabulary, number of timings."""
    for theme in data.get("themes") or []:
        if theme not in config.themes:
            raise InvalidParameterError("themes", f"unknown theme {theme!r}", config.themes)
    count = len(data.get("timings") or [])
    if count > config.max_timings:
        msg = f"{count} timings; at most {config.max_timings} per offer"
        raise LimitExceededError("timings", msg)


def _location(state: ContributionsState, data: dict[str, Any]) -> ResolvedLocation | None:
    if not any(k in data for k in ("lon", "lat", "commune_code")):
        return None
    if state.coverage is None:
        raise ServiceUnavailableError("the territory (communes) is not loaded; cannot place offers")
    return resolve_location(
        state.coverage,
        lon=data.get("lon"),
        lat=data.get("lat"),
        commune_code=data.get("commune_code"),
    )


def _page(query: dict[str, int]) -> tuple[int, int]:
    limit = int(query["limit"])
    max_limit = int(get_runtime().settings.get("api.max_limit", 500))
    if limit > max_limit:
        raise LimitExceededError("limit", f"limit {limit} is above the maximum {max_limit}")
    return limit, int(query["offset"])


def posted_offers_frame(
    query: OfferQuery,
    *,
    when: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> gpd.GeoDataFrame:
    """Every published posted offer matching `query` (paging ignored), as rows of the
    shared offers schema, for ``GET /offers``.

    `q` is a full-text search (every word, as a prefix, accents and case ignored) over the
    title, organiser, place, address and description; days are Europe/Paris days.
    """
    state = get_state()
    low, high = TIMING_YEARS
    for name, day in (("date_from", date_from), ("date_to", date_to)):
        if day is not None and not low <= day.year <= high:
            raise InvalidParameterError(name, f"must be between the years {low} and {high}")
    kinds = tuple(c for c in query.categories if c in KINDS)
    if query.categories and not kinds:  # only open-data categories asked for
        return offers_frame_from_records([], licence=state.config.licence)
    criteria = OfferFilter(
        q=query.q,
        themes=query.themes,
        kinds=kinds,
        commune_code=query.commune,
        bbox=query.bbox,
        when=when,
        date_from=datetime.combine(date_from, time.min, LOCAL_TIMEZONE) if date_from else None,
        date_to=datetime.combine(date_to, time.max, LOCAL_TIMEZONE) if date_to else None,
    )
    with state.store.read() as session:
        offers, _ = search_stored_offers(session, criteria)
        records = [offer_to_record(o) for o in offers]
    return offers_frame_from_records(records, licence=state.config.licence)


@blp.route("/offers")
class PostedOffers(MethodView):
    @blp.arguments(OfferCreateSchema)
    @blp.response(201, PostedOfferFeatureSchema, example=EXAMPLES["posted_offer_created"])
    def post(self, data: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Post an offer.

        Anonymous and contributor posts wait in moderation (``pending``); organisation and
        moderator posts are published at once. ``status: draft`` keeps the offer private.
        """
        state = get_state()
        actor = current_actor(state)
        _check_payload(data, state.config)
        location = _location(state, data)
        if location is None:  # OfferCreateSchema requires one; keeps the type checker sure
            raise InvalidParameterError("location", "give lon and lat, or commune_code")
        if actor.is_anonymous:
            wait_s = state.limiter.acquire(request.remote_addr or "unknown")
            if wait_s > 0:
                raise RateLimitedError(
                    f"too many anonymous posts from this address; retry in {wait_s:.0f} s",
                    retry_after_s=wait_s,
                )
        with state.store.write() as session:
            offer = create_offer(session, actor, data, location)
            record = offer_to_record(offer)
        feature = offer_to_feature(record)
        location_url = url_for(
            "contributions.PostedOffer",
            number=int(record["offer_id"].removeprefix(OFFER_ID_PREFIX)),
        )
        return feature, 201, {"Location": location_url}


@blp.route("/offers/user:<int:number>")
class PostedOffer(MethodView):
    @blp.response(200, PostedOfferFeatureSchema, example=EXAMPLES["posted_offer"])
    def get(self, number: int) -> dict[str, Any]:
        """A posted offer (``user:…``): published ones for all, others for author and moderators."""
        state = get_state()
        actor = current_actor(state)
        offer_id = f"{OFFER_ID_PREFIX}{number}"
        with state.store.read() as session:
            return offer_to_feature(offer_to_record(get_offer(session, offer_id, actor)))

    @blp.arguments(OfferPatchSchema)
    @blp.response(200, PostedOfferFeatureSchema, example=EXAMPLES["posted_offer"])
    def patch(self, changes: dict[str, Any], number: int) -> dict[str, Any]:
        """Edit an offer (its author or a moderator). A contributor's edit of a published
        offer sends it back to moderation."""
        state = get_state()
        actor = current_actor(state)
        offer_id = f"{OFFER_ID_PREFIX}{number}"
        _check_payload(changes, state.config)
        location = _location(state, changes)
        with state.store.write() as session:
            offer = update_offer(session, actor, offer_id, changes, location)
            return offer_to_feature(offer_to_record(offer))

    @blp.response(204)
    def delete(self, number: int) -> None:
        """Delete an offer (its author or a moderator); its moderation history is kept."""
        state = get_state()
        actor = current_actor(state)
        offer_id = f"{OFFER_ID_PREFIX}{number}"
        with state.store.write() as session:
            delete_offer(session, actor, offer_id)


@blp.route("/offers/user:<int:number>/moderation")
class OfferModeration(MethodView):
    @blp.response(200, ModerationEventSchema(many=True), example=EXAMPLES["moderation_events"])
    def get(self, number: int) -> list[dict[str, Any]]:
        """Status history of an offer (who, when, from → to, why)."""
        state = get_state()
        actor = current_actor(state)
        offer_id = f"{OFFER_ID_PREFIX}{number}"
        with state.store.read() as session:
            offer = get_offer(session, offer_id, actor)
            require_owner_or_moderator(actor, offer.author_id, "see the history of")
            return [event_to_record(e) for e in offer_history(session, offer)]

    @blp.arguments(ModerationSchema)
    @blp.response(200, PostedOfferFeatureSchema, example=EXAMPLES["posted_offer"])
    def post(self, decision: dict[str, Any], number: int) -> dict[str, Any]:
        """Approve (→ published) or reject (→ rejected, `reason` required). Moderators only."""
        state = get_state()
        actor = current_actor(state)
        offer_id = f"{OFFER_ID_PREFIX}{number}"
        with state.store.write() as session:
            offer = moderate_offer(
                session, actor, offer_id, decision["decision"], decision.get("reason")
            )
            record = offer_to_record(offer)
            record["history"] = [event_to_record(e) for e in offer_history(session, offer)]
            return offer_to_feature(record)


@blp.route("/moderation/queue")
class ModerationQueue(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, PostedOfferPageSchema, example=MODERATION_QUEUE_EXAMPLE)
    def get(self, query: dict[str, int]) -> dict[str, Any]:
        """Offers waiting for a moderator, oldest first. Moderators only.

        Each carries its ``history`` and, when it had been approved before,
        ``changes_since_approval``: the fields its author changed since (before → after)."""
        state = get_state()
        actor = current_actor(state)
        limit, offset = _page(query)
        features = []
        with state.store.read() as session:
            offers, total = moderation_queue(session, actor, limit=limit, offset=offset)
            for offer in offers:
                record = offer_to_record(offer)
                record["history"] = [event_to_record(e) for e in offer_history(session, offer)]
                record["changes_since_approval"] = changes_since_approval(offer)
                features.append(offer_to_feature(record))
        return {
            "type": "FeatureCollection",
            "total": total,
            "limit": limit,
            "offset": offset,
            "features": features,
        }


def _published_records(state: ContributionsState, *, kinds: tuple[str, ...] = ()) -> list[Any]:
    with state.store.read() as session:
        offers, _ = search_stored_offers(session, OfferFilter(kinds=kinds))
        return [offer_to_record(o) for o in offers]


@blp.route("/offers/export.geojson")
class ExportGeoJSON(MethodView):
    @blp.response(200, content_type="application/geo+json")
    @blp.doc(
        **file_doc(
            "application/geo+json",
            POINT_COLLECTION,
            {"type": "FeatureCollection", "features": [EXAMPLES["posted_offer"]]},
        )
    )
    def get(self) -> Response:
        """Every published posted offer as a GeoJSON FeatureCollection (EPSG:4326)."""
        collection = offers_to_geojson(_published_records(get_state()))
        body = current_app.json.dumps(collection)
        return Response(body, mimetype="application/geo+json")


@blp.route("/offers/export.csv")
class ExportCSV(MethodView):
    @blp.response(200, content_type="text/csv")
    @blp.doc(**file_doc("text/csv", {"type": "string"}, CSV_EXAMPLE))
    def get(self) -> Response:
        """Every published posted offer as CSV (UTF-8, one row per offer)."""
        body = offers_to_csv(_published_records(get_state()))
        return Response(
            body,
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="offers.csv"'},
        )


@blp.route("/events.ics")
class EventsCalendar(MethodView):
    @blp.response(200, content_type="text/calendar")
    @blp.doc(**file_doc("text/calendar", {"type": "string"}, ICS_EXAMPLE))
    def get(self) -> Response:
        """iCalendar feed of published events (and those cancelled while published, marked
        cancelled), one VEVENT per timing."""
        state = get_state()
        with state.store.read() as session:
            offers, _ = search_stored_offers(
                session, OfferFilter(kinds=("event",), statuses=("published", "cancelled"))
            )
            records = [offer_to_record(o) for o in offers]
        host = urlsplit(request.host_url).hostname or "geoservice"
        body = offers_to_ical(records, host=host, generated_at=datetime.now(UTC))
        return Response(body, mimetype="text/calendar")
