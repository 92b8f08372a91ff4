"""Learning circles: circles per channel, opt-ins, don't-pair-me-with, each round's groups and their members, and
the meetings their check-ins recorded.

New tables only: nothing of an existing database changes.

Revision ID: 0016
Revises: 0019
Create Date: 2026-12-01 10:53:13.053900
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "circle_avoids",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("avoided_member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["avoided_member_id"],
            ["members.id"],
            name=op.f("fk_circle_avoids_avoided_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_circle_avoids_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("member_id", "avoided_member_id", name=op.f("pk_circle_avoids")),
    )
    with op.batch_alter_table("circle_avoids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_circle_avoids_avoided_member_id"), ["avoided_member_id"], unique=False)

    op.create_table(
        "circles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("every_weeks", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("created_by_member_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", bot.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_circles_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_member_id"],
            ["members.id"],
            name=op.f("fk_circles_created_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["conversation_series.id"],
            name=op.f("fk_circles_series_id_conversation_series"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_circles_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circles")),
    )
    with op.batch_alter_table("circles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_circles_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "circle_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("drawn_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_circle_groups_circle_id_circles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["conversation_rounds.id"],
            name=op.f("fk_circle_groups_round_id_conversation_rounds"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circle_groups")),
    )
    with op.batch_alter_table("circle_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_circle_groups_circle_id"), ["circle_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_circle_groups_round_id"), ["round_id"], unique=False)

    op.create_table(
        "circle_members",
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_circle_members_circle_id_circles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_circle_members_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("circle_id", "member_id", name=op.f("pk_circle_members")),
    )
    with op.batch_alter_table("circle_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_circle_members_member_id"), ["member_id"], unique=False)

    op.create_table(
        "circle_group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["circle_groups.id"],
            name=op.f("fk_circle_group_members_group_id_circle_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_circle_group_members_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("group_id", "member_id", name=op.f("pk_circle_group_members")),
    )
    with op.batch_alter_table("circle_group_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_circle_group_members_member_id"), ["member_id"], unique=False)

    op.create_table(
        "circle_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("due_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=True),
        sa.Column("follow_up", sa.Boolean(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_circle_meetings_circle_id_circles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["circle_groups.id"],
            name=op.f("fk_circle_meetings_group_id_circle_groups"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["conversation_rounds.id"],
            name=op.f("fk_circle_meetings_round_id_conversation_rounds"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circle_meetings")),
        sa.UniqueConstraint("round_id", name=op.f("uq_circle_meetings_round_id")),
    )
    with op.batch_alter_table("circle_meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_circle_meetings_circle_id"), ["circle_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_circle_meetings_group_id"), ["group_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("circle_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_circle_meetings_group_id"))
        batch_op.drop_index(batch_op.f("ix_circle_meetings_circle_id"))

    op.drop_table("circle_meetings")
    with op.batch_alter_table("circle_group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_circle_group_members_member_id"))

    op.drop_table("circle_group_members")
    with op.batch_alter_table("circle_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_circle_members_member_id"))

    op.drop_table("circle_members")
    with op.batch_alter_table("circle_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_circle_groups_round_id"))
        batch_op.drop_index(batch_op.f("ix_circle_groups_circle_id"))

    op.drop_table("circle_groups")
    with op.batch_alter_table("circles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_circles_tenant_id"))

    op.drop_table("circles")
    with op.batch_alter_table("circle_avoids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_circle_avoids_avoided_member_id"))

    op.drop_table("circle_avoids")
