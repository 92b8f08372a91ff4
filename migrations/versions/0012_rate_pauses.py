"""Rate-limit pauses in the database, so a 429 on one replica pauses that workspace on every replica.

Revision ID: 0012
Revises: 0007
Create Date: 2026-12-01 09:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_rate_pauses",
        sa.Column("scope", sa.String(length=400), nullable=False),
        sa.Column("until", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_conversation_rate_pauses")),
    )
    with op.batch_alter_table("conversation_rate_pauses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_rate_pauses_until"), ["until"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conversation_rate_pauses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_rate_pauses_until"))
    op.drop_table("conversation_rate_pauses")
