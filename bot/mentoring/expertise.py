"""Who knows a topic: colleagues ranked by what they logged on it, recent entries weighing most.

Matches come from the learning log's own full-text search (word forms in da/sv/en) and its tags; each entry
counts half as much every HALF_LIFE_DAYS. Members who opted out of being suggested (or out of the bot) never
appear, nor does the one asking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.learning.search import MAX_COUNTED, search_ids
from bot.learning.tables import Learning, LearningTag
from bot.mentoring.people import names_of
from bot.mentoring.tables import MentoringPreference
from bot.people.tables import MemberSettings
from bot.privacy.rows import stand_in_ids

HALF_LIFE_DAYS = 90.0
SHOWN = 5


@dataclass(frozen=True)
class Colleague:
    member_id: int
    name: str
    entries: int
    last_at: datetime
    score: float


def recency_weight(created_at: datetime, now: datetime) -> float:
    age_days = max((now - created_at).total_seconds() / 86_400, 0.0)
    return float(0.5 ** (age_days / HALF_LIFE_DAYS))


async def _matching_entries(session: AsyncSession, tenant_id: int, topic: str) -> list[tuple[int, datetime]]:
    ids, _ = await search_ids(session, tenant_id, topic, offset=0, limit=MAX_COUNTED)
    tag = topic.strip().lstrip("#").casefold()
    tagged = select(LearningTag.learning_id).join(Learning, Learning.id == LearningTag.learning_id)
    tagged = tagged.where(LearningTag.tag == tag, Learning.tenant_id == tenant_id).limit(MAX_COUNTED)
    found = set(ids) | set((await session.scalars(tagged)).all())
    if not found:
        return []
    rows = await session.execute(
        # A private learning is its author's alone: it never makes anyone a suggestion.
        select(Learning.member_id, Learning.created_at).where(Learning.id.in_(found), Learning.private.is_(False))
    )
    return [(member_id, created_at) for member_id, created_at in rows.all()]


async def _not_suggestable(session: AsyncSession, member_ids: set[int]) -> set[int]:
    hidden = select(MentoringPreference.member_id).where(
        MentoringPreference.member_id.in_(member_ids), MentoringPreference.suggestable.is_(False)
    )
    out = select(MemberSettings.member_id).where(
        MemberSettings.member_id.in_(member_ids), MemberSettings.opted_out.is_(True)
    )
    return set((await session.scalars(hidden)).all()) | set((await session.scalars(out)).all())


async def who_knows(
    session: AsyncSession, tenant_id: int, topic: str, *, asking_member_id: int, now: datetime, limit: int = SHOWN
) -> list[Colleague]:
    """The colleagues who logged most, most recently, on `topic`, best first."""
    entries = await _matching_entries(session, tenant_id, topic)
    by_member: dict[int, list[datetime]] = {}
    for member_id, created_at in entries:
        if member_id != asking_member_id:
            by_member.setdefault(member_id, []).append(created_at)
    # Nobody to ask behind the stand-in of forgotten colleagues' kept learnings.
    for member_id in await _not_suggestable(session, set(by_member)) | await stand_in_ids(session, tenant_id):
        by_member.pop(member_id, None)
    scored = sorted(
        ((sum(recency_weight(at, now) for at in dates), member_id) for member_id, dates in by_member.items()),
        key=lambda item: (-item[0], item[1]),
    )[:limit]
    names = await names_of(session, [member_id for _, member_id in scored])
    return [
        Colleague(member_id, names.get(member_id, "–"), len(by_member[member_id]), max(by_member[member_id]), score)
        for score, member_id in scored
    ]
