"""Goals' personal data in the shape of the shared contract (/work/wt/PRIVACY_CONTRACT.md): a goal is the
member's own words, so export lists them all and erase deletes them with their nudge series."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.tables import Series
from bot.db.models import Member
from bot.goals.tables import LearningGoal
from bot.privacy.contract import ErasePolicy, PersonalDataContract, Rows, TableUse
from bot.privacy.rows import rows

FEATURE = "goals"
TABLES = (TableUse("learning_goals", ("member_id",), "delete"),)


async def export(session: AsyncSession, member: Member) -> dict[str, Rows]:
    return {"learning_goals": await rows(session, LearningGoal.__table__, LearningGoal.member_id == member.id)}


async def erase(session: AsyncSession, member: Member, policy: ErasePolicy) -> None:
    series_ids = list(
        await session.scalars(
            select(LearningGoal.series_id).where(
                LearningGoal.member_id == member.id, LearningGoal.series_id.is_not(None)
            )
        )
    )
    await session.execute(delete(LearningGoal).where(LearningGoal.member_id == member.id))
    if series_ids:
        await session.execute(delete(Series).where(Series.id.in_(series_ids)))


CONTRACT = PersonalDataContract("goals", TABLES, export=export, erase=erase)
