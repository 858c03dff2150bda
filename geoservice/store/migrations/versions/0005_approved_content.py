"""Offers keep their last approved content, to show moderators what an edit changed

Revision ID: 0005_approved_content
Revises: 0004_impact
Create Date: 2026-12-07

Offers approved before this revision have no kept version until their next write: the first
edit of a public offer keeps what was public then (see ``store/approved_version.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_approved_content"
down_revision: str | None = "0004_impact"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not a batch (which would rebuild the SQLite table and lose the
# full-text triggers on it); SQLite drops columns natively since 3.35.


def upgrade() -> None:
    op.add_column("offers", sa.Column("approved_content", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("offers", "approved_content")
