"""The learning log's tables: entries and their tags. Full-text search lives beside them (migrations 0001, 0006)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base, UtcDateTime
from bot.db.models import Member


class Learning(Base):
    """One entry of the learning log. Full-text search lives beside it (see migrations/versions/0006)."""

    __tablename__ = "learnings"
    __table_args__ = (
        Index("ix_learnings_tenant_created", "tenant_id", "created_at"),
        # A team's learnings in a period (the scorecard): by author and time.
        Index("ix_learnings_member_created", "member_id", "created_at"),
        # What makes an import idempotent: the same row imported again hits this and is skipped.
        Index("ix_learnings_tenant_content_key", "tenant_id", "content_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    # Language of the author when written; picks the PostgreSQL text search configuration.
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # A hash of an imported row's content (see bot.learning.importing); None for entries logged in chat.
    content_key: Mapped[str | None] = mapped_column(String(64))
    # The message it was saved from (Slack permalink, Teams link to the message), when saved from one.
    source_url: Mapped[str | None] = mapped_column(Text)
    # Seen by its author only: never in the team's search, related learnings, exports or figures.
    private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    edited_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    author: Mapped[Member] = relationship(lazy="joined")
    tags: Mapped[list[LearningTag]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="LearningTag.tag"
    )


class LearningTag(Base):
    __tablename__ = "learning_tags"
    __table_args__ = (Index("ix_learning_tags_tag", "tag"),)

    learning_id: Mapped[int] = mapped_column(ForeignKey("learnings.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)
