"""Kudos: one member thanking another, for a shared learning, a retro they ran, or anything (`kudos @bo for …`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UtcDateTime

SOURCES = ("command", "button", "reaction")


class Kudos(Base):
    """One kudos. `dedupe_key` makes a second press or a platform's retried reaction a no-op: one kudos per giver
    and learning (or retro); a command may be repeated, so it has none (NULLs never collide)."""

    __tablename__ = "kudos"
    __table_args__ = (
        Index("ix_kudos_tenant_created", "tenant_id", "created_at"),
        Index("ix_kudos_dedupe_key", "dedupe_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    # Erasing the giver deletes their kudos; erasing the receiver keeps the kudos counted, unlinked (NULL).
    giver_member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    receiver_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    learning_id: Mapped[int | None] = mapped_column(ForeignKey("learnings.id", ondelete="SET NULL"), index=True)
    retro_id: Mapped[int | None] = mapped_column(ForeignKey("retros.id", ondelete="SET NULL"))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(16))  # command | button | reaction
    reaction: Mapped[str | None] = mapped_column(String(64))  # the emoji name, for a reaction
    reason: Mapped[str | None] = mapped_column(Text)  # "for …", as the giver wrote it
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
