"""Streaks: consecutive nudge rounds a member answered. Skipped days (weekends, holidays, pauses) and our own
failures do not break a streak; a prompt sent to the member whose round closed unanswered does. An answer to a
prompt posted in a channel counts for whoever answered it; not answering a channel post breaks nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.tables import Delivery, Response, Round
from bot.nudges.kind import KIND


@dataclass(frozen=True)
class Streak:
    current: int
    best: int


async def streak(session: AsyncSession, member_id: int, now: datetime) -> Streak:
    invited_member = (Delivery.member_id == member_id) & (Delivery.purpose == "invitation")
    invited = (Delivery.round_id == Round.id) & invited_member
    answered = (Response.round_id == Round.id) & (Response.member_id == member_id)
    query = (
        select(Delivery.state, Round.state, Round.closes_at, Response.id)
        .select_from(Round)
        .outerjoin(Delivery, invited)
        .outerjoin(Response, answered)
        .where(
            Round.kind == KIND,
            or_(
                Round.id.in_(select(Delivery.round_id).where(invited_member)),
                Round.id.in_(select(Response.round_id).where(Response.member_id == member_id)),
            ),
        )
        .order_by(Round.due_at, Round.id)
    )
    current = best = 0
    for delivery_state, round_state, closes_at, answer_id in (await session.execute(query)).all():
        if answer_id is not None:
            current += 1
            best = max(best, current)
        elif delivery_state == "sent" and (round_state != "open" or closes_at <= now):
            current = 0
        # skipped, failed, missed, still open, or a channel post left unanswered: neither counts nor breaks
    return Streak(current, best)
