"""Tables of shared projects: a project, its themes and needs, and the responses to it.

A project goes through the offers' moderation state machine
(:mod:`geoservice.store.moderation`): its ``status`` and ``published_at`` columns mean what
they mean for offers, and its status changes are recorded in ``project_events``. Its life
(``open``, ``running``, ``done``) is a separate column, ``stage``, set by its owner.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from geoservice.store.config import STATUSES
from geoservice.store.models import Base, User, UtcDateTime, utc_now

#: Public ids of projects start with this.
PROJECT_ID_PREFIX = "project:"
#: Life of a project, chosen by its owner.
PROJECT_STAGES: tuple[str, ...] = ("open", "running", "done")
#: What a project may need.
NEED_KINDS: tuple[str, ...] = ("skill", "resource", "venue", "volunteers", "transport")
#: A response waits for the owner's decision, then is accepted or declined.
RESPONSE_STATUSES: tuple[str, ...] = ("pending", "accepted", "declined")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Project(Base):
    """A project several people build together, placed at a point or a commune."""

    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint(_one_of("stage", PROJECT_STAGES), name="stage"),
        CheckConstraint(_one_of("located_by", ("point", "commune")), name="located_by"),
        Index("ix_projects_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    commune_code: Mapped[str | None] = mapped_column(String(5), nullable=True, index=True)
    located_by: Mapped[str] = mapped_column(String(8), default="point")
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    stage: Mapped[str] = mapped_column(String(8), default="open")
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: Lower-case, accent-free title, description and needs, for ``q``.
    search_text: Mapped[str] = mapped_column(Text, default="")

    owner: Mapped[User] = relationship()
    theme_rows: Mapped[list[ProjectTheme]] = relationship(
        cascade="all, delete-orphan", order_by="ProjectTheme.theme", lazy="selectin"
    )
    needs: Mapped[list[ProjectNeed]] = relationship(
        cascade="all, delete-orphan", order_by="ProjectNeed.id", lazy="selectin"
    )
    responses: Mapped[list[ProjectResponse]] = relationship(
        cascade="all, delete-orphan", order_by="ProjectResponse.id", lazy="selectin"
    )

    @property
    def project_id(self) -> str:
        """The public id, ``project:<n>``."""
        return f"{PROJECT_ID_PREFIX}{self.id}"

    @property
    def themes(self) -> list[str]:
        return [t.theme for t in self.theme_rows]


class ProjectTheme(Base):
    """One theme of a project (vocabulary of ``config/themes.toml``)."""

    __tablename__ = "project_themes"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class ProjectNeed(Base):
    """Something a project needs: a kind, a short text, a quantity or a date."""

    __tablename__ = "project_needs"
    __table_args__ = (
        CheckConstraint(_one_of("kind", NEED_KINDS), name="kind"),
        CheckConstraint("quantity IS NULL OR quantity >= 1", name="quantity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    needed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: Set when the owner accepts a response answering this need.
    fulfilled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class ProjectResponse(Base):
    """Someone offers to join a project, or to answer one of its needs."""

    __tablename__ = "project_responses"
    __table_args__ = (
        CheckConstraint(_one_of("status", RESPONSE_STATUSES), name="status"),
        UniqueConstraint(
            "project_id", "responder_id", "need_id", name="uq_project_responses_one_per_need"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    #: ``None``: a request to join the project as a member.
    need_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_needs.id", ondelete="CASCADE"), nullable=True, index=True
    )
    responder_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    #: An offer of the responder's answering the need (``user:<n>``), if any.
    offer_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    responder: Mapped[User] = relationship()


class ProjectEvent(Base):
    """One moderation status change of a project: who, when, from → to, why."""

    __tablename__ = "project_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    actor_name: Mapped[str] = mapped_column(String(80))
    actor_role: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    from_status: Mapped[str | None] = mapped_column(String(12), nullable=True)
    to_status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
