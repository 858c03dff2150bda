"""Tables of the offers database (SQLAlchemy 2 declarative models).

Times are stored as naive UTC (``UtcDateTime``) so that SQLite and PostgreSQL compare them
the same way; Python always sees timezone-aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from geoservice.store.config import ATTENDANCE_MODES, KINDS, ROLES, STATUSES

#: Public ids of posted offers start with this, so they never collide with open-data ids.
OFFER_ID_PREFIX = "user:"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> datetime:
    """The current time, UTC, to the microsecond."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as naive UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """A registered contributor, organisation or moderator."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_one_of("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")


class ApiToken(Base):
    """An API token: only the sha256 of the secret is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    #: What the token is for, chosen by its owner (``POST /accounts/me/tokens``).
    label: Mapped[str | None] = mapped_column(String(80), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    user: Mapped[User] = relationship(back_populates="tokens")


class Offer(Base):
    """An offer posted through the API (event, venue, work, skill or resource).

    Field names follow OpenAgenda's event model where one exists (title, description,
    timings, accessibility, age, conditions, registration, attendanceMode, image).
    """

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint(_one_of("kind", KINDS), name="kind"),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint(_one_of("attendance_mode", ATTENDANCE_MODES), name="attendance_mode"),
        CheckConstraint(_one_of("located_by", ("point", "commune")), name="located_by"),
        Index("ix_offers_status_id", "status", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    organiser: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    commune_code: Mapped[str | None] = mapped_column(String(5), nullable=True, index=True)
    #: ``point`` (given by the author) or ``commune`` (its commune's representative point).
    located_by: Mapped[str] = mapped_column(String(8), default="point")
    location_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    accessibility: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    age_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    age_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    free: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    price_eur: Mapped[float | None] = mapped_column(Float, nullable=True)
    conditions: Mapped[str | None] = mapped_column(String(500), nullable=True)
    registration: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    attendance_mode: Mapped[str] = mapped_column(String(10), default="on_site")
    online_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    image_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    status: Mapped[str] = mapped_column(String(12))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: The last approved content (``{"approved_at", "content"}``), never served publicly:
    #: moderators see what an edit changed (:mod:`geoservice.store.approved_version`).
    approved_content: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: Lower-case, accent-free text the full-text index is built on.
    search_text: Mapped[str] = mapped_column(Text, default="")

    author: Mapped[User | None] = relationship()
    timings: Mapped[list[OfferTiming]] = relationship(
        back_populates="offer",
        cascade="all, delete-orphan",
        order_by="OfferTiming.begin_at",
        lazy="selectin",
    )
    theme_rows: Mapped[list[OfferTheme]] = relationship(
        cascade="all, delete-orphan", order_by="OfferTheme.theme", lazy="selectin"
    )

    @property
    def offer_id(self) -> str:
        """The public id, ``user:<n>``."""
        return f"{OFFER_ID_PREFIX}{self.id}"

    @property
    def themes(self) -> list[str]:
        return [t.theme for t in self.theme_rows]


class OfferTiming(Base):
    """One occurrence ``[begin, end]`` of an offer (OpenAgenda ``timings``)."""

    __tablename__ = "offer_timings"
    __table_args__ = (CheckConstraint("end_at >= begin_at", name="order"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    begin_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    end_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)

    offer: Mapped[Offer] = relationship(back_populates="timings")


class OfferTheme(Base):
    """One theme of an offer (vocabulary of ``config/themes.toml``)."""

    __tablename__ = "offer_themes"

    offer_id: Mapped[int] = mapped_column(
        ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class ModerationEvent(Base):
    """One change of an offer's status: who, when, from → to, why."""

    __tablename__ = "moderation_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    #: The actor's name and role at the time (kept if the user is deleted later).
    actor_name: Mapped[str] = mapped_column(String(80))
    actor_role: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    #: ``None`` on creation.
    from_status: Mapped[str | None] = mapped_column(String(12), nullable=True)
    #: A status, or ``deleted``.
    to_status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
