"""Projects (needs, responses, moderation history), shared rides, bookings, notifications

Revision ID: 0003_projects_rides
Revises: 0002_accounts
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_projects_rides"
down_revision: str | None = "0002_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = "status IN ('draft', 'pending', 'published', 'rejected', 'cancelled')"


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def _index(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("located_by", sa.String(length=8), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("stage", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.CheckConstraint(_STATUSES, name=op.f("ck_projects_status")),
        sa.CheckConstraint("stage IN ('open', 'running', 'done')", name=op.f("ck_projects_stage")),
        sa.CheckConstraint(
            "located_by IN ('point', 'commune')", name=op.f("ck_projects_located_by")
        ),
        _fk("projects", "owner_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index("ix_projects_status_id", ["status", "id"], unique=False)
    _index("projects", "commune_code", "owner_id")
    op.create_table(
        "project_themes",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(length=40), nullable=False),
        _fk("project_themes", "project_id", "projects", "CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "theme", name=op.f("pk_project_themes")),
    )
    _index("project_themes", "theme")
    op.create_table(
        "project_needs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("needed_on", sa.Date(), nullable=True),
        sa.Column("fulfilled_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('skill', 'resource', 'venue', 'volunteers', 'transport')",
            name=op.f("ck_project_needs_kind"),
        ),
        sa.CheckConstraint(
            "quantity IS NULL OR quantity >= 1", name=op.f("ck_project_needs_quantity")
        ),
        _fk("project_needs", "project_id", "projects", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_needs")),
    )
    _index("project_needs", "project_id")
    op.create_table(
        "project_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=True),
        sa.Column("responder_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.String(length=80), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined')",
            name=op.f("ck_project_responses_status"),
        ),
        _fk("project_responses", "project_id", "projects", "CASCADE"),
        _fk("project_responses", "need_id", "project_needs", "CASCADE"),
        _fk("project_responses", "responder_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_responses")),
        sa.UniqueConstraint(
            "project_id",
            "responder_id",
            "need_id",
            name=op.f("uq_project_responses_one_per_need"),
        ),
    )
    _index("project_responses", "need_id", "project_id", "responder_id")
    op.create_table(
        "project_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=80), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _fk("project_events", "project_id", "projects", "CASCADE"),
        _fk("project_events", "actor_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_events")),
    )
    _index("project_events", "project_id")
    op.create_table(
        "rides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=False),
        sa.Column("event_offer_id", sa.String(length=80), nullable=True),
        sa.Column("destination_name", sa.String(length=200), nullable=False),
        sa.Column("destination_lon", sa.Float(), nullable=False),
        sa.Column("destination_lat", sa.Float(), nullable=False),
        sa.Column("arrive_at", sa.DateTime(), nullable=True),
        sa.Column("departure_lon", sa.Float(), nullable=False),
        sa.Column("departure_lat", sa.Float(), nullable=False),
        sa.Column("departure_commune_code", sa.String(length=5), nullable=True),
        sa.Column("departure_at", sa.DateTime(), nullable=False),
        sa.Column("return_at", sa.DateTime(), nullable=True),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("max_detour_minutes", sa.Float(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("seats >= 1 AND seats <= 8", name=op.f("ck_rides_seats")),
        sa.CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= seats", name=op.f("ck_rides_not_overbooked")
        ),
        sa.CheckConstraint("max_detour_minutes >= 0", name=op.f("ck_rides_detour")),
        sa.CheckConstraint("status IN ('open', 'cancelled')", name=op.f("ck_rides_status")),
        _fk("rides", "driver_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rides")),
    )
    _index("rides", "departure_at", "driver_id", "event_offer_id")
    op.create_table(
        "ride_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ride_id", sa.Integer(), nullable=False),
        sa.Column("rider_id", sa.Integer(), nullable=False),
        sa.Column("pickup_lon", sa.Float(), nullable=True),
        sa.Column("pickup_lat", sa.Float(), nullable=True),
        sa.Column("pickup_commune_code", sa.String(length=5), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'cancelled')",
            name=op.f("ck_ride_bookings_status"),
        ),
        _fk("ride_bookings", "ride_id", "rides", "CASCADE"),
        _fk("ride_bookings", "rider_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ride_bookings")),
        sa.UniqueConstraint("ride_id", "rider_id", name=op.f("uq_ride_bookings_one_per_rider")),
    )
    _index("ride_bookings", "ride_id", "rider_id")
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("ride_id", sa.Integer(), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        _fk("notifications", "user_id", "users", "CASCADE"),
        _fk("notifications", "ride_id", "rides", "CASCADE"),
        _fk("notifications", "booking_id", "ride_bookings", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    _index("notifications", "user_id")


def downgrade() -> None:
    for table in (
        "notifications",
        "ride_bookings",
        "rides",
        "project_events",
        "project_responses",
        "project_needs",
        "project_themes",
        "projects",
    ):
        op.drop_table(table)
