"""Slack: pending forms in the database, so a form's button works on every replica and after a restart.

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-01 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_pending_forms",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token"),
    )
    with op.batch_alter_table("slack_pending_forms", schema=None) as batch_op:
        batch_op.create_index("ix_slack_pending_forms_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("slack_pending_forms", schema=None) as batch_op:
        batch_op.drop_index("ix_slack_pending_forms_created_at")
    op.drop_table("slack_pending_forms")
