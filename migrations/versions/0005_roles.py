"""Roles: where a member's role came from, and when the platform profile was last checked.

Members who are managers today keep that role; it is marked as from the platform, since platform hints were
the only way to become one. In a terminal team the first member becomes admin.

Revision ID: 0005
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role_source", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("profile_checked_at", bot.db.base.UtcDateTime(timezone=True), nullable=True))
    op.execute("UPDATE members SET role_source = 'platform' WHERE role <> 'member'")
    # The terminal has no admins of its own: its first member becomes the local team's admin, as new teams do.
    op.execute(
        "UPDATE members SET role = 'admin', role_source = 'granted' WHERE id IN ("
        "SELECT MIN(members.id) FROM members JOIN tenants ON tenants.id = members.tenant_id "
        "WHERE tenants.platform = 'console' GROUP BY members.tenant_id)"
    )


def downgrade() -> None:
    op.execute("UPDATE members SET role = 'manager' WHERE role = 'admin'")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("profile_checked_at")
        batch_op.drop_column("role_source")
