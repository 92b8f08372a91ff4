"""Fair claims: an index on deliveries by (tenant, state, not_before), so a claim can take each workspace's due
rows with one index probe per workspace; and per-member nudge numbers.

Revision ID: 0018
Revises: 0009
Create Date: 2026-12-01 11:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversation_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_conversation_deliveries_tenant_state_not_before", ["tenant_id", "state", "not_before"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("conversation_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_deliveries_tenant_state_not_before")
