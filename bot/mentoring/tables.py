"""Tables of mentoring: pairs, the meetings their check-ins recorded, and who does not want to be suggested.

A pair's check-ins are a series of the conversation engine (`series_id`); the answers live in the engine's
responses. `mentor_meetings` is the record of which meetings happened, one row per closed check-in round.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UtcDateTime

CADENCES = ("weekly", "biweekly", "monthly")


class MentorPair(Base):
    """A mentor and a mentee: proposed (asked, awaiting the mentor's yes), active, declined, expired or ended."""

    __tablename__ = "mentor_pairs"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    mentor_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    mentee_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    created_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    cadence: Mapped[str] = mapped_column(String(16))
    goal: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))  # proposed | active | declined | expired | ended
    # The check-in series (kept paused after the pair ends, so its history stays readable).
    series_id: Mapped[int | None] = mapped_column(ForeignKey("conversation_series.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class MentorMeeting(Base):
    """One closed check-in round of a pair: whether they met, as its answers say (None: nobody answered)."""

    __tablename__ = "mentor_meetings"
    __table_args__ = (UniqueConstraint("round_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("mentor_pairs.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("conversation_rounds.id", ondelete="SET NULL"))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    met: Mapped[bool | None] = mapped_column(Boolean)
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    answered: Mapped[int] = mapped_column(Integer, default=0)


class MentoringPreference(Base):
    """A member's choice not to be suggested by `mentor find` / `who knows`."""

    __tablename__ = "mentoring_preferences"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    suggestable: Mapped[bool] = mapped_column(Boolean, default=True)
