"""The learning log: store what members learned, list it, search it."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.catalog import Translator
from bot.db.stemming import INDEX_LANGUAGES, stem_words, words
from bot.learning.search import MAX_COUNTED, MAX_QUERY_WORDS, Filters, search_ids
from bot.learning.sources import SearchSource
from bot.learning.tables import Learning, LearningTag
from bot.model import Button

PAGE_SIZE = 5
RELATED = 3
# Similar learnings: words this short are mostly "the", "och", "med"; a colleague's entry must share this many others.
SIMILAR_MIN_LENGTH = 4
SIMILAR_MIN_SHARED = 2
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


def query_words_of(query: str) -> list[str]:
    return words(query)


def _similarity_words(text: str) -> list[str]:
    return [token for token in words(text) if len(token) >= SIMILAR_MIN_LENGTH and not token.isdigit()]


def _similarity_stems(text: str) -> list[set[str]]:
    """Each distinct longer word of `text` as its stems in every index language (whatever the author's setting,
    the text may be in any of them)."""
    tokens = list(dict.fromkeys(_similarity_words(text)))
    by_language = [stem_words(tokens, language) for language in INDEX_LANGUAGES]
    return [{stems[index] for stems in by_language} for index in range(len(tokens))]


def _shared_words(own: list[set[str]], other: str) -> int:
    """How many of the words behind `own` `other` holds, in some word form of some index language."""
    present = {stem for word in _similarity_stems(other) for stem in word}
    return sum(1 for word in own if word & present)


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
# Asked for a button under each learning the log shows a member (the viewer's id), e.g. kudos; None for none.
LearningButton = Callable[[Translator, Learning, int], Button | None]


class LearningLog:
    def __init__(self) -> None:
        self.on_added: list[LearningAdded] = []
        self.on_deleted: list[LearningDeleted] = []
        self.buttons: list[LearningButton] = []
        # What else a search finds, below the learnings (bot/learning/sources.py): added by install steps.
        self.sources: list[SearchSource] = []

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
        private: bool = False,
    ) -> Learning:
        learning = Learning(
            tenant_id=tenant_id,
            member_id=member_id,
            conversation_id=conversation_id,
            text=text,
            language=language,
            created_at=now,
            source_url=source_url,
            private=private,
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

    async def search(
        self, session: AsyncSession, tenant_id: int, query: str, page: int = 1, filters: Filters | None = None
    ) -> LearningPage:
        """Shared entries of the whole team matching `query` (words, word forms), best match first, narrowed by
        `filters` (author, since, #tags). Without words: the filtered entries, newest first. Never a private one."""
        filters = filters or Filters()
        if not query_words_of(query):
            return await self._filtered(session, tenant_id, filters, page)
        ids, total = await search_ids(
            session, tenant_id, query, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE, filters=filters
        )
        return LearningPage(await self._load(session, ids), page, total)

    async def _filtered(self, session: AsyncSession, tenant_id: int, filters: Filters, page: int) -> LearningPage:
        where = [Learning.tenant_id == tenant_id, Learning.private.is_(False)]
        if filters.author_id is not None:
            where.append(Learning.member_id == filters.author_id)
        if filters.since is not None:
            where.append(Learning.created_at >= filters.since)
        for tag in filters.tags:
            where.append(exists().where(LearningTag.learning_id == Learning.id, LearningTag.tag == tag))
        total = await session.scalar(select(func.count()).select_from(Learning).where(*where)) or 0
        items = await session.scalars(
            select(Learning)
            .where(*where)
            .order_by(Learning.created_at.desc(), Learning.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
        return LearningPage(list(items), page, total)

    async def _load(self, session: AsyncSession, ids: list[int]) -> list[Learning]:
        if not ids:
            return []
        rows = await session.scalars(select(Learning).where(Learning.id.in_(ids)).options(selectinload(Learning.tags)))
        by_id = {learning.id: learning for learning in rows}
        return [by_id[i] for i in ids if i in by_id]

    async def get(self, session: AsyncSession, learning_id: int, viewer_id: int) -> Learning | None:
        """An entry as `viewer_id` may see it: a shared one of their team, or their own private one."""
        learning = await session.get(Learning, learning_id)
        if learning is None or (learning.private and learning.member_id != viewer_id):
            return None
        return learning

    async def related(self, session: AsyncSession, learning: Learning, limit: int = RELATED) -> list[Learning]:
        """Colleagues' shared entries most like `learning` by full-text similarity: any of its longer words may
        match, ranked by the index, and an entry must share at least SIMILAR_MIN_SHARED of their stems."""
        own = _similarity_stems(learning.text)
        if len(own) < SIMILAR_MIN_SHARED:
            return []
        longest = sorted(dict.fromkeys(_similarity_words(learning.text)), key=len, reverse=True)
        query = " ".join(longest[:MAX_QUERY_WORDS])
        filters = Filters(exclude_author_id=learning.member_id, exclude_ids=(learning.id,))
        ids, _ = await search_ids(
            session, learning.tenant_id, query, offset=0, limit=limit * 4, filters=filters, any_word=True
        )
        similar = [
            candidate
            for candidate in await self._load(session, ids)
            if _shared_words(own, candidate.text) >= SIMILAR_MIN_SHARED
        ]
        return similar[:limit]

    async def edit(
        self, session: AsyncSession, learning_id: int, member_id: int, text: str, now: datetime
    ) -> Learning | None:
        """Replace an entry's text (and so its tags); only its author may. The search index follows the row
        (SQLite's triggers, PostgreSQL's generated column)."""
        learning = await session.scalar(
            select(Learning).where(Learning.id == learning_id, Learning.member_id == member_id)
        )
        if learning is None:
            return None
        learning.text = text
        learning.edited_at = now
        learning.tags = [LearningTag(tag=tag) for tag in extract_tags(text)]
        await session.flush()
        return learning

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
