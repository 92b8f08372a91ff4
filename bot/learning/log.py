"""The learning log: store what members learned, list it, search it."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.learning.search import MAX_COUNTED, search_ids
from bot.learning.tables import Learning, LearningTag

PAGE_SIZE = 5
MAX_TAG_LENGTH = 100
# "#git", "#code-review", "#læring"; not "C#" or "issue#12" (a tag starts after whitespace or punctuation).
_TAG = re.compile(r"(?<![\w#&])#(\w[\w-]*)")
MAX_LINK_LENGTH = 2000


def source_link(value: str | None) -> str | None:
    """A link to the original message, if `value` is one: https only (it ends up as a link people click)."""
    if value and value.startswith("https://") and len(value) <= MAX_LINK_LENGTH and not any(c.isspace() for c in value):
        return value
    return None


def extract_tags(text: str) -> list[str]:
    """Distinct tags in order of appearance, case-folded."""
    seen: dict[str, None] = {}
    for match in _TAG.finditer(text):
        tag = match.group(1).strip("-").casefold()[:MAX_TAG_LENGTH]
        if tag and not tag.isdigit():
            seen.setdefault(tag, None)
    return list(seen)


@dataclass(frozen=True)
class LearningPage:
    items: list[Learning]
    page: int
    total: int

    @property
    def has_more(self) -> bool:
        return self.page * PAGE_SIZE < self.total

    @property
    def total_label(self) -> str:
        """The count as shown: exact, or "1000+" where counting stopped."""
        return f"{MAX_COUNTED}+" if self.total > MAX_COUNTED else str(self.total)


# Told about each entry added (in the adding transaction), or deleted (with its id): features that follow learnings.
LearningAdded = Callable[[AsyncSession, Learning], Awaitable[None]]
LearningDeleted = Callable[[AsyncSession, int], Awaitable[None]]


class LearningLog:
    def __init__(self) -> None:
        self.on_added: list[LearningAdded] = []
        self.on_deleted: list[LearningDeleted] = []

    async def add(
        self,
        session: AsyncSession,
        *,
        tenant_id: int,
        member_id: int,
        conversation_id: int | None,
        text: str,
        language: str,
        now: datetime,
        source_url: str | None = None,
    ) -> Learning:
        learning = Learning(
            tenant_id=tenant_id,
            member_id=member_id,
            conversation_id=conversation_id,
            text=text,
            language=language,
            created_at=now,
            source_url=source_url,
            tags=[LearningTag(tag=tag) for tag in extract_tags(text)],
        )
        session.add(learning)
        await session.flush()
        for listener in self.on_added:
            await listener(session, learning)
        return learning

    async def recent(self, session: AsyncSession, member_id: int, page: int = 1) -> LearningPage:
        total = await session.scalar(select(func.count()).where(Learning.member_id == member_id)) or 0
        items = await session.scalars(
            select(Learning)
            .where(Learning.member_id == member_id)
            .order_by(Learning.created_at.desc(), Learning.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
        return LearningPage(list(items), page, total)

    async def search(self, session: AsyncSession, tenant_id: int, query: str, page: int = 1) -> LearningPage:
        """Entries of the whole team matching `query` (words, word forms, #tags), best match first."""
        ids, total = await search_ids(session, tenant_id, query, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        if not ids:
            return LearningPage([], page, total)
        rows = await session.scalars(select(Learning).where(Learning.id.in_(ids)).options(selectinload(Learning.tags)))
        by_id = {learning.id: learning for learning in rows}
        return LearningPage([by_id[i] for i in ids if i in by_id], page, total)

    async def delete(self, session: AsyncSession, learning_id: int, member_id: int) -> bool:
        """Delete an entry; only its author may. Returns whether anything was deleted."""
        result = await session.execute(
            delete(Learning).where(Learning.id == learning_id, Learning.member_id == member_id)
        )
        deleted = bool(getattr(result, "rowcount", 0))
        if deleted:
            for listener in self.on_deleted:
                await listener(session, learning_id)
        return deleted
