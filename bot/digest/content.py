"""What a channel's weekly digest says, read from what the features store for the week before it is due.

The team is the channel's members (as learnbot knows them). Only shared learnings; a retro contributes exactly
the learnings its summary showed (an anonymous retro's other items never appear); every figure about people
passes the one k-anonymity rule and is withheld, with the reason, when too few are behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.tables import Response, Round, Series
from bot.db.models import ConversationMember
from bot.kudos.tables import Kudos
from bot.learning.resurfacing import KIND as RESURFACE_KIND
from bot.learning.tables import Learning
from bot.nudges.kind import KIND as NUDGE_KIND
from bot.nudges.streaks import streak
from bot.privacy.k_anonymity import Rule, Shown, Withheld
from bot.retros.outcome import TOP_ITEMS
from bot.retros.tables import Retro, RetroItem
from bot.retros.templates import TEMPLATES

WEEK = timedelta(days=7)
TOP_LEARNINGS = 3
CHART_WEEKS = 6
STREAK_MILESTONES = (5, 10, 25, 50, 100)

Figure = Shown[int] | Withheld
Team = Select[int]


@dataclass(frozen=True)
class TopLearning:
    learning: Learning
    kudos: Figure  # the kudos it has, as a figure about its givers


@dataclass(frozen=True)
class RetroLearnings:
    title: str | None
    template: str
    items: list[str]


@dataclass(frozen=True)
class WeekFigures:
    learnings: Figure  # shared learnings logged, about their authors
    kudos: Figure  # kudos given, about their givers
    applied: Figure  # learnings reported applied, about who applied them
    milestones: Figure  # members who reached a streak milestone, about them


@dataclass(frozen=True)
class Digest:
    start: datetime
    end: datetime
    top: list[TopLearning]
    retros: list[RetroLearnings]
    figures: WeekFigures
    # (week start, learnings figure, kudos figure) for the chart, oldest first
    weeks: list[tuple[datetime, Figure, Figure]]

    @property
    def quiet(self) -> bool:
        return not self.top and not self.retros and not isinstance(self.figures.learnings, Shown)


def team_of(conversation_id: int) -> Team:
    """The channel's members as a subquery: a large channel's ids never travel as parameters."""
    return select(ConversationMember.member_id).where(ConversationMember.conversation_id == conversation_id)


def _team_learnings(tenant_id: int, conversation_id: int, team: Team) -> Any:
    """Shared learnings of the team: written by a member of the channel, or logged in it."""
    return (
        Learning.tenant_id == tenant_id,
        Learning.private.is_(False),
        or_(Learning.member_id.in_(team), Learning.conversation_id == conversation_id),
    )


async def _learnings_figure(session: AsyncSession, rule: Rule, where: Any, start: datetime, end: datetime) -> Figure:
    authors = list(
        await session.execute(
            select(Learning.member_id, func.count())
            .where(*where, Learning.created_at >= start, Learning.created_at < end)
            .group_by(Learning.member_id)
        )
    )
    return rule.single({author for author, _ in authors}, sum(count for _, count in authors))


async def _kudos_figure(
    session: AsyncSession, rule: Rule, tenant_id: int, team: Team, start: datetime, end: datetime
) -> Figure:
    givers = list(
        await session.execute(
            select(Kudos.giver_member_id, func.count())
            .where(
                Kudos.tenant_id == tenant_id,
                Kudos.giver_member_id.in_(team),
                Kudos.created_at >= start,
                Kudos.created_at < end,
            )
            .group_by(Kudos.giver_member_id)
        )
    )
    return rule.single({giver for giver, _ in givers}, sum(count for _, count in givers))


async def _top(session: AsyncSession, rule: Rule, where: Any, start: datetime, end: datetime) -> list[TopLearning]:
    kudos = func.count(Kudos.id)
    rows = list(
        await session.execute(
            select(Learning.id, kudos)
            .outerjoin(Kudos, Kudos.learning_id == Learning.id)
            .where(*where, Learning.created_at >= start, Learning.created_at < end)
            .group_by(Learning.id)
            .having(kudos > 0)
            .order_by(kudos.desc(), Learning.id.desc())
            .limit(TOP_LEARNINGS)
        )
    )
    top = []
    for learning_id, _ in rows:
        learning = await session.get_one(Learning, learning_id)
        givers = set(await session.scalars(select(Kudos.giver_member_id).where(Kudos.learning_id == learning_id)))
        count = await session.scalar(select(func.count()).where(Kudos.learning_id == learning_id)) or 0
        top.append(TopLearning(learning, rule.single(givers, count)))
    return top


async def _retros(session: AsyncSession, conversation_id: int, start: datetime, end: datetime) -> list[RetroLearnings]:
    """The learnings each retro closed this week showed in its summary: its learnings question's top items, in the
    summary's order and number (bot.retros.outcome), first line of each group; nothing else of its answers."""
    retros = await session.scalars(
        select(Retro)
        .where(
            Retro.conversation_id == conversation_id,
            Retro.phase == "closed",
            Retro.closed_at >= start,
            Retro.closed_at < end,
        )
        .order_by(Retro.closed_at)
    )
    found = []
    for retro in retros:
        template = TEMPLATES.get(retro.template)
        if template is None:
            continue
        items = await session.scalars(
            select(RetroItem.text)
            .where(RetroItem.retro_id == retro.id, RetroItem.question == f"q{template.learnings}")
            .order_by(RetroItem.votes.desc(), RetroItem.size.desc(), RetroItem.number)
            .limit(TOP_ITEMS)
        )
        lines = [text.splitlines()[0] for text in items if text.strip()]
        if lines:
            found.append(RetroLearnings(retro.title, retro.template, lines))
    return found


async def _applied(session: AsyncSession, rule: Rule, team: Team, start: datetime, end: datetime) -> Figure:
    """Shared learnings whose authors said this week that they used them."""
    rows = await session.execute(
        select(Series.subject, Response.member_id, Response.answers)
        .join(Round, Round.series_id == Series.id)
        .join(Response, Response.round_id == Round.id)
        .where(
            Series.kind == RESURFACE_KIND,
            Response.member_id == Series.owner_member_id,
            Response.member_id.in_(team),
            Response.updated_at >= start,
            Response.updated_at < end,
        )
    )
    applied: dict[int, int] = {}
    for subject, member_id, answers in rows:
        prefix, _, number = (subject or "").partition(":")
        if prefix == "learning" and number.isdigit() and isinstance(answers, dict) and answers.get("outcome") == "yes":
            applied[int(number)] = member_id
    shared = (
        set(await session.scalars(select(Learning.id).where(Learning.id.in_(applied), Learning.private.is_(False))))
        if applied
        else set()
    )
    return rule.single({applied[learning_id] for learning_id in shared}, len(shared))


async def _milestones(session: AsyncSession, rule: Rule, team: Team, start: datetime, end: datetime) -> Figure:
    """Members whose answering streak passed a milestone this week: their current streak is at least the
    milestone, and was below it before this week's answers."""
    answers = dict(
        list(
            await session.execute(
                select(Response.member_id, func.count())
                .join(Round, Round.id == Response.round_id)
                .where(
                    Round.kind == NUDGE_KIND,
                    Response.member_id.in_(team),
                    Response.created_at >= start,
                    Response.created_at < end,
                )
                .group_by(Response.member_id)
            )
        )
    )
    reached = set()
    for member_id, count in answers.items():
        if member_id is None:
            continue
        current = (await streak(session, member_id, end)).current
        if any(current >= milestone > current - count for milestone in STREAK_MILESTONES):
            reached.add(member_id)
    return rule.single(reached, len(reached))


async def digest_for(session: AsyncSession, rule: Rule, tenant_id: int, conversation_id: int, end: datetime) -> Digest:
    """The digest of the week ending at `end` for the channel `conversation_id`."""
    start = end - WEEK
    team = team_of(conversation_id)
    where = _team_learnings(tenant_id, conversation_id, team)
    weeks = []
    for back in range(CHART_WEEKS - 1, -1, -1):
        week_start = start - WEEK * back
        weeks.append(
            (
                week_start,
                await _learnings_figure(session, rule, where, week_start, week_start + WEEK),
                await _kudos_figure(session, rule, tenant_id, team, week_start, week_start + WEEK),
            )
        )
    figures = WeekFigures(
        learnings=weeks[-1][1],
        kudos=weeks[-1][2],
        applied=await _applied(session, rule, team, start, end),
        milestones=await _milestones(session, rule, team, start, end),
    )
    return Digest(
        start,
        end,
        await _top(session, rule, where, start, end),
        await _retros(session, conversation_id, start, end),
        figures,
        weeks,
    )
