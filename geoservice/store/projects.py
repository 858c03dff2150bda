"""Shared projects: create, edit, add needs, respond, decide, moderate. Every function takes a
Session; the caller owns the transaction (:meth:`~geoservice.store.db.Store.write`).

Moderation is the offers' state machine (:func:`geoservice.store.moderation.decide`, subject
``project``): a contributor's project waits for a moderator, an organisation's is published
at once (a moderator granted the organisation role), a contributor's edit of a published
project, new needs included, hides it until approved again. Only the owner decides on the
responses; only a signed-in account other than the owner responds, to a public project.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geoservice.errors import (
    ConflictError,
    InvalidParameterError,
    NotFoundError,
    PermissionDeniedError,
)
from geoservice.store.location import ResolvedLocation
from geoservice.store.models import utc_now
from geoservice.store.moderation import NEW, PUBLIC_STATES, SET_ACTIONS, decide, state_of, stored
from geoservice.store.policy import Actor, require_owner_or_moderator, require_user
from geoservice.store.project_models import (
    PROJECT_ID_PREFIX,
    Project,
    ProjectEvent,
    ProjectNeed,
    ProjectResponse,
    ProjectTheme,
)
from geoservice.store.search import fts_words

SUBJECT = "project"
#: Largest row id (a PostgreSQL ``integer``); larger ids in a URL are unknown (404).
MAX_ROW_ID = 2**31 - 1
#: Fields copied as given from a validated payload onto a :class:`Project`.
CONTENT_FIELDS: tuple[str, ...] = ("title", "description", "starts_on", "ends_on")


def project_state(project: Project) -> str:
    """The moderation state of `project`."""
    return state_of(project.status, project.published_at)


def is_public(project: Project) -> bool:
    """Whether everybody may see `project`."""
    return project.deleted_at is None and project_state(project) in PUBLIC_STATES


def can_see(actor: Actor, project: Project) -> bool:
    """Public projects: everybody; the others: their owner and moderators."""
    if is_public(project):
        return True
    return actor.is_moderator or (actor.user_id is not None and actor.user_id == project.owner_id)


def search_text_of(project: Project) -> str:
    """Title, description and the needs' texts: their words, lower case without accents,
    separated by single spaces (what :mod:`geoservice.store.project_search` matches)."""
    parts = [project.title, project.description, *(n.text for n in project.needs)]
    return " ".join(fts_words(" ".join(p for p in parts if p)))


def _record(
    session: Session,
    project: Project,
    actor: Actor,
    from_status: str | None,
    to_status: str,
    now: datetime,
    reason: str | None = None,
) -> None:
    session.add(
        ProjectEvent(
            project_id=project.id,
            actor_id=actor.user_id,
            actor_name=actor.name,
            actor_role=actor.role,
            at=now,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
        )
    )


def _enter_state(
    session: Session, project: Project, actor: Actor, state: str, now: datetime, reason: str | None
) -> None:
    columns = stored(state)
    if columns.status != project.status:
        _record(session, project, actor, project.status, columns.status, now, reason)
        project.status = columns.status
    project.published_at = columns.published_at(project.published_at, now)
    project.updated_at = now


def _apply_content(
    project: Project, data: Mapping[str, Any], location: ResolvedLocation | None
) -> None:
    for name in CONTENT_FIELDS:
        if name in data:
            setattr(project, name, data[name])
    if location is not None:
        project.lon, project.lat = location.lon, location.lat
        project.commune_code, project.located_by = location.commune_code, location.located_by
    if "themes" in data:
        wanted = sorted(set(data["themes"]))
        kept = [row for row in project.theme_rows if row.theme in wanted]
        have = {row.theme for row in kept}
        project.theme_rows = kept + [ProjectTheme(theme=t) for t in wanted if t not in have]
    if project.starts_on and project.ends_on and project.ends_on < project.starts_on:
        raise InvalidParameterError("ends_on", "ends_on is before starts_on")
    project.search_text = search_text_of(project)


def _need(data: Mapping[str, Any], now: datetime) -> ProjectNeed:
    return ProjectNeed(
        kind=data["kind"],
        text=data["text"],
        quantity=data.get("quantity"),
        needed_on=data.get("needed_on"),
        created_at=now,
    )


def create_project(
    session: Session,
    actor: Actor,
    data: Mapping[str, Any],
    location: ResolvedLocation,
    *,
    now: datetime | None = None,
) -> Project:
    """Insert a project and its needs; its status follows the actor's role (state machine)."""
    now = now or utc_now()
    require_user(actor, "creating a project")
    action = "create_draft" if data.get("status") == "draft" else "create"
    columns = stored(decide(NEW, actor.role, action, subject=SUBJECT))
    project = Project(
        owner_id=actor.user_id,
        status=columns.status,
        stage=data.get("stage", "open"),
        description="",
        created_at=now,
        updated_at=now,
        published_at=now if columns.public else None,
    )
    project.needs = [_need(n, now) for n in data.get("needs") or []]
    _apply_content(project, data, location)
    session.add(project)
    session.flush()
    _record(session, project, actor, None, columns.status, now)
    return project


def row_id_from_project_id(project_id: str | int) -> int:
    """``"project:12"`` or 12 → 12 (404 otherwise)."""
    number = str(project_id).removeprefix(PROJECT_ID_PREFIX)
    if number.isascii() and number.isdigit() and 0 < int(number) <= MAX_ROW_ID:
        return int(number)
    raise NotFoundError(f"no project {project_id!r}")


def get_project(session: Session, project_id: str | int, actor: Actor) -> Project:
    """The project if `actor` may see it; 404 otherwise (hidden projects do not leak)."""
    project = session.get(Project, row_id_from_project_id(project_id))
    if project is None or project.deleted_at is not None or not can_see(actor, project):
        raise NotFoundError(f"no project {project_id!r}")
    return project


def update_project(
    session: Session,
    actor: Actor,
    project_id: str | int,
    changes: Mapping[str, Any],
    location: ResolvedLocation | None,
    *,
    now: datetime | None = None,
) -> Project:
    """Edit a project (owner or moderator). ``stage`` (open / running / done) is not content:
    changing it alone never sends the project back to moderation."""
    now = now or utc_now()
    require_user(actor, "editing a project")
    project = get_project(session, project_id, actor)
    require_owner_or_moderator(actor, project.owner_id, "edit")
    content = {k: v for k, v in changes.items() if k not in {"status", "reason", "stage"}}
    state = project_state(project)
    requested = changes.get("status")
    if requested is not None and requested != project.status:
        if requested not in SET_ACTIONS:
            raise InvalidParameterError("status", f"unknown status {requested!r}", SET_ACTIONS)
        state = decide(state, actor.role, SET_ACTIONS[requested], subject=SUBJECT)
    if location is not None or content:
        state = decide(state, actor.role, "edit", subject=SUBJECT)
    _apply_content(project, content, location)
    if "stage" in changes:
        project.stage = changes["stage"]
    _enter_state(session, project, actor, state, now, changes.get("reason"))
    return project


def add_need(
    session: Session,
    actor: Actor,
    project_id: str | int,
    data: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> ProjectNeed:
    """Add a need (owner or moderator); a content edit for moderation."""
    now = now or utc_now()
    require_user(actor, "adding a need")
    project = get_project(session, project_id, actor)
    require_owner_or_moderator(actor, project.owner_id, "add a need to")
    state = decide(project_state(project), actor.role, "edit", subject=SUBJECT)
    need = _need(data, now)
    project.needs.append(need)
    project.search_text = search_text_of(project)
    _enter_state(session, project, actor, state, now, None)
    session.flush()
    return need


def respond(
    session: Session,
    actor: Actor,
    project_id: str | int,
    data: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> ProjectResponse:
    """Offer to join a public project (no ``need_id``) or to answer one of its open needs."""
    now = now or utc_now()
    require_user(actor, "responding to a project")
    project = get_project(session, project_id, actor)
    if not is_public(project) or project.stage == "done":
        raise ConflictError("ce projet n'accepte pas de réponses (non publié ou terminé)")
    if actor.user_id == project.owner_id:
        raise ConflictError("on ne répond pas à son propre projet")
    need_id = data.get("need_id")
    if need_id is not None:
        need = next((n for n in project.needs if n.id == need_id), None)
        if need is None:
            raise InvalidParameterError("need_id", f"ce projet n'a pas de besoin n° {need_id}")
        if need.fulfilled_at is not None:
            raise ConflictError(f"le besoin n° {need_id} est déjà pourvu")
    duplicate = session.scalar(
        select(ProjectResponse.id).where(
            ProjectResponse.project_id == project.id,
            ProjectResponse.responder_id == actor.user_id,
            ProjectResponse.need_id.is_(None)
            if need_id is None
            else ProjectResponse.need_id == need_id,
        )
    )
    if duplicate is not None:
        raise ConflictError(f"vous avez déjà répondu (réponse n° {duplicate})")
    response = ProjectResponse(
        project_id=project.id,
        need_id=need_id,
        responder_id=actor.user_id,
        offer_id=data.get("offer_id"),
        message=data.get("message", ""),
        status="pending",
        created_at=now,
    )
    session.add(response)
    session.flush()
    return response


def decide_response(
    session: Session,
    actor: Actor,
    project_id: str | int,
    response_id: int,
    decision: str,
    *,
    now: datetime | None = None,
) -> ProjectResponse:
    """The owner accepts or declines a response (nobody else, moderators included).

    Accepting an answer to a need marks the need fulfilled.
    """
    now = now or utc_now()
    require_user(actor, "deciding on a response")
    project = get_project(session, project_id, actor)
    if actor.user_id != project.owner_id:
        raise PermissionDeniedError("seul le porteur du projet accepte ou refuse les réponses")
    response = next((r for r in project.responses if r.id == response_id), None)
    if response is None:
        raise NotFoundError(f"no response {response_id} to this project")
    if decision not in {"accept", "decline"}:
        raise InvalidParameterError(
            "decision", f"unknown decision {decision!r}", ["accept", "decline"]
        )
    if response.status != "pending":
        raise ConflictError(f"cette réponse a déjà été traitée ({response.status})")
    response.status = "accepted" if decision == "accept" else "declined"
    response.decided_at = now
    if response.status == "accepted" and response.need_id is not None:
        for need in project.needs:
            if need.id == response.need_id:
                need.fulfilled_at = now
    project.updated_at = now
    return response


def moderate_project(
    session: Session,
    actor: Actor,
    project_id: str | int,
    decision: str,
    reason: str | None,
    *,
    now: datetime | None = None,
) -> Project:
    """A moderator approves (→ published) or rejects (→ rejected, reason required)."""
    now = now or utc_now()
    require_user(actor, "moderation")
    if not actor.is_moderator:
        raise PermissionDeniedError("only moderators approve or reject projects")
    project = get_project(session, project_id, actor)
    if decision not in {"approve", "reject"}:
        raise InvalidParameterError(
            "decision", f"unknown decision {decision!r}", ["approve", "reject"]
        )
    state = decide(project_state(project), actor.role, decision, subject=SUBJECT)
    if decision == "reject" and not (reason and reason.strip()):
        raise InvalidParameterError("reason", "rejecting a project needs a reason")
    _enter_state(session, project, actor, state, now, reason)
    return project


def project_history(session: Session, project: Project) -> list[ProjectEvent]:
    """The moderation events of `project`, oldest first."""
    return list(
        session.scalars(
            select(ProjectEvent)
            .where(ProjectEvent.project_id == project.id)
            .order_by(ProjectEvent.at, ProjectEvent.id)
        )
    )
