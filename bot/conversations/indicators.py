"""The conversation engine's scorecard indicator: participation in prompts, answered / delivered.

Delivered: invitations sent to a member of the team for rounds due in the period. Answered: those whose round
got that member's named response; an anonymous round cannot say who answered, so it counts its responses, at
most as many as the team's invitations in it.
"""

from __future__ import annotations

from sqlalchemy import String, and_, case, cast, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.tables import Delivery, Response, Round
from bot.scorecard.indicators import Indicator, Scope, Tally, share

PARTICIPATION_FLAG = 0.6


def _invitations(scope: Scope) -> list[object]:
    return [
        Delivery.purpose == "invitation",
        Delivery.state == "sent",
        Delivery.member_id.is_not(None),
        scope.in_team(Delivery.member_id),
        scope.during(Round.due_at),
    ]


async def participation(session: AsyncSession, scope: Scope) -> Tally:
    conditions = _invitations(scope)
    # A named response's respondent is "m<member id>": matching it uses the (round, respondent) unique index.
    named = exists().where(
        Response.round_id == Delivery.round_id, Response.respondent == "m" + cast(Delivery.member_id, String)
    )
    recipients = await session.execute(
        select(Delivery.member_id, func.count(), func.count().filter(and_(Round.anonymous.is_(False), named)))
        .join(Round, Round.id == Delivery.round_id)
        .where(*conditions)  # type: ignore[arg-type]
        .group_by(Delivery.member_id)
    )
    people: set[int] = set()
    delivered = answered = 0
    for member_id, count, named_answers in recipients:
        if member_id is not None:
            people.add(member_id)
        delivered += count
        answered += named_answers
    # Anonymous rounds: per round, responses up to the team's invitations.
    per_round = (
        select(Round.id.label("round_id"), func.count().label("invited"))
        .join(Delivery, Delivery.round_id == Round.id)
        .where(Round.anonymous.is_(True), *conditions)  # type: ignore[arg-type]
        .group_by(Round.id)
        .subquery()
    )
    responses = (
        select(func.count()).where(Response.round_id == per_round.c.round_id).correlate(per_round).scalar_subquery()
    )
    capped = case((responses < per_round.c.invited, responses), else_=per_round.c.invited)
    anonymous = await session.scalar(select(func.sum(capped)).select_from(per_round))
    answered += int(anonymous or 0)
    return share(answered, delivered, frozenset(people))


INDICATORS = (
    Indicator("participation", "scorecard.indicators.participation", "percent", participation, PARTICIPATION_FLAG),
)
