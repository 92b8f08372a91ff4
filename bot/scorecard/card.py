"""The scorecard of a team for a period: every registered indicator, now and in the period before, each figure
passed through the shared k-anonymity rule together with the same figure for every team that encloses this one
(the whole workspace, a larger channel), so no two figures a manager can ask for differ by fewer than K people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Conversation, ConversationMember
from bot.privacy.k_anonymity import Group, Rule, Shown, Withheld
from bot.scorecard.indicators import Indicator, Scope, Tally, Team
from bot.scorecard.periods import Period

Result = Shown[Tally] | Withheld
# Enclosing channels compared with, at most (the whole workspace always is).
MAX_ENCLOSING = 20


@dataclass(frozen=True)
class Figure:
    indicator: Indicator
    current: Result
    previous: Result

    @property
    def value(self) -> float | None:
        return self.current.value.value if isinstance(self.current, Shown) else None

    @property
    def trend(self) -> float | None:
        """Current minus previous, when both are shown."""
        if isinstance(self.current, Shown) and isinstance(self.previous, Shown):
            now, before = self.current.value.value, self.previous.value.value
            if now is not None and before is not None:
                return now - before
        return None

    @property
    def flagged(self) -> bool:
        value, limit = self.value, self.indicator.flag_below
        return value is not None and limit is not None and value < limit


@dataclass(frozen=True)
class Card:
    team: Team
    period: Period
    figures: tuple[Figure, ...]

    @property
    def all_withheld(self) -> bool:
        return all(isinstance(figure.current, Withheld) for figure in self.figures)


async def team_members(session: AsyncSession, team: Team) -> frozenset[int]:
    return frozenset(await session.scalars(team.member_ids()))


async def enclosing_teams(session: AsyncSession, team: Team, members: frozenset[int]) -> list[Team]:
    """Teams whose members include all of `team`'s and more: the whole workspace, and any larger channel."""
    if team.whole:
        return []
    found = [Team(team.tenant_id, None)]
    if not members:
        return found
    rows = await session.execute(
        select(ConversationMember.conversation_id)
        .join(Conversation, Conversation.id == ConversationMember.conversation_id)
        .where(
            Conversation.tenant_id == team.tenant_id,
            ConversationMember.conversation_id != team.conversation_id,
            ConversationMember.member_id.in_(team.member_ids()),
        )
        .group_by(ConversationMember.conversation_id)
        .having(func.count() == len(members))
        .limit(MAX_ENCLOSING)
    )
    found += [Team(team.tenant_id, conversation_id) for (conversation_id,) in rows]
    return found


class Scorecard:
    """The registry of indicators and the rule; `card` computes one team's scorecard."""

    def __init__(self, rule: Rule, indicators: Sequence[Indicator] = ()) -> None:
        self.rule = rule
        self._indicators: dict[str, Indicator] = {}
        for indicator in indicators:
            self.register(indicator)

    def register(self, indicator: Indicator) -> None:
        if indicator.key in self._indicators:
            raise ValueError(f"indicator {indicator.key!r} registered twice")
        self._indicators[indicator.key] = indicator

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(self._indicators.values())

    async def card(self, session: AsyncSession, team: Team, period: Period) -> Card:
        members = await team_members(session, team)
        others = [
            (other, await team_members(session, other)) for other in await enclosing_teams(session, team, members)
        ]
        others = [(other, people) for other, people in others if people > members]
        figures = []
        for indicator in self._indicators.values():
            current = await self._result(session, indicator, team, members, others, period.start, period.end)
            before = period.previous()
            previous = await self._result(session, indicator, team, members, others, before.start, before.end)
            figures.append(Figure(indicator, current, previous))
        return Card(team, period, tuple(figures))

    async def _result(
        self,
        session: AsyncSession,
        indicator: Indicator,
        team: Team,
        members: frozenset[int],
        others: list[tuple[Team, frozenset[int]]],
        start: datetime,
        end: datetime,
    ) -> Result:
        tally = await indicator.measure(session, Scope(team, start, end, members))
        groups = [Group("team", tally.people, tally)]
        for index, (other, people) in enumerate(others):
            wider = await indicator.measure(session, Scope(other, start, end, people))
            groups.append(Group(f"enclosing:{index}", wider.people, wider))
        return self.rule.apply(groups)[0]
