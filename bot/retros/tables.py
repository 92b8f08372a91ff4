"""The retros' own tables. Answers live in the engine's responses (anonymous ones keyed by a hash whose key is
dropped at close); what is stored here after close carries no author: grouped items, their vote tallies, and the
action items (which name their owner, on purpose)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UtcDateTime


class Retro(Base):
    """One retro in a channel: its template, rules and phase (collecting -> voting -> closed, or deleted)."""

    __tablename__ = "retros"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    starter_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    template: Mapped[str] = mapped_column(String(40))
    # A team's own template's questions as they were at start (None for a built-in one, whose texts are in the
    # catalog): the retro reads the same after the template is changed or removed.
    questions: Mapped[list[str] | None] = mapped_column(JSON)
    title: Mapped[str | None] = mapped_column(String(200))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    votes_per_member: Mapped[int] = mapped_column(Integer, default=0)  # 0: no voting round
    phase: Mapped[str] = mapped_column(String(16))  # collecting | voting | closed | withheld | deleted
    collect_round_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversation_rounds.id", ondelete="SET NULL"), index=True
    )
    answered: Mapped[int] = mapped_column(Integer, default=0)  # how many answered, counted at close
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class RetroItem(Base):
    """A group of similar items of one question, written at close without any author."""

    __tablename__ = "retro_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    retro_id: Mapped[int] = mapped_column(ForeignKey("retros.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(String(16))
    number: Mapped[int] = mapped_column(Integer)  # what members vote with (1, 2, ...), across the retro
    text: Mapped[str] = mapped_column(Text)  # the group's items, one a line
    size: Mapped[int] = mapped_column(Integer, default=1)
    votes: Mapped[int] = mapped_column(Integer, default=0)


class RetroAction(Base):
    """An action item of a retro's channel, owned by a member, followed up until done."""

    __tablename__ = "retro_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    retro_id: Mapped[int | None] = mapped_column(ForeignKey("retros.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    created_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    due_on: Mapped[date | None] = mapped_column(Date)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("conversation_rounds.id", ondelete="SET NULL"))
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RetroTemplate(Base):
    """A team's own retro template (`retro template add`): its name, questions in the team's words, and whether
    it is anonymous by default. The last question holds the learnings."""

    __tablename__ = "retro_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))  # lower case, one word: what `retro start NAME` takes
    questions: Mapped[list[str]] = mapped_column(JSON)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
