"""A member's own figures, computed in SQL from what the features store: prompts answered, streak, learnings,
applied learnings, kudos, goals and action items. Only ever shown to the member they are about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.tables import Delivery, Response
from bot.goals.tables import LearningGoal
from bot.kudos.giving import counts as kudos_counts
from bot.learning.resurfacing import applied_ids
from bot.learning.tables import Learning
from bot.nudges.streaks import streak
from bot.retros.tables import RetroAction

RECENT_DAYS = 90


@dataclass(frozen=True)
class MemberFigures:
    answers: int  # every answer to any prompt, ever
    asked_recent: int  # prompts sent to the member in the last RECENT_DAYS
    answered_recent: int  # of those, answered
    streak_current: int
    streak_best: int
    learnings: int
    learnings_private: int
    learnings_recent: int
    applied: int
    kudos_received: int
    kudos_given: int
    goals: int
    goals_done: int
    actions: int
    actions_done: int

    @property
    def participation(self) -> int | None:
        """Answered / asked in the recent period, in percent (None when nothing was asked)."""
        return round(100 * self.answered_recent / self.asked_recent) if self.asked_recent else None


async def _count(session: AsyncSession, *where: object) -> int:
    return int(await session.scalar(select(func.count()).where(*where)) or 0)  # type: ignore[arg-type]


async def figures(session: AsyncSession, member_id: int, now: datetime) -> MemberFigures:
    since = now - timedelta(days=RECENT_DAYS)
    asked = (
        Delivery.member_id == member_id,
        Delivery.purpose == "invitation",
        Delivery.state == "sent",
        Delivery.due_at >= since,
    )
    answered = exists().where(Response.round_id == Delivery.round_id, Response.member_id == member_id)
    current = await streak(session, member_id, now)
    received, given = await kudos_counts(session, member_id)
    return MemberFigures(
        answers=await _count(session, Response.member_id == member_id),
        asked_recent=await _count(session, *asked),
        answered_recent=await _count(session, *asked, answered),
        streak_current=current.current,
        streak_best=current.best,
        learnings=await _count(session, Learning.member_id == member_id),
        learnings_private=await _count(session, Learning.member_id == member_id, Learning.private.is_(True)),
        learnings_recent=await _count(session, Learning.member_id == member_id, Learning.created_at >= since),
        applied=len(await applied_ids(session, member_id=member_id)),
        kudos_received=received,
        kudos_given=given,
        goals=await _count(session, LearningGoal.member_id == member_id),
        goals_done=await _count(session, LearningGoal.member_id == member_id, LearningGoal.done_at.is_not(None)),
        actions=await _count(session, RetroAction.owner_member_id == member_id),
        actions_done=await _count(session, RetroAction.owner_member_id == member_id, RetroAction.done_at.is_not(None)),
    )
