"""Mentoring and goals: mentor pairs, the meetings their check-ins recorded, who opted out of being
suggested, learning goals, and programme runs (onboarding, kickstart).

New tables only: nothing of an existing database changes.

Revision ID: 0009
Revises: 0012
Create Date: 2026-12-01 09:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mentoring_preferences",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("suggestable", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_mentoring_preferences_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_mentoring_preferences")),
    )
    op.create_table(
        "programme_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("programme", sa.String(length=40), nullable=False),
        sa.Column("newhire_member_id", sa.Integer(), nullable=True),
        sa.Column("buddy_member_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("created_by_member_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buddy_member_id"],
            ["members.id"],
            name=op.f("fk_programme_runs_buddy_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_programme_runs_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_member_id"],
            ["members.id"],
            name=op.f("fk_programme_runs_created_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["newhire_member_id"],
            ["members.id"],
            name=op.f("fk_programme_runs_newhire_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_programme_runs_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_runs")),
    )
    with op.batch_alter_table("programme_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_runs_buddy_member_id"), ["buddy_member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_programme_runs_newhire_member_id"), ["newhire_member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_programme_runs_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "learning_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("done_at", bot.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_learning_goals_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["conversation_series.id"],
            name=op.f("fk_learning_goals_series_id_conversation_series"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_learning_goals_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_goals")),
    )
    with op.batch_alter_table("learning_goals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learning_goals_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_learning_goals_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "mentor_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("mentor_member_id", sa.Integer(), nullable=True),
        sa.Column("mentee_member_id", sa.Integer(), nullable=True),
        sa.Column("created_by_member_id", sa.Integer(), nullable=True),
        sa.Column("cadence", sa.String(length=16), nullable=False),
        sa.Column("goal", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("started_at", bot.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", bot.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_member_id"],
            ["members.id"],
            name=op.f("fk_mentor_pairs_created_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["mentee_member_id"],
            ["members.id"],
            name=op.f("fk_mentor_pairs_mentee_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_member_id"],
            ["members.id"],
            name=op.f("fk_mentor_pairs_mentor_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["conversation_series.id"],
            name=op.f("fk_mentor_pairs_series_id_conversation_series"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_mentor_pairs_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_pairs")),
    )
    with op.batch_alter_table("mentor_pairs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentor_pairs_mentee_member_id"), ["mentee_member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentor_pairs_mentor_member_id"), ["mentor_member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentor_pairs_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "mentor_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("due_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=True),
        sa.Column("follow_up", sa.Boolean(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["mentor_pairs.id"], name=op.f("fk_mentor_meetings_pair_id_mentor_pairs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["conversation_rounds.id"],
            name=op.f("fk_mentor_meetings_round_id_conversation_rounds"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_meetings")),
        sa.UniqueConstraint("round_id", name=op.f("uq_mentor_meetings_round_id")),
    )
    with op.batch_alter_table("mentor_meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentor_meetings_pair_id"), ["pair_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mentor_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentor_meetings_pair_id"))

    op.drop_table("mentor_meetings")
    with op.batch_alter_table("mentor_pairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentor_pairs_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_mentor_pairs_mentor_member_id"))
        batch_op.drop_index(batch_op.f("ix_mentor_pairs_mentee_member_id"))

    op.drop_table("mentor_pairs")
    with op.batch_alter_table("learning_goals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_goals_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_learning_goals_member_id"))

    op.drop_table("learning_goals")
    with op.batch_alter_table("programme_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_runs_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_programme_runs_newhire_member_id"))
        batch_op.drop_index(batch_op.f("ix_programme_runs_buddy_member_id"))

    op.drop_table("programme_runs")
    op.drop_table("mentoring_preferences")
