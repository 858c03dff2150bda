"""Impact monitor: dated snapshots of indicators per zone

Revision ID: 0004_impact
Revises: 0003_projects_rides
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_impact"
down_revision: str | None = "0003_projects_rides"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "impact_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_date", sa.Date(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("data_sha256", sa.String(length=64), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impact_snapshots")),
        sa.UniqueConstraint("snapshot_date", name=op.f("uq_impact_snapshots_snapshot_date")),
    )
    op.create_table(
        "impact_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("snapshot_date", sa.Date(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("zone_code", sa.String(length=16), nullable=False),
        sa.Column("indicator", sa.String(length=120), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["impact_snapshots.id"],
            name=op.f("fk_impact_values_snapshot_id_impact_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impact_values")),
        sa.UniqueConstraint(
            "snapshot_date", "level", "zone_code", "indicator", name="uq_impact_values_day_zone"
        ),
    )
    with op.batch_alter_table("impact_values", schema=None) as batch_op:
        for column in ("snapshot_id", "snapshot_date", "indicator"):
            batch_op.create_index(batch_op.f(f"ix_impact_values_{column}"), [column], unique=False)


def downgrade() -> None:
    op.drop_table("impact_values")
    op.drop_table("impact_snapshots")
