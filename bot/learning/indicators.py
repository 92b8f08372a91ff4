"""The learning log's scorecard indicators: learnings logged per member-week, and the share of resurfaced
learnings their author reported applied ("did you use it?")."""

from __future__ import annotations

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.tables import Delivery, Response, Round, Series
from bot.learning.resurfacing import KIND
from bot.learning.tables import Learning
from bot.scorecard.indicators import Indicator, Scope, Tally, share


async def learnings_per_member_week(session: AsyncSession, scope: Scope) -> Tally:
    """Private entries are their author's alone: never in a figure."""
    logged = await session.scalar(
        select(func.count()).where(
            scope.in_team(Learning.member_id), scope.during(Learning.created_at), Learning.private.is_(False)
        )
    )
    member_weeks = len(scope.members) * scope.weeks
    value = (logged or 0) / member_weeks if member_weeks else None
    return Tally(value, scope.members, (int(logged or 0), len(scope.members)))


async def applied_share(session: AsyncSession, scope: Scope) -> Tally:
    """Of the learnings asked about in the period, those their author answered "yes" to."""
    asked = (
        select(Series.id, Series.owner_member_id, Round.id.label("round_id"))
        .join(Round, Round.series_id == Series.id)
        .join(Delivery, Delivery.round_id == Round.id)
        .where(
            Series.kind == KIND,
            scope.in_team(Series.owner_member_id),
            scope.during(Round.due_at),
            Delivery.purpose == "invitation",
            Delivery.state == "sent",
        )
        .subquery()
    )
    rows = await session.execute(
        select(asked.c.owner_member_id, func.count(distinct(asked.c.id))).group_by(asked.c.owner_member_id)
    )
    people: set[int] = set()
    learnings = 0
    for owner, count in rows:
        people.add(owner)
        learnings += count
    applied = await session.scalar(
        select(func.count(distinct(asked.c.id)))
        .select_from(asked)
        .join(Response, Response.round_id == asked.c.round_id)
        .where(Response.member_id == asked.c.owner_member_id, Response.answers["outcome"].as_string() == "yes")
    )
    return share(int(applied or 0), learnings, frozenset(people))


INDICATORS = (
    Indicator(
        "learnings",
        "scorecard.indicators.learnings",
        "rate",
        learnings_per_member_week,
        charted=False,
    ),
    Indicator("applied", "scorecard.indicators.applied", "percent", applied_share),
)
