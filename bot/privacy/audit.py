"""The audit trail of privacy actions: what was done, by whom (the member, the command line, housekeeping) and
when, without content and without the member's id (an erased member must leave nothing behind). Kept for the
retention period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UtcDateTime


class PrivacyAction(Base):
    __tablename__ = "privacy_audit"
    __table_args__ = (Index("ix_privacy_audit_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))  # export | forget | retention
    by: Mapped[str] = mapped_column(String(16))  # self | command-line | housekeeping
    # Counts only ("learnings kept without author: 3"): never text, names or ids of members.
    detail: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class Entry:
    id: int
    tenant_id: int | None
    action: str
    by: str
    detail: str
    at: datetime


async def record(
    session: AsyncSession, tenant_id: int | None, action: str, by: str, now: datetime, detail: str = ""
) -> int:
    entry = PrivacyAction(tenant_id=tenant_id, action=action, by=by, detail=detail[:300], at=now)
    session.add(entry)
    await session.flush()
    return entry.id


async def entries(session: AsyncSession, limit: int = 200) -> list[Entry]:
    query = select(PrivacyAction).order_by(PrivacyAction.at.desc(), PrivacyAction.id.desc()).limit(limit)
    return [
        Entry(row.id, row.tenant_id, row.action, row.by, row.detail, row.at) for row in await session.scalars(query)
    ]


async def prune(session: AsyncSession, cutoff: datetime) -> None:
    await session.execute(delete(PrivacyAction).where(PrivacyAction.at < cutoff))
