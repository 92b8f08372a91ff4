"""The learning log: private entries (seen by their author only) and when an entry was last edited.

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-01 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every entry logged before was shared with the team: the server default keeps it so.
    # Plain ALTER TABLE, never a batch copy: a copied SQLite table would lose the search index's triggers.
    op.add_column("learnings", sa.Column("private", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("learnings", sa.Column("edited_at", bot.db.base.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("learnings", "edited_at")
    op.drop_column("learnings", "private")
