"""Mentoring's scorecard indicator: mentor meetings held / planned (the pairs' closed check-ins), for pairs with
a member of the team; its people are those pairs' mentors and mentees in the team."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.mentoring.tables import MentorMeeting, MentorPair
from bot.scorecard.indicators import Indicator, Scope, Tally, share


async def meetings_held(session: AsyncSession, scope: Scope) -> Tally:
    pairs = await session.execute(
        select(
            MentorPair.mentor_member_id,
            MentorPair.mentee_member_id,
            func.count(),
            func.count().filter(MentorMeeting.met.is_(True)),
        )
        .join(MentorMeeting, MentorMeeting.pair_id == MentorPair.id)
        .where(
            MentorPair.tenant_id == scope.team.tenant_id,
            or_(scope.in_team(MentorPair.mentor_member_id), scope.in_team(MentorPair.mentee_member_id)),
            scope.during(MentorMeeting.due_at),
        )
        .group_by(MentorPair.mentor_member_id, MentorPair.mentee_member_id)
    )
    people: set[int] = set()
    planned = held = 0
    for mentor, mentee, count, met in pairs:
        people.update(member for member in (mentor, mentee) if member is not None and member in scope.members)
        planned += count
        held += met
    return share(held, planned, frozenset(people))


INDICATORS = (Indicator("mentor_meetings", "scorecard.indicators.mentor_meetings", "percent", meetings_held),)
