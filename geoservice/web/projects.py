"""Shared projects: ``/projects`` (list, create), one project (read, edit), its needs,
responses, the owner's decisions and moderation.

Writes need an account (bearer token, or session cookie with its CSRF token). A project is
public once a moderator approved it (organisations publish directly, as for offers); until
then only its owner and moderators see it, in any output. Matching by travel time is in
:mod:`geoservice.web.project_matches`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from flask import url_for
from flask.views import MethodView

from geoservice.core.need_matching import road_travel_times
from geoservice.core.ride_matching import points_as_offers
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.errors import InvalidParameterError
from geoservice.store.policy import Actor, require_owner_or_moderator
from geoservice.store.project_models import Project
from geoservice.store.project_records import (
    project_event_to_record,
    project_to_record,
    response_to_record,
)
from geoservice.store.project_search import ProjectFilter, search_projects
from geoservice.store.projects import (
    add_need,
    create_project,
    decide_response,
    get_project,
    moderate_project,
    project_history,
    respond,
    update_project,
)
from geoservice.web.blueprint import Blueprint
from geoservice.web.collab_context import caller, collab_store, place_of
from geoservice.web.collab_examples import EXAMPLES
from geoservice.web.context import get_runtime
from geoservice.web.contribution_schemas import ModerationEventSchema, ModerationSchema
from geoservice.web.contributions import get_state
from geoservice.web.offer_catalogue import open_data_catalogue
from geoservice.web.origins import ReachableLimits, minutes_from_args
from geoservice.web.problems import request_fields
from geoservice.web.project_schemas import (
    DecisionSchema,
    NeedSchema,
    ProjectCollectionSchema,
    ProjectCreateSchema,
    ProjectFeatureSchema,
    ProjectPatchSchema,
    ProjectQuerySchema,
    ResponseCreateSchema,
    ResponseOutSchema,
)

blp = Blueprint(
    "projects",
    __name__,
    description=(
        "Projects built together: needs (skills, resources, venues, volunteers, transport), "
        "responses and the owner's decisions; public after moderation."
    ),
)


def project_feature(project: Project, actor: Actor) -> dict[str, Any]:
    """A project as a GeoJSON Feature (EPSG:4326 point) seen by `actor`."""
    record = project_to_record(project, actor)
    lon, lat = record.pop("lon"), record.pop("lat")
    return {
        "type": "Feature",
        "id": record["project_id"],
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": record,
    }


def _check_themes(data: dict[str, Any]) -> None:
    themes = get_state().config.themes
    for theme in data.get("themes") or []:
        if theme not in themes:
            raise InvalidParameterError("themes", f"unknown theme {theme!r}", themes)


def _near(args: dict[str, Any]) -> tuple[float, float] | None:
    near = args.get("near")
    if near is None:
        if args.get("within_minutes") is not None:
            raise InvalidParameterError("within_minutes", "within_minutes goes with near")
        return None
    try:
        lon_s, lat_s = near.split(",")
        lon, lat = float(lon_s), float(lat_s)
    except ValueError as e:
        raise InvalidParameterError("near", f"near must be 'lon,lat', got {near!r}") from e
    if not (np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidParameterError("near", f"near must be 'lon,lat', got {near!r}")
    return lon, lat


def _within(features: list[dict[str, Any]], args: dict[str, Any]) -> list[dict[str, Any]]:
    """Keep the projects reached from ``near`` within ``within_minutes``, nearest first."""
    near = _near(args)
    if near is None or not features:
        return features
    runtime = get_runtime()
    limits = ReachableLimits.from_settings(runtime.settings)
    minutes = minutes_from_args(args.get("within_minutes"), limits, "within_minutes")
    mode = args.get("mode") or limits.default_mode
    points = {f"project:{f['id']}": tuple(f["geometry"]["coordinates"]) for f in features}
    catalogue = open_data_catalogue(runtime).with_offers(points_as_offers(points))
    position = {k: i for i, k in enumerate(catalogue.offers["offer_id"].astype(str))}
    rows = np.array([position[k] for k in points], dtype=np.int64)
    x, y = (float(v) for v in lambert93_from_wgs84(*near))
    with request_fields(location="near"):
        times, _ = road_travel_times(catalogue, mode, (x, y), rows, limit_s=minutes * 60)
    kept = []
    for feature, time_s in zip(features, times.tolist(), strict=True):
        if np.isfinite(time_s):
            feature["properties"]["travel_time_s"] = round(time_s, 1)
            kept.append(feature)
    kept.sort(key=lambda f: (f["properties"]["travel_time_s"], f["id"]))
    return kept


@blp.route("/projects")
class Projects(MethodView):
    @blp.arguments(ProjectQuerySchema, location="query")
    @blp.response(200, ProjectCollectionSchema, example=EXAMPLES["projects"])
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Public projects: text (`q`), `theme`, `commune`, `status` (stage open / running /
        done); with `near=lon,lat`, those reached within `within_minutes` by `mode`,
        nearest first."""
        actor = caller()
        themes = tuple(t for t in (args.get("theme") or "").split(",") if t)
        flt = ProjectFilter(
            q=args.get("q"),
            themes=themes,
            commune_code=args.get("commune"),
            stages=(args["status"],) if args.get("status") else (),
        )
        with collab_store().read() as session:
            features = [project_feature(p, actor) for p in search_projects(session, flt)]
        features = _within(features, args)
        return {"type": "FeatureCollection", "total": len(features), "features": features}

    @blp.arguments(ProjectCreateSchema, example=EXAMPLES["project_create"])
    @blp.response(201, ProjectFeatureSchema, example=EXAMPLES["project"])
    def post(self, data: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Create a project with its needs (an account is needed). A contributor's project
        waits for a moderator; an organisation's is published at once."""
        actor = caller()
        _check_themes(data)
        location = place_of(data)
        if location is None:
            raise InvalidParameterError("location", "give lon and lat, or commune_code")
        with collab_store().write() as session:
            project = create_project(session, actor, data, location)
            feature = project_feature(project, actor)
        url = url_for("projects.ProjectOne", number=project.id)
        return feature, 201, {"Location": url}


@blp.route("/projects/<int:number>")
class ProjectOne(MethodView):
    @blp.response(200, ProjectFeatureSchema, example=EXAMPLES["project"])
    def get(self, number: int) -> dict[str, Any]:
        """A project: public ones for all, the others for their owner and moderators."""
        actor = caller()
        with collab_store().read() as session:
            return project_feature(get_project(session, number, actor), actor)

    @blp.arguments(ProjectPatchSchema)
    @blp.response(200, ProjectFeatureSchema, example=EXAMPLES["project"])
    def patch(self, changes: dict[str, Any], number: int) -> dict[str, Any]:
        """Edit a project (owner or moderator). A contributor's content edit of a published
        project sends it back to moderation; changing `stage` alone does not."""
        actor = caller()
        _check_themes(changes)
        location = place_of(changes)
        with collab_store().write() as session:
            return project_feature(update_project(session, actor, number, changes, location), actor)


@blp.route("/projects/<int:number>/needs")
class ProjectNeeds(MethodView):
    @blp.arguments(NeedSchema, example=EXAMPLES["need"])
    @blp.response(201, ProjectFeatureSchema, example=EXAMPLES["project"])
    def post(self, data: dict[str, Any], number: int) -> dict[str, Any]:
        """Add a need (owner or moderator); a content edit, moderated like one."""
        actor = caller()
        with collab_store().write() as session:
            add_need(session, actor, number, data)
            return project_feature(get_project(session, number, actor), actor)


@blp.route("/projects/<int:number>/responses")
class ProjectResponses(MethodView):
    @blp.arguments(ResponseCreateSchema, example=EXAMPLES["response_create"])
    @blp.response(201, ResponseOutSchema, example=EXAMPLES["response"])
    def post(self, data: dict[str, Any], number: int) -> dict[str, Any]:
        """Offer to join a public project (no `need_id`) or to answer one of its open needs.
        The owner decides."""
        actor = caller()
        with collab_store().write() as session:
            return response_to_record(respond(session, actor, number, data))


@blp.route("/projects/<int:number>/responses/<int:rid>/decision")
class ProjectResponseDecision(MethodView):
    @blp.arguments(DecisionSchema, example={"decision": "accept"})
    @blp.response(200, ResponseOutSchema, example=EXAMPLES["response"])
    def post(self, data: dict[str, Any], number: int, rid: int) -> dict[str, Any]:
        """The project's owner (only) accepts or declines a response; accepting an answer
        marks its need fulfilled."""
        actor = caller()
        with collab_store().write() as session:
            response = decide_response(session, actor, number, rid, data["decision"])
            return response_to_record(response)


@blp.route("/projects/<int:number>/moderation")
class ProjectModeration(MethodView):
    @blp.response(200, ModerationEventSchema(many=True), example=[EXAMPLES["project_event"]])
    def get(self, number: int) -> list[dict[str, Any]]:
        """Status history of a project (owner and moderators)."""
        actor = caller()
        with collab_store().read() as session:
            project = get_project(session, number, actor)
            require_owner_or_moderator(actor, project.owner_id, "see the history of")
            return [project_event_to_record(e) for e in project_history(session, project)]

    @blp.arguments(ModerationSchema, example={"decision": "approve"})
    @blp.response(200, ProjectFeatureSchema, example=EXAMPLES["project"])
    def post(self, decision: dict[str, Any], number: int) -> dict[str, Any]:
        """Approve (→ published) or reject (→ rejected, `reason` required). Moderators only."""
        actor = caller()
        with collab_store().write() as session:
            project = moderate_project(
                session, actor, number, decision["decision"], decision.get("reason")
            )
            feature = project_feature(project, actor)
            feature["properties"]["history"] = [
                project_event_to_record(e) for e in project_history(session, project)
            ]
            return feature
