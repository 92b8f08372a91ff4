"""Goals' scorecard indicator: learning goals the team's members reached in the period."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.goals.tables import LearningGoal
from bot.scorecard.indicators import Indicator, Scope, Tally


async def goals_done(session: AsyncSession, scope: Scope) -> Tally:
    done = await session.scalar(
        select(func.count()).where(scope.in_team(LearningGoal.member_id), scope.during(LearningGoal.done_at))
    )
    return Tally(float(done or 0), scope.members)


INDICATORS = (Indicator("goals_done", "scorecard.indicators.goals_done", "count", goals_done, charted=False),)
