"""Tables of learning circles: a circle per channel, who opted in, who does not want to be matched with whom, each
round's groups (with why they were matched), and the record of which group meetings happened.

A circle's rounds are a series of the conversation engine (`series_id`); `circle_meetings` is shaped like
`mentor_meetings`: one row per closed check-in of a group, so a scorecard can count meetings held and planned.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UtcDateTime

SIZES = (2, 3, 4)


class Circle(Base):
    """A learning circle in a channel: every `every_weeks` weeks its members are matched into groups of `size`."""

    __tablename__ = "circles"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
    every_weeks: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))  # active | stopped
    series_id: Mapped[int | None] = mapped_column(ForeignKey("conversation_series.id", ondelete="SET NULL"))
    created_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CircleMember(Base):
    """A member who opted in to a circle's rounds."""

    __tablename__ = "circle_members"

    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CircleAvoid(Base):
    """ "Don't pair me with": `member_id` is never matched with `avoided_member_id`, in any circle."""

    __tablename__ = "circle_avoids"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    avoided_member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CircleGroup(Base):
    """One group of one round, with the reasons it was matched (catalog keys under circles.reason_)."""

    __tablename__ = "circle_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    # The draw round that made it: one set of groups per round, however often its close is retried.
    round_id: Mapped[int | None] = mapped_column(ForeignKey("conversation_rounds.id", ondelete="SET NULL"), index=True)
    drawn_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)


class CircleGroupMember(Base):
    __tablename__ = "circle_group_members"

    group_id: Mapped[int] = mapped_column(ForeignKey("circle_groups.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True)


class CircleMeeting(Base):
    """One closed check-in of a group: whether they met, as its answers say (None: nobody answered)."""

    __tablename__ = "circle_meetings"
    __table_args__ = (UniqueConstraint("round_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("circle_groups.id", ondelete="SET NULL"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("conversation_rounds.id", ondelete="SET NULL"))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    met: Mapped[bool | None] = mapped_column(Boolean)
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    answered: Mapped[int] = mapped_column(Integer, default=0)
