"""Tables of the conversation engine. They are the truth: APScheduler only decides when the engine looks at them.

Nothing here names a feature: a row says which kind it belongs to, and the kind's own settings and context travel
as JSON the engine never reads.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    literal,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UtcDateTime


class Series(Base):
    """A recurring plan owned by a kind: when (cron, offsets from an anchor, or once), whom, and the rules of
    each round it fires (answer window, reminder, summary)."""

    __tablename__ = "conversation_series"
    __table_args__ = (Index("ix_conversation_series_tenant_kind_number", "tenant_id", "kind", "number", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    # The number the kind shows its users (1, 2, 3 … per tenant and kind, never reused while the series lives);
    # None for kinds that name their series otherwise.
    number: Mapped[int | None] = mapped_column(Integer)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    # Where it was set up: the channel posted in, whose members are DMed, or where a summary goes.
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    # The member a personal series belongs to (listed and removed by them).
    owner_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    created_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    # What the series is about, in the kind's own words ("topic:12"), so the feature can find it again.
    subject: Mapped[str | None] = mapped_column(String(64), index=True)
    # channel | members | member | pair | list (see bot.conversations.audiences)
    audience: Mapped[str] = mapped_column(String(16))
    audience_member_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Timing: a 5-field crontab in each recipient's local time; or offsets in days from `anchor_at`; or once.
    cron: Mapped[str | None] = mapped_column(String(120))
    anchor_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    offsets_days: Mapped[list[int]] = mapped_column(JSON, default=list)
    # For offsets: "HH:MM" in the recipient's local time (None: the anchor's time of day) ...
    local_time: Mapped[str | None] = mapped_column(String(5))
    # ... moved to the next working day (weekends and the recipient's public holidays skipped).
    working_days: Mapped[bool] = mapped_column(Boolean, default=False)
    include_weekends: Mapped[bool] = mapped_column(Boolean, default=False)
    window_seconds: Mapped[int] = mapped_column(Integer)
    # Reminder: a fixed delay after the due time, or a fraction of the window (0.5 = half time); neither: none.
    remind_after_seconds: Mapped[int | None] = mapped_column(Integer)
    remind_fraction: Mapped[float | None] = mapped_column(Float)
    summary: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the kind's own
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # The next instant (UTC) at which the series fires for any recipient; the planner's index.
    next_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Round(Base):
    """One occurrence: asked at `due_at`, answered until `closes_at`. May exist without a series (on demand)."""

    __tablename__ = "conversation_rounds"
    __table_args__ = (
        UniqueConstraint("series_id", "due_at"),
        Index("ix_conversation_rounds_state_closes", "state", "closes_at"),
        Index("ix_conversation_rounds_state_remind", "state", "remind_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("conversation_series.id", ondelete="CASCADE"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime())
    remind_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16))  # open | closed | missed
    summary: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    # Keys the anonymous respondents' hashes while the round is open; dropped at close.
    secret: Mapped[str | None] = mapped_column(String(64))
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the kind's own
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


def _partial(name: str, state: str, *columns: str) -> Index:
    where = text(f"state = '{state}'")
    return Index(name, *columns, sqlite_where=where, postgresql_where=where)


def in_state(state: str) -> ColumnElement[bool]:
    """`Delivery.state == state`, with the state written into the SQL: a prepared statement's generic plan cannot
    use a partial index for a state it sees only as a parameter."""
    return Delivery.state == literal(state, literal_execute=True)


class Delivery(Base):
    """One message to one recipient. The idempotency key is what makes "exactly once" survive crashes and replicas."""

    __tablename__ = "conversation_deliveries"
    # Every delivery goes pending -> sending -> sent: an index holding `state` would be rewritten twice per message
    # of a fan-out. The due and the claimed rows are each a partial index instead, which a row leaves once; queries
    # name the state with `in_state()`, so that a planner sees which index applies.
    __table_args__ = (
        # When the next delivery is due, and what is long overdue.
        _partial("ix_conversation_deliveries_pending", "pending", "not_before"),
        # The fair claim probes each tenant's due rows.
        _partial("ix_conversation_deliveries_tenant_pending", "pending", "tenant_id", "not_before"),
        # Claims a crashed dispatcher left behind.
        _partial("ix_conversation_deliveries_sending", "sending", "claimed_at"),
        Index("ix_conversation_deliveries_sent_message", "conversation_id", "sent_message_id"),
        # A team's invitations (the scorecard's participation): by recipient, not by scanning every sent one.
        Index("ix_conversation_deliveries_member_purpose", "member_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))  # invitation | reminder | summary | follow_up
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column(ForeignKey("conversation_rounds.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    # Where it goes: a channel, or the member's DM once opened (None until then).
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    # For reminders: the invitation this one reminds of.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("conversation_deliveries.id", ondelete="CASCADE"))
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


class Response(Base):
    """A respondent's structured answer to a round: field id -> text, choice or number.

    Named: `member_id` is set and `respondent` is "m<member id>". Anonymous: `member_id` is NULL and `respondent`
    is a keyed hash that only the round's secret links to a member; the secret is dropped at close. No delivery id
    is stored, since a delivery names its recipient.
    """

    __tablename__ = "conversation_responses"
    __table_args__ = (UniqueConstraint("round_id", "respondent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("conversation_rounds.id", ondelete="CASCADE"))
    respondent: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RatePause(Base):
    """A platform's "wait until" after a 429, shared by every replica: no send in `scope` before `until`.

    `scope` is "platform|tenant" (the whole workspace or tenant) or "platform|tenant|conversation" where the platform
    limits one conversation. Rows are few (one per scope ever paused) and read in one query every second or so."""

    __tablename__ = "conversation_rate_pauses"

    scope: Mapped[str] = mapped_column(String(400), primary_key=True)
    until: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
