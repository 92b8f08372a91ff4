"""Tables of people's availability and reach."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


class MemberSettings(Base):
    """A member's holidays country, pause or vacation, opt-out, and their DM conversation once opened."""

    __tablename__ = "member_settings"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    country: Mapped[str | None] = mapped_column(String(8))
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_until: Mapped[date | None] = mapped_column(Date)  # inclusive, member's local date
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    direct_conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))


class TeamSettings(Base):
    """A team's defaults for its members: the holidays country when a member has chosen none."""

    __tablename__ = "team_settings"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    country: Mapped[str | None] = mapped_column(String(8))
