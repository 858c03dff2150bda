"""Searching the projects everybody may see: text, theme, commune, stage.

Only public projects (published, or cancelled while published) are ever returned: the
condition is the offers' (:func:`geoservice.store.search.public_condition`) on the projects
table. The text search needs every word as a prefix of a word of the title, description or
needs (accents and case ignored), like the offers' ``q``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from geoservice.store.project_models import Project, ProjectTheme
from geoservice.store.search import fts_words


def public_project_condition() -> ColumnElement[bool]:
    """SQL condition of the projects everybody may see."""
    return and_(
        Project.deleted_at.is_(None),
        or_(
            Project.status == "published",
            and_(Project.status == "cancelled", Project.published_at.is_not(None)),
        ),
    )


@dataclass(frozen=True)
class ProjectFilter:
    """Criteria of :func:`search_projects`; every given one must hold."""

    q: str | None = None
    themes: Sequence[str] = ()
    commune_code: str | None = None
    stages: Sequence[str] = ()


def _word_condition(word: str) -> ColumnElement[bool]:
    # A prefix of a word: at the start of the text or after a space.
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(
        Project.search_text.like(f"{escaped}%", escape="\\"),
        Project.search_text.like(f"% {escaped}%", escape="\\"),
    )


def search_projects(session: Session, flt: ProjectFilter) -> list[Project]:
    """Public projects matching `flt`, oldest first."""
    conditions: list[ColumnElement[bool]] = [public_project_condition()]
    for word in fts_words(flt.q or ""):
        conditions.append(_word_condition(word))
    if flt.themes:
        conditions.append(
            exists().where(
                ProjectTheme.project_id == Project.id, ProjectTheme.theme.in_(list(flt.themes))
            )
        )
    if flt.commune_code:
        conditions.append(Project.commune_code == flt.commune_code)
    if flt.stages:
        conditions.append(Project.stage.in_(list(flt.stages)))
    return list(session.scalars(select(Project).where(*conditions).order_by(Project.id)))
