"""The circles' scorecard indicator: learning-circle meetings held / planned (the groups' closed check-ins), for
groups with a member of the team; its people are those groups' members in the team."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.circles.tables import Circle, CircleGroupMember, CircleMeeting
from bot.scorecard.indicators import Indicator, Scope, Tally, share


async def meetings_held(session: AsyncSession, scope: Scope) -> Tally:
    # A meeting counts once however many of its group are in the team: one row per (meeting, member in the team).
    rows = await session.execute(
        select(CircleMeeting.id, CircleMeeting.met, CircleGroupMember.member_id)
        .join(Circle, Circle.id == CircleMeeting.circle_id)
        .join(CircleGroupMember, CircleGroupMember.group_id == CircleMeeting.group_id)
        .where(
            Circle.tenant_id == scope.team.tenant_id,
            scope.in_team(CircleGroupMember.member_id),
            scope.during(CircleMeeting.due_at),
        )
    )
    met_by_meeting: dict[int, bool] = {}
    people: set[int] = set()
    for meeting_id, met, member_id in rows:
        met_by_meeting[meeting_id] = bool(met)
        if member_id in scope.members:
            people.add(member_id)
    held = sum(met_by_meeting.values())
    return share(held, len(met_by_meeting), frozenset(people))


INDICATORS = (Indicator("circle_meetings", "scorecard.indicators.circle_meetings", "percent", meetings_held),)
