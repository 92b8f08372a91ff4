"""Retros: the retro, its grouped items (no author) and its action items.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retros",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("starter_member_id", sa.Integer(), nullable=True),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("votes_per_member", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("collect_round_id", sa.Integer(), nullable=True),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", bot.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["collect_round_id"],
            ["conversation_rounds.id"],
            name=op.f("fk_retros_collect_round_id_conversation_rounds"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_retros_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["starter_member_id"], ["members.id"], name=op.f("fk_retros_starter_member_id_members"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_retros_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retros")),
    )
    with op.batch_alter_table("retros", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retros_collect_round_id"), ["collect_round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_retros_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_retros_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "retro_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("retro_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_member_id", sa.Integer(), nullable=True),
        sa.Column("created_by_member_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("done_at", bot.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_retro_actions_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_member_id"],
            ["members.id"],
            name=op.f("fk_retro_actions_created_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_member_id"],
            ["members.id"],
            name=op.f("fk_retro_actions_owner_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["retro_id"], ["retros.id"], name=op.f("fk_retro_actions_retro_id_retros"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["conversation_rounds.id"],
            name=op.f("fk_retro_actions_round_id_conversation_rounds"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_retro_actions_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retro_actions")),
    )
    with op.batch_alter_table("retro_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retro_actions_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_retro_actions_owner_member_id"), ["owner_member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_retro_actions_retro_id"), ["retro_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_retro_actions_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "retro_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("retro_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["retro_id"], ["retros.id"], name=op.f("fk_retro_items_retro_id_retros"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retro_items")),
    )
    with op.batch_alter_table("retro_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retro_items_retro_id"), ["retro_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("retro_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retro_items_retro_id"))

    op.drop_table("retro_items")
    with op.batch_alter_table("retro_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retro_actions_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_retro_actions_retro_id"))
        batch_op.drop_index(batch_op.f("ix_retro_actions_owner_member_id"))
        batch_op.drop_index(batch_op.f("ix_retro_actions_conversation_id"))

    op.drop_table("retro_actions")
    with op.batch_alter_table("retros", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retros_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_retros_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_retros_collect_round_id"))

    op.drop_table("retros")
