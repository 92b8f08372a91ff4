"""conversation engine: series, rounds, deliveries, responses; people's settings. Moves the nudge tables' data.

Schedules become series of kind "nudge" (same ids), runs become rounds (same ids), deliveries keep their ids (so
Answer buttons on messages already posted still work), answers become responses, preferences and team settings
move to member_settings and team_settings, and every learning gets its resurfacing series (asked resurfacing
questions become rounds of it). Downgrading recreates the old tables empty.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Today's answer window (EngineConfig.run_open before this revision) and resurfacing ages.
_WINDOW = timedelta(hours=20)
_RESURFACE_DAYS = (1, 7, 30)
_AUDIENCES = {"channel": "channel", "members": "members", "owner": "member"}
_PURPOSES = {"prompt": "invitation", "reminder": "reminder", "summary": "summary"}
_AGE = re.compile(r":d(\d+)$")


def upgrade() -> None:
    op.create_table(
        "team_settings",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_team_settings_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_team_settings")),
    )
    op.create_table(
        "conversation_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("owner_member_id", sa.Integer(), nullable=True),
        sa.Column("created_by_member_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("audience_member_ids", sa.JSON(), nullable=False),
        sa.Column("cron", sa.String(length=120), nullable=True),
        sa.Column("anchor_at", bot.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("offsets_days", sa.JSON(), nullable=False),
        sa.Column("local_time", sa.String(length=5), nullable=True),
        sa.Column("working_days", sa.Boolean(), nullable=False),
        sa.Column("include_weekends", sa.Boolean(), nullable=False),
        sa.Column("window_seconds", sa.Integer(), nullable=False),
        sa.Column("remind_after_seconds", sa.Integer(), nullable=True),
        sa.Column("remind_fraction", sa.Float(), nullable=True),
        sa.Column("summary", sa.Boolean(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("next_due_at", bot.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_series_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_member_id"],
            ["members.id"],
            name=op.f("fk_conversation_series_created_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_member_id"],
            ["members.id"],
            name=op.f("fk_conversation_series_owner_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_conversation_series_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_series")),
    )
    with op.batch_alter_table("conversation_series", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_series_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conversation_series_next_due_at"), ["next_due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_conversation_series_owner_member_id"), ["owner_member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conversation_series_subject"), ["subject"], unique=False)
        batch_op.create_index(batch_op.f("ix_conversation_series_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "member_settings",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("direct_conversation_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["direct_conversation_id"],
            ["conversations.id"],
            name=op.f("fk_member_settings_direct_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_member_settings_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_settings")),
    )
    op.create_table(
        "conversation_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("due_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("remind_at", bot.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Boolean(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=True),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_rounds_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["conversation_series.id"],
            name=op.f("fk_conversation_rounds_series_id_conversation_series"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_conversation_rounds_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_rounds")),
        sa.UniqueConstraint("series_id", "due_at", name=op.f("uq_conversation_rounds_series_id_due_at")),
    )
    with op.batch_alter_table("conversation_rounds", schema=None) as batch_op:
        batch_op.create_index("ix_conversation_rounds_state_closes", ["state", "closes_at"], unique=False)
        batch_op.create_index("ix_conversation_rounds_state_remind", ["state", "remind_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_conversation_rounds_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "conversation_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("due_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("not_before", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", bot.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", bot.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("sent_message_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_deliveries_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_conversation_deliveries_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["conversation_deliveries.id"],
            name=op.f("fk_conversation_deliveries_parent_id_conversation_deliveries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["conversation_rounds.id"],
            name=op.f("fk_conversation_deliveries_round_id_conversation_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_conversation_deliveries_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_deliveries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_conversation_deliveries_idempotency_key")),
    )
    with op.batch_alter_table("conversation_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_deliveries_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conversation_deliveries_round_id"), ["round_id"], unique=False)
        batch_op.create_index(
            "ix_conversation_deliveries_sent_message", ["conversation_id", "sent_message_id"], unique=False
        )
        batch_op.create_index("ix_conversation_deliveries_state_not_before", ["state", "not_before"], unique=False)

    op.create_table(
        "conversation_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("respondent", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_conversation_responses_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["conversation_rounds.id"],
            name=op.f("fk_conversation_responses_round_id_conversation_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_responses")),
        sa.UniqueConstraint("round_id", "respondent", name=op.f("uq_conversation_responses_round_id_respondent")),
    )
    with op.batch_alter_table("conversation_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_responses_member_id"), ["member_id"], unique=False)

    _move_data()

    # Dependents first: SQLite checks foreign keys while dropping.
    with op.batch_alter_table("nudge_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nudge_answers_member_id"))
    op.drop_table("nudge_answers")
    with op.batch_alter_table("nudge_deliveries", schema=None) as batch_op:
        for index in ("learning_id", "member_id", "run_id", "sent_message", "state_not_before"):
            batch_op.drop_index(f"ix_nudge_deliveries_{index}")
    op.drop_table("nudge_deliveries")
    with op.batch_alter_table("nudge_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_nudge_runs_state_closes")
    op.drop_table("nudge_runs")
    with op.batch_alter_table("nudge_schedules", schema=None) as batch_op:
        for index in ("conversation_id", "next_due_at", "tenant_id"):
            batch_op.drop_index(f"ix_nudge_schedules_{index}")
    op.drop_table("nudge_schedules")
    op.drop_table("nudge_preferences")
    op.drop_table("nudge_team_settings")


def downgrade() -> None:
    with op.batch_alter_table("conversation_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_responses_member_id"))

    op.drop_table("conversation_responses")
    with op.batch_alter_table("conversation_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_deliveries_state_not_before")
        batch_op.drop_index("ix_conversation_deliveries_sent_message")
        batch_op.drop_index(batch_op.f("ix_conversation_deliveries_round_id"))
        batch_op.drop_index(batch_op.f("ix_conversation_deliveries_member_id"))

    op.drop_table("conversation_deliveries")
    with op.batch_alter_table("conversation_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_rounds_tenant_id"))
        batch_op.drop_index("ix_conversation_rounds_state_remind")
        batch_op.drop_index("ix_conversation_rounds_state_closes")

    op.drop_table("conversation_rounds")
    op.drop_table("member_settings")
    with op.batch_alter_table("conversation_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_series_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_conversation_series_subject"))
        batch_op.drop_index(batch_op.f("ix_conversation_series_owner_member_id"))
        batch_op.drop_index(batch_op.f("ix_conversation_series_next_due_at"))
        batch_op.drop_index(batch_op.f("ix_conversation_series_conversation_id"))

    op.drop_table("conversation_series")
    op.drop_table("team_settings")
    op.create_table(
        "nudge_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("owner_member_id", sa.Integer(), nullable=True),
        sa.Column("created_by_member_id", sa.Integer(), nullable=True),
        sa.Column("spec", sa.String(length=120), nullable=False),
        sa.Column("cron", sa.String(length=120), nullable=False),
        sa.Column("include_weekends", sa.Boolean(), nullable=False),
        sa.Column("prompt_set", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("reminder_hours", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("next_due_at", bot.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_nudge_schedules_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_member_id"],
            ["members.id"],
            name=op.f("fk_nudge_schedules_created_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_member_id"],
            ["members.id"],
            name=op.f("fk_nudge_schedules_owner_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_nudge_schedules_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge_schedules")),
    )
    with op.batch_alter_table("nudge_schedules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nudge_schedules_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_nudge_schedules_next_due_at"), ["next_due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_nudge_schedules_conversation_id"), ["conversation_id"], unique=False)
    op.create_table(
        "nudge_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("due_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("prompt_set", sa.String(length=40), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=True),
        sa.Column("closes_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("remind_at", bot.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["nudge_schedules.id"],
            name=op.f("fk_nudge_runs_schedule_id_nudge_schedules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_nudge_runs_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge_runs")),
        sa.UniqueConstraint("schedule_id", "due_at", name=op.f("uq_nudge_runs_schedule_id_due_at")),
    )
    with op.batch_alter_table("nudge_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nudge_runs_state_closes"), ["state", "closes_at"], unique=False)

    op.create_table(
        "nudge_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("learning_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("due_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("not_before", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", bot.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", bot.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("sent_message_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_nudge_deliveries_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learning_id"],
            ["learnings.id"],
            name=op.f("fk_nudge_deliveries_learning_id_learnings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_nudge_deliveries_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["nudge_deliveries.id"],
            name=op.f("fk_nudge_deliveries_parent_id_nudge_deliveries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["nudge_runs.id"], name=op.f("fk_nudge_deliveries_run_id_nudge_runs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_nudge_deliveries_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge_deliveries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_nudge_deliveries_idempotency_key")),
    )
    with op.batch_alter_table("nudge_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nudge_deliveries_state_not_before"), ["state", "not_before"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_nudge_deliveries_sent_message"), ["conversation_id", "sent_message_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_nudge_deliveries_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_nudge_deliveries_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_nudge_deliveries_learning_id"), ["learning_id"], unique=False)

    op.create_table(
        "nudge_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["nudge_deliveries.id"],
            name=op.f("fk_nudge_answers_delivery_id_nudge_deliveries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_nudge_answers_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge_answers")),
        sa.UniqueConstraint("delivery_id", "member_id", name=op.f("uq_nudge_answers_delivery_id_member_id")),
    )
    with op.batch_alter_table("nudge_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nudge_answers_member_id"), ["member_id"], unique=False)

    op.create_table(
        "nudge_preferences",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("direct_conversation_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["direct_conversation_id"],
            ["conversations.id"],
            name=op.f("fk_nudge_preferences_direct_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_nudge_preferences_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_nudge_preferences")),
    )
    op.create_table(
        "nudge_team_settings",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_nudge_team_settings_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_nudge_team_settings")),
    )


def _old(name: str, *columns: sa.Column[Any]) -> sa.TableClause:
    return sa.table(name, *columns)


_dt = bot.db.base.UtcDateTime
_schedules = _old(
    "nudge_schedules",
    *(sa.column(n) for n in ("id", "tenant_id", "conversation_id", "owner_member_id", "created_by_member_id")),
    *(sa.column(n) for n in ("spec", "cron", "include_weekends", "prompt_set", "target", "reminder_hours")),
    sa.column("summary"),
    sa.column("paused"),
    sa.column("next_due_at", _dt()),
    sa.column("created_at", _dt()),
)
_runs = _old(
    "nudge_runs",
    *(sa.column(n) for n in ("id", "schedule_id", "tenant_id", "state", "prompt_set", "topic")),
    sa.column("due_at", _dt()),
    sa.column("closes_at", _dt()),
    sa.column("remind_at", _dt()),
    sa.column("created_at", _dt()),
)
_deliveries = _old(
    "nudge_deliveries",
    *(sa.column(n) for n in ("id", "idempotency_key", "kind", "tenant_id", "run_id", "member_id")),
    *(sa.column(n) for n in ("conversation_id", "learning_id", "parent_id", "state", "reason", "attempts")),
    *(sa.column(n) for n in ("claimed_by", "sent_message_id")),
    *(sa.column(n, _dt()) for n in ("due_at", "not_before", "claimed_at", "sent_at", "created_at")),
)
_answers = _old(
    "nudge_answers",
    *(sa.column(n) for n in ("id", "delivery_id", "member_id", "text", "outcome")),
    sa.column("created_at", _dt()),
    sa.column("updated_at", _dt()),
)
_learnings = _old(
    "learnings", sa.column("id"), sa.column("tenant_id"), sa.column("member_id"), sa.column("created_at", _dt())
)
_series = _old(
    "conversation_series",
    *(sa.column(n) for n in ("id", "kind", "tenant_id", "conversation_id", "owner_member_id")),
    *(sa.column(n) for n in ("created_by_member_id", "subject", "audience", "cron", "local_time")),
    *(sa.column(n) for n in ("working_days", "include_weekends", "window_seconds", "remind_after_seconds")),
    *(sa.column(n) for n in ("remind_fraction", "summary", "anonymous", "paused")),
    sa.column("audience_member_ids", sa.JSON()),
    sa.column("offsets_days", sa.JSON()),
    sa.column("settings", sa.JSON()),
    *(sa.column(n, _dt()) for n in ("anchor_at", "next_due_at", "created_at")),
)
_rounds = _old(
    "conversation_rounds",
    *(sa.column(n) for n in ("id", "kind", "series_id", "tenant_id", "conversation_id", "state", "summary")),
    sa.column("anonymous"),
    sa.column("secret"),
    sa.column("context", sa.JSON()),
    *(sa.column(n, _dt()) for n in ("due_at", "closes_at", "remind_at", "created_at")),
)
_new_deliveries = _old(
    "conversation_deliveries",
    *(sa.column(n) for n in ("id", "idempotency_key", "purpose", "tenant_id", "round_id", "member_id")),
    *(sa.column(n) for n in ("conversation_id", "parent_id", "state", "reason", "attempts")),
    *(sa.column(n) for n in ("claimed_by", "sent_message_id")),
    *(sa.column(n, _dt()) for n in ("due_at", "not_before", "claimed_at", "sent_at", "created_at")),
)
_responses = _old(
    "conversation_responses",
    *(sa.column(n) for n in ("round_id", "respondent", "member_id", "late")),
    sa.column("answers", sa.JSON()),
    sa.column("created_at", _dt()),
    sa.column("updated_at", _dt()),
)


def _rows(connection: sa.Connection, table: sa.TableClause) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in connection.execute(sa.select(table))]


def _insert(connection: sa.Connection, table: sa.TableClause, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 500):
        part = rows[start : start + 500]
        if part:
            connection.execute(table.insert(), part)


def _move_data() -> None:
    connection = op.get_bind()
    schedules = {row["id"]: row for row in _rows(connection, _schedules)}
    _insert(
        connection,
        _series,
        [
            {
                "id": row["id"],
                "kind": "nudge",
                "tenant_id": row["tenant_id"],
                "conversation_id": row["conversation_id"],
                "owner_member_id": row["owner_member_id"],
                "created_by_member_id": row["created_by_member_id"],
                "subject": None,
                "audience": _AUDIENCES.get(row["target"], "channel"),
                "audience_member_ids": [row["owner_member_id"]] if row["target"] == "owner" else [],
                "cron": row["cron"],
                "anchor_at": None,
                "offsets_days": [],
                "local_time": None,
                "working_days": False,
                "include_weekends": row["include_weekends"],
                "window_seconds": int(_WINDOW.total_seconds()),
                "remind_after_seconds": row["reminder_hours"] * 3600 if row["reminder_hours"] else None,
                "remind_fraction": None,
                "summary": row["summary"],
                "anonymous": False,
                "settings": {"prompt_set": row["prompt_set"], "spec": row["spec"], "target": row["target"]},
                "paused": row["paused"],
                "next_due_at": row["next_due_at"],
                "created_at": row["created_at"],
            }
            for row in schedules.values()
        ],
    )
    deliveries = _rows(connection, _deliveries)
    first_conversation: dict[int, int] = {}
    for delivery in deliveries:
        if delivery["run_id"] is not None and delivery["conversation_id"] is not None:
            first_conversation.setdefault(delivery["run_id"], delivery["conversation_id"])
    runs = _rows(connection, _runs)
    round_rows = []
    for run in runs:
        schedule = schedules.get(run["schedule_id"]) if run["schedule_id"] is not None else None
        round_rows.append(
            {
                "id": run["id"],
                "kind": "nudge",
                "series_id": run["schedule_id"],
                "tenant_id": run["tenant_id"],
                "conversation_id": schedule["conversation_id"] if schedule else first_conversation.get(run["id"]),
                "due_at": run["due_at"],
                "closes_at": run["closes_at"],
                "remind_at": run["remind_at"],
                "state": run["state"],
                "summary": bool(schedule and schedule["summary"]),
                "anonymous": False,
                "secret": None,
                "context": {"prompt_set": run["prompt_set"], "topic": run["topic"]},
                "created_at": run["created_at"],
            }
        )
    # Resurfacing: one series per learning (ids after the schedules'), one round per question already asked.
    learnings = _rows(connection, _learnings)
    asked: dict[int, list[dict[str, Any]]] = {}
    for delivery in deliveries:
        if delivery["kind"] == "resurface" and delivery["learning_id"] is not None:
            asked.setdefault(delivery["learning_id"], []).append(delivery)
    next_series = max(schedules, default=0) + 1
    series_of: dict[int, int] = {}
    resurfacing = []
    for learning in learnings:
        done = {int(m.group(1)) for d in asked.get(learning["id"], []) if (m := _AGE.search(d["idempotency_key"]))}
        left = [days for days in _RESURFACE_DAYS if days not in done]
        series_of[learning["id"]] = next_series
        resurfacing.append(
            {
                "id": next_series,
                "kind": "resurface",
                "tenant_id": learning["tenant_id"],
                "conversation_id": None,
                "owner_member_id": learning["member_id"],
                "created_by_member_id": None,
                "subject": f"learning:{learning['id']}",
                "audience": "member",
                "audience_member_ids": [learning["member_id"]],
                "cron": None,
                "anchor_at": learning["created_at"],
                "offsets_days": list(_RESURFACE_DAYS),
                "local_time": None,
                "working_days": False,
                "include_weekends": True,
                "window_seconds": int(_WINDOW.total_seconds()),
                "remind_after_seconds": None,
                "remind_fraction": None,
                "summary": False,
                "anonymous": False,
                "settings": {"learning_id": learning["id"]},
                "paused": False,
                "next_due_at": learning["created_at"] + timedelta(days=left[0]) if left else None,
                "created_at": learning["created_at"],
            }
        )
        next_series += 1
    _insert(connection, _series, resurfacing)
    next_round = max((run["id"] for run in runs), default=0) + 1
    round_of_delivery: dict[int, int] = {}
    for learning_id, questions in asked.items():
        if learning_id not in series_of:
            continue
        for delivery in questions:
            round_of_delivery[delivery["id"]] = next_round
            round_rows.append(
                {
                    "id": next_round,
                    "kind": "resurface",
                    "series_id": series_of[learning_id],
                    "tenant_id": delivery["tenant_id"],
                    "conversation_id": None,
                    "due_at": delivery["due_at"],
                    "closes_at": delivery["due_at"] + _WINDOW,
                    "remind_at": None,
                    "state": "open",
                    "summary": False,
                    "anonymous": False,
                    "secret": None,
                    "context": {"learning_id": learning_id},
                    "created_at": delivery["created_at"],
                }
            )
            next_round += 1
    _insert(connection, _rounds, round_rows)
    moved = []
    for delivery in deliveries:
        round_id = round_of_delivery.get(delivery["id"]) or delivery["run_id"]
        if round_id is None:
            continue  # a resurfacing question about a learning that no longer exists
        key = delivery["idempotency_key"]
        if delivery["kind"] == "resurface" or key.startswith("reflect"):
            key = f"round{round_id}:m{delivery['member_id']}"
        elif key.startswith("run"):
            key = "round" + key[len("run") :]
        moved.append(
            {
                "id": delivery["id"],
                "idempotency_key": key,
                "purpose": _PURPOSES.get(delivery["kind"], "invitation"),
                "tenant_id": delivery["tenant_id"],
                "round_id": round_id,
                "member_id": delivery["member_id"],
                "conversation_id": delivery["conversation_id"],
                "parent_id": delivery["parent_id"],
                "state": delivery["state"],
                "reason": delivery["reason"],
                "attempts": delivery["attempts"],
                "claimed_by": delivery["claimed_by"],
                "sent_message_id": delivery["sent_message_id"],
                **{name: delivery[name] for name in ("due_at", "not_before", "claimed_at", "sent_at", "created_at")},
            }
        )
    # Parents first: a reminder points at its prompt.
    moved.sort(key=lambda row: (row["parent_id"] is not None, row["id"]))
    _insert(connection, _new_deliveries, moved)
    round_by_delivery = {row["id"]: row["round_id"] for row in moved}
    responses: dict[tuple[int, str], dict[str, Any]] = {}
    for answer in sorted(_rows(connection, _answers), key=lambda row: row["updated_at"]):
        round_id = round_by_delivery.get(answer["delivery_id"])
        if round_id is None:
            continue
        answers = {"outcome": answer["outcome"]} if answer["outcome"] else {"answer": answer["text"]}
        respondent = f"m{answer['member_id']}"
        responses[(round_id, respondent)] = {
            "round_id": round_id,
            "respondent": respondent,
            "member_id": answer["member_id"],
            "late": False,
            "answers": answers,
            "created_at": answer["created_at"],
            "updated_at": answer["updated_at"],
        }
    _insert(connection, _responses, list(responses.values()))
    connection.execute(
        sa.text(
            "INSERT INTO member_settings (member_id, country, paused, paused_until, opted_out, direct_conversation_id)"
            " SELECT member_id, country, paused, paused_until, opted_out, direct_conversation_id FROM nudge_preferences"
        )
    )
    connection.execute(
        sa.text("INSERT INTO team_settings (tenant_id, country) SELECT tenant_id, country FROM nudge_team_settings")
    )
    if connection.dialect.name == "postgresql":
        # Rows were copied with their ids: move each id sequence past them.
        for table in ("conversation_series", "conversation_rounds", "conversation_deliveries"):
            connection.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                )
            )
