"""Kudos: one member thanking another (for a learning, a retro, or anything).

Revision ID: 0014
Revises: 0009
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kudos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("giver_member_id", sa.Integer(), nullable=False),
        sa.Column("receiver_member_id", sa.Integer(), nullable=True),
        sa.Column("learning_id", sa.Integer(), nullable=True),
        sa.Column("retro_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("reaction", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_kudos_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["giver_member_id"], ["members.id"], name=op.f("fk_kudos_giver_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["learning_id"], ["learnings.id"], name=op.f("fk_kudos_learning_id_learnings"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["receiver_member_id"],
            ["members.id"],
            name=op.f("fk_kudos_receiver_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["retro_id"], ["retros.id"], name=op.f("fk_kudos_retro_id_retros"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_kudos_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kudos")),
    )
    with op.batch_alter_table("kudos", schema=None) as batch_op:
        batch_op.create_index("ix_kudos_dedupe_key", ["dedupe_key"], unique=True)
        batch_op.create_index("ix_kudos_tenant_created", ["tenant_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_kudos_giver_member_id"), ["giver_member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_kudos_receiver_member_id"), ["receiver_member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_kudos_learning_id"), ["learning_id"], unique=False)


def downgrade() -> None:
    op.drop_table("kudos")
