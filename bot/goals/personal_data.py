"""Goals' personal data in the shape of the shared contract (/work/wt/PRIVACY_CONTRACT.md): a goal is the
member's own words, so export lists them all and erase deletes them with their nudge series."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.tables import Series
from bot.db.models import Member
from bot.goals.tables import LearningGoal
from bot.mentoring.personal_data import TableUse

FEATURE = "goals"
TABLES = (TableUse("learning_goals", ("member_id",), "delete"),)


async def export(session: AsyncSession, member: Member) -> dict[str, Any]:
    goals = await session.scalars(
        select(LearningGoal).where(LearningGoal.member_id == member.id).order_by(LearningGoal.id)
    )
    return {
        "goals": [
            {
                "id": goal.id,
                "text": goal.text,
                "due_on": goal.due_on.isoformat() if goal.due_on else None,
                "shared": goal.shared,
                "created_at": goal.created_at.isoformat(),
                "done_at": goal.done_at.isoformat() if goal.done_at else None,
            }
            for goal in goals
        ]
    }


async def erase(session: AsyncSession, member: Member, policy: Any) -> None:
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
