"""Tables of the nudge engine. They are the truth: APScheduler only decides when the dispatcher looks at them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UtcDateTime


class NudgeSchedule(Base):
    """When and where a prompt set is asked. `cron` is a 5-field crontab in the recipients' local time."""

    __tablename__ = "nudge_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    # Set for a member's own schedule (target "owner"); channel schedules belong to the channel.
    owner_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    created_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    spec: Mapped[str] = mapped_column(String(120))  # what the member typed, for `nudge list`
    cron: Mapped[str] = mapped_column(String(120))
    include_weekends: Mapped[bool] = mapped_column(Boolean, default=False)
    prompt_set: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(16))  # channel | members | owner
    reminder_hours: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[bool] = mapped_column(Boolean, default=False)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # The next instant (UTC) at which any recipient's local time matches; the dispatcher's index.
    next_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class NudgeRun(Base):
    """One firing of a schedule at one instant (or an on-demand `reflect`, without schedule)."""

    __tablename__ = "nudge_runs"
    __table_args__ = (
        UniqueConstraint("schedule_id", "due_at"),
        Index("ix_nudge_runs_state_closes", "state", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("nudge_schedules.id", ondelete="CASCADE"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16))  # open | closed | missed
    prompt_set: Mapped[str] = mapped_column(String(40))
    topic: Mapped[str | None] = mapped_column(String(200))
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime())
    remind_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class NudgeDelivery(Base):
    """One message to one recipient. The idempotency key is what makes "exactly once" survive crashes and replicas."""

    __tablename__ = "nudge_deliveries"
    __table_args__ = (
        Index("ix_nudge_deliveries_state_not_before", "state", "not_before"),
        Index("ix_nudge_deliveries_sent_message", "conversation_id", "sent_message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # prompt | reminder | resurface | summary
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("nudge_runs.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    # Where it goes: a channel, or the member's DM once opened (None until then).
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    learning_id: Mapped[int | None] = mapped_column(ForeignKey("learnings.id", ondelete="CASCADE"), index=True)
    # For reminders: the prompt delivery this one reminds of.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("nudge_deliveries.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # pending | sending | sent | failed | skipped | missed
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(300))
    not_before: Mapped[datetime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_message_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class NudgeAnswer(Base):
    """A member's answer to a delivered prompt; editable while its run is open."""

    __tablename__ = "nudge_answers"
    __table_args__ = (UniqueConstraint("delivery_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("nudge_deliveries.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    # Resurfacing: yes | not_yet | not_relevant.
    outcome: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class NudgePreference(Base):
    """A member's nudge settings: holidays country, vacation, opt-out, and the DM conversation once opened."""

    __tablename__ = "nudge_preferences"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    country: Mapped[str | None] = mapped_column(String(8))
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_until: Mapped[date | None] = mapped_column(Date)  # inclusive, member's local date
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    direct_conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))


class NudgeTeamSetting(Base):
    __tablename__ = "nudge_team_settings"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    country: Mapped[str | None] = mapped_column(String(8))
