"""Projects as plain JSON-ready records, showing each caller what it may see.

Everybody sees a public project's content, its needs (open or fulfilled) and its accepted
members and answers (by display name). The owner (and moderators) also see every response
with its message; a responder sees their own responses.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from geoservice.store.policy import Actor
from geoservice.store.project_models import Project, ProjectEvent, ProjectNeed, ProjectResponse


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def need_to_record(need: ProjectNeed) -> dict[str, Any]:
    """One need: kind, text, quantity or date, and whether it is fulfilled."""
    return {
        "id": need.id,
        "kind": need.kind,
        "text": need.text,
        "quantity": need.quantity,
        "needed_on": need.needed_on.isoformat() if need.needed_on else None,
        "fulfilled": need.fulfilled_at is not None,
    }


def response_to_record(response: ProjectResponse) -> dict[str, Any]:
    """One response, for its project's owner or its author."""
    return {
        "id": response.id,
        "need_id": response.need_id,
        "responder": response.responder.name,
        "offer_id": response.offer_id,
        "message": response.message,
        "status": response.status,
        "created_at": _iso(response.created_at),
        "decided_at": _iso(response.decided_at),
    }


def project_to_record(project: Project, actor: Actor) -> dict[str, Any]:
    """A project as `actor` may see it (the caller checked that it may see it at all)."""
    accepted = [r for r in project.responses if r.status == "accepted"]
    is_owner = actor.user_id is not None and actor.user_id == project.owner_id
    if is_owner or actor.is_moderator:
        visible = list(project.responses)
    else:
        visible = [r for r in project.responses if r.responder_id == actor.user_id]
    return {
        "project_id": project.id,
        "title": project.title,
        "description": project.description,
        "themes": project.themes,
        "lon": project.lon,
        "lat": project.lat,
        "commune_code": project.commune_code,
        "located_by": project.located_by,
        "starts_on": project.starts_on.isoformat() if project.starts_on else None,
        "ends_on": project.ends_on.isoformat() if project.ends_on else None,
        "stage": project.stage,
        "status": project.status,
        "owner": project.owner.name if project.owner is not None else None,
        "needs": [need_to_record(n) for n in project.needs],
        "members": sorted({r.responder.name for r in accepted if r.need_id is None}),
        "answers": [
            {"need_id": r.need_id, "responder": r.responder.name, "offer_id": r.offer_id}
            for r in accepted
            if r.need_id is not None
        ],
        "responses": [response_to_record(r) for r in visible],
        "created_at": _iso(project.created_at),
        "updated_at": _iso(project.updated_at),
        "published_at": _iso(project.published_at),
    }


def project_event_to_record(event: ProjectEvent) -> dict[str, Any]:
    """A moderation event of a project."""
    return {
        "at": _iso(event.at),
        "actor": event.actor_name,
        "actor_role": event.actor_role,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "reason": event.reason,
    }
