"""Streaks: consecutive due prompts a member answered. Skipped days (weekends, holidays, pauses) and our own
failures do not break a streak; a prompt whose run closed unanswered does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.nudges.tables import NudgeAnswer, NudgeDelivery, NudgeRun


@dataclass(frozen=True)
class Streak:
    current: int
    best: int


async def streak(session: AsyncSession, member_id: int, now: datetime) -> Streak:
    query = (
        select(NudgeDelivery.state, NudgeRun.state, NudgeRun.closes_at, NudgeAnswer.id)
        .join(NudgeRun, NudgeRun.id == NudgeDelivery.run_id)
        .outerjoin(
            NudgeAnswer,
            (NudgeAnswer.delivery_id == NudgeDelivery.id) & (NudgeAnswer.member_id == member_id),
        )
        .where(NudgeDelivery.member_id == member_id, NudgeDelivery.kind == "prompt")
        .order_by(NudgeDelivery.due_at, NudgeDelivery.id)
    )
    current = best = 0
    for delivery_state, run_state, closes_at, answer_id in (await session.execute(query)).all():
        if answer_id is not None:
            current += 1
            best = max(best, current)
        elif delivery_state == "sent" and (run_state != "open" or closes_at <= now):
            current = 0
        # skipped, failed, missed, or still open: neither counts nor breaks
    return Streak(current, best)
