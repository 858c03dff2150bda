"""``GET /projects/{id}/matches`` and ``GET /offers/user:{n}/projects``: needs ↔ posted
skills, resources and venues, ranked by door-to-door travel time from the project's place.

The candidates of a need come from the store's full-text search of published offers (one
search per word of the need, any word matching, offers of the kinds the need accepts:
:data:`~geoservice.core.need_matching.NEED_OFFER_KINDS`); the times from the request's offer
catalogue (:func:`~geoservice.web.offer_catalogue.request_catalogue`) with the ranking's
travel model, so they are the times ``/reachable`` gives from the project's point.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from flask.views import MethodView

from geoservice.core.need_matching import (
    NEED_OFFER_KINDS,
    NeedCandidates,
    need_search_words,
    rank_need_matches,
    road_travel_times,
)
from geoservice.core.offer_selection import OfferSelection
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.errors import InvalidParameterError
from geoservice.store.models import OFFER_ID_PREFIX
from geoservice.store.offers import get_offer
from geoservice.store.project_models import Project, ProjectNeed
from geoservice.store.project_records import need_to_record
from geoservice.store.project_search import ProjectFilter, search_projects
from geoservice.store.projects import get_project
from geoservice.store.records import offer_to_record, offers_frame_from_records
from geoservice.store.search import OfferFilter, normalise_text, search_stored_offers
from geoservice.web.blueprint import Blueprint
from geoservice.web.collab_context import caller, collab_store
from geoservice.web.collab_examples import EXAMPLES
from geoservice.web.context import get_runtime
from geoservice.web.contributions import get_state
from geoservice.web.offer_catalogue import open_data_catalogue, request_catalogue
from geoservice.web.origins import TRANSIT, Origin, ReachableLimits, minutes_from_args
from geoservice.web.problems import request_fields
from geoservice.web.project_schemas import (
    MatchesQuerySchema,
    OfferProjectsQuerySchema,
    OfferProjectsSchema,
    ProjectMatchesSchema,
)
from geoservice.web.transit_offers import transit_query_from_args, transit_times

blp = Blueprint(
    "project_matches",
    __name__,
    description="Needs of projects matched with posted skills, resources and venues by "
    "travel time.",
)
#: Offer kinds a project's needs are matched with.
MATCHED_KINDS: tuple[str, ...] = ("skill", "resource", "venue")


def _origin(project: Project) -> Origin:
    x, y = lambert93_from_wgs84(project.lon, project.lat)
    return Origin(float(x), float(y), project.lon, project.lat, project.commune_code, "project")


def _open_needs(project: Project) -> list[ProjectNeed]:
    return [n for n in project.needs if n.fulfilled_at is None]


def _candidates(need: ProjectNeed) -> NeedCandidates:
    """The published offers of the need's kinds whose text has one of its words."""
    found: dict[str, set[str]] = {}
    kinds = NEED_OFFER_KINDS[need.kind]
    with collab_store().read() as session:
        for word in need_search_words(need.text):
            offers, _ = search_stored_offers(session, OfferFilter(q=word, kinds=kinds))
            for offer in offers:
                found.setdefault(offer.offer_id, set()).add(word)
    return NeedCandidates(need.id, found)


def _limits(args: dict[str, Any]) -> tuple[ReachableLimits, float, str]:
    limits = ReachableLimits.from_settings(get_runtime().settings)
    minutes = minutes_from_args(args.get("max_minutes"), limits, "max_minutes")
    return limits, minutes, args.get("mode") or limits.default_mode


@blp.route("/projects/<int:number>/matches")
class ProjectMatches(MethodView):
    @blp.arguments(MatchesQuerySchema, location="query")
    @blp.response(200, ProjectMatchesSchema, example=EXAMPLES["matches"])
    def get(self, args: dict[str, Any], number: int) -> dict[str, Any]:
        """For each open need: the posted skills, resources and venues that match it,
        reached from the project's place within `max_minutes` by `mode`, nearer first
        (door to door, as ``/reachable``). `mode=transit` needs `departure`."""
        actor = caller()
        runtime = get_runtime()
        _, minutes, mode = _limits(args)
        with collab_store().read() as session:
            project = get_project(session, number, actor)
            origin = _origin(project)
            needs = _open_needs(project)
        per_need = [_candidates(n) for n in needs]
        catalogue = request_catalogue(runtime, OfferSelection(categories=MATCHED_KINDS))
        position = {k: i for i, k in enumerate(catalogue.offers["offer_id"].astype(str))}
        ids = sorted({k for c in per_need for k in c.candidates if k in position})
        rows = np.array([position[k] for k in ids], dtype=np.int64)
        with request_fields(location="project"):
            if mode == TRANSIT:
                query = transit_query_from_args(args.get("departure"), None)
                found = transit_times(catalogue, origin, query, limit_s=minutes * 60, rows=rows)
                times, distances = found.travel_time_s, np.full(len(rows), np.nan)
            else:
                if args.get("departure") is not None:
                    raise InvalidParameterError("departure", "departure goes with mode=transit")
                times, distances = road_travel_times(
                    catalogue, mode, (origin.x_m, origin.y_m), rows, limit_s=minutes * 60
                )
        ranked = rank_need_matches(per_need, ids, rows, times, distances, limit=args["limit"])
        offers = catalogue.offers
        answer = []
        for need, cands in zip(needs, per_need, strict=True):
            matches = [
                {
                    "offer_id": m.offer_id,
                    "name": str(offers["name"].iloc[m.row]),
                    "category": str(offers["category"].iloc[m.row]),
                    "commune_code": offers["commune_code"].iloc[m.row],
                    "travel_time_s": round(m.travel_time_s, 1),
                    "travel_time_min": round(m.travel_time_s / 60, 1),
                    "distance_m": None if np.isnan(m.distance_m) else round(m.distance_m),
                    "matched_words": list(m.matched_words),
                }
                for m in ranked[cands.need_id]
            ]
            answer.append(
                {
                    "need": need_to_record(need),
                    "offer_kinds": list(NEED_OFFER_KINDS[need.kind]),
                    "words": need_search_words(need.text),
                    "matches": matches,
                }
            )
        return {
            "project_id": number,
            "mode": mode,
            "max_minutes": minutes,
            "origin": {"lon": origin.lon, "lat": origin.lat, "commune": origin.commune},
            "needs": answer,
        }


def _need_wants(need: ProjectNeed, kind: str, text_words: set[str]) -> bool:
    """Whether `need` accepts an offer of `kind` whose text has the words `text_words`
    (one of the need's words is a prefix of one of them, as the full-text search)."""
    if kind not in NEED_OFFER_KINDS[need.kind] or need.fulfilled_at is not None:
        return False
    words = need_search_words(need.text)
    return any(t.startswith(w) for w in words for t in text_words)


@blp.route("/offers/user:<int:number>/projects")
class OfferProjects(MethodView):
    @blp.arguments(OfferProjectsQuerySchema, location="query")
    @blp.response(200, OfferProjectsSchema, example=EXAMPLES["offer_projects"])
    def get(self, args: dict[str, Any], number: int) -> dict[str, Any]:
        """The open public projects that need this posted skill, resource or venue, whose
        place is within `max_minutes` of it by `mode` (from the project's place, as its
        matches), nearest first."""
        actor = caller()
        runtime = get_runtime()
        _, minutes, mode = _limits(args)
        offer_id = f"{OFFER_ID_PREFIX}{number}"
        with collab_store().read() as session:
            offer = get_offer(session, offer_id, actor)
            record = offer_to_record(offer)
            text_words = set(normalise_text(offer.search_text or "").split())
            text_words = {w for t in text_words for w in need_search_words(t)} | text_words
            wanted = []
            for project in search_projects(session, ProjectFilter(stages=("open",))):
                needs = [n for n in project.needs if _need_wants(n, offer.kind, text_words)]
                if needs:
                    wanted.append((project, [need_to_record(n) for n in needs]))
        frame = offers_frame_from_records([record], licence=get_state().config.licence)
        catalogue = open_data_catalogue(runtime).with_offers(frame)
        row = int(np.flatnonzero(catalogue.offers["offer_id"].astype(str) == offer_id)[0])
        projects = []
        for project, needs_found in wanted:
            x, y = lambert93_from_wgs84(project.lon, project.lat)
            with request_fields(location="project"):
                times, _ = road_travel_times(
                    catalogue,
                    mode,
                    (float(x), float(y)),
                    np.array([row]),
                    limit_s=minutes * 60,
                )
            if np.isfinite(times[0]):
                projects.append(
                    {
                        "project_id": project.id,
                        "title": project.title,
                        "commune_code": project.commune_code,
                        "travel_time_s": round(float(times[0]), 1),
                        "travel_time_min": round(float(times[0]) / 60, 1),
                        "needs": needs_found,
                    }
                )
        projects.sort(key=lambda p: (p["travel_time_s"], p["project_id"]))
        return {"offer_id": offer_id, "mode": mode, "max_minutes": minutes, "projects": projects}
