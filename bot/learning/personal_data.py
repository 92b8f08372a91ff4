"""The learning log's personal-data contract: a member's learnings (private ones too) and their tags (the
search index follows the learnings by trigger on SQLite and by a generated column on PostgreSQL). Forget-me
erases them, or keeps them for the team without author, as the member chose; private entries are always erased."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Member
from bot.learning.tables import Learning, LearningTag
from bot.privacy.contract import ErasePolicy, PersonalDataContract, Rows, TableUse
from bot.privacy.rows import former_colleague, rows


async def export(session: AsyncSession, member: Member) -> dict[str, Rows]:
    mine = select(Learning.id).where(Learning.member_id == member.id)
    return {
        "learnings": await rows(session, Learning.__table__, Learning.member_id == member.id),
        "learning_tags": await rows(session, LearningTag.__table__, LearningTag.learning_id.in_(mine)),
    }


async def erase(session: AsyncSession, member: Member, policy: ErasePolicy) -> None:
    # Private entries were never the team's: they go either way.
    await session.execute(delete(Learning).where(Learning.member_id == member.id, Learning.private.is_(True)))
    if not policy.keep_shared_learnings:
        await session.execute(delete(Learning).where(Learning.member_id == member.id))
        return
    stand_in = await former_colleague(session, member.tenant_id, datetime.now(UTC))
    # The content key hashes the author id: dropped, so nothing derived from the member stays.
    await session.execute(
        update(Learning).where(Learning.member_id == member.id).values(member_id=stand_in.id, content_key=None)
    )


CONTRACT = PersonalDataContract(
    feature="learning_log",
    tables=(
        TableUse("learnings", ("member_id",), "keep-unlinked"),
        TableUse("learning_tags", (), "delete"),  # follows its learning
    ),
    export=export,
    erase=erase,
)
