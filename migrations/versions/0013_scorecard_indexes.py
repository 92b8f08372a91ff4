"""Indexes for the scorecard: a team's invitations by recipient, and its learnings by author and time.

Revision ID: 0013
Revises: 0016
Create Date: 2026-12-01 11:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversation_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_conversation_deliveries_member_purpose_state", ["member_id", "purpose", "state"], unique=False
        )
    with op.batch_alter_table("learnings", schema=None) as batch_op:
        batch_op.create_index("ix_learnings_member_created", ["member_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("learnings", schema=None) as batch_op:
        batch_op.drop_index("ix_learnings_member_created")
    with op.batch_alter_table("conversation_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_deliveries_member_purpose_state")
