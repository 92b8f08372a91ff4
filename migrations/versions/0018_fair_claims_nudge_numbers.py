"""Fair claims and nudge numbers.

- An index on deliveries by (tenant, state, not_before): a claim takes each workspace's due rows with one index
  probe per workspace (bot.conversations.dispatcher).
- `conversation_series.number`: the number a kind shows its users, per tenant and kind. Nudges were shown their
  series id, which resurfacing series share, so a member's first nudge could be "Nudge 2". Existing nudges keep
  the number they were shown (their id): what members wrote down or remember still names the same nudge; new ones
  continue after the highest number in their team.

Revision ID: 0018
Revises: 0014
Create Date: 2026-12-01 11:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE and CREATE INDEX, no batch table copy: on SQLite a copy drops the old table, and with
    # foreign keys on, ON DELETE CASCADE would take every round and delivery with it.
    op.create_index(
        "ix_conversation_deliveries_tenant_state_not_before",
        "conversation_deliveries",
        ["tenant_id", "state", "not_before"],
        unique=False,
    )
    op.add_column("conversation_series", sa.Column("number", sa.Integer(), nullable=True))
    op.execute("UPDATE conversation_series SET number = id WHERE kind = 'nudge'")
    op.create_index(
        "ix_conversation_series_tenant_kind_number", "conversation_series", ["tenant_id", "kind", "number"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_conversation_series_tenant_kind_number", table_name="conversation_series")
    op.drop_column("conversation_series", "number")  # SQLite 3.35+: no table copy either
    op.drop_index("ix_conversation_deliveries_tenant_state_not_before", table_name="conversation_deliveries")
