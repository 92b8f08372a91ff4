"""Retros: a team's own templates, and the questions a retro started from one asked.

A new table and a nullable column: the retros of an existing database keep their built-in templates.

Revision ID: 0015
Revises: 0018
Create Date: 2026-12-01 11:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retro_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("created_by_member_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_member_id"],
            ["members.id"],
            name=op.f("fk_retro_templates_created_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_retro_templates_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retro_templates")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_retro_templates_tenant_id_name")),
    )
    with op.batch_alter_table("retro_templates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retro_templates_tenant_id"), ["tenant_id"], unique=False)
    with op.batch_alter_table("retros", schema=None) as batch_op:
        batch_op.add_column(sa.Column("questions", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("retros", schema=None) as batch_op:
        batch_op.drop_column("questions")
    with op.batch_alter_table("retro_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retro_templates_tenant_id"))
    op.drop_table("retro_templates")
