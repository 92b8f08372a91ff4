"""The scorecard's one mechanism: indicators contributed by the features, measured over a team and a period.

An indicator is a feature's own SQL aggregate (its tables, its meaning); the scorecard knows only what it
returns: a value, the parts it came from, and the people it is about (for the shared k-anonymity rule). Nothing
here names a feature's table.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ConversationMember, Member

# percent: a share (0..1) shown as %; rate: a number per member-week; count: a plain number.
Unit = Literal["percent", "rate", "count"]


@dataclass(frozen=True)
class Team:
    """A channel (its members), or the whole workspace / tenant when `conversation_id` is None."""

    tenant_id: int
    conversation_id: int | None = None
    name: str = ""

    @property
    def whole(self) -> bool:
        return self.conversation_id is None

    def member_ids(self) -> Select[int]:
        """The team's member ids, as a subquery (never loaded as a list into a query's parameters)."""
        if self.conversation_id is None:
            return select(Member.id).where(Member.tenant_id == self.tenant_id)
        return select(ConversationMember.member_id).where(ConversationMember.conversation_id == self.conversation_id)


@dataclass(frozen=True)
class Scope:
    """What an indicator measures over: a team, the half-open period [start, end), and the team's members."""

    team: Team
    start: datetime
    end: datetime
    members: frozenset[int]

    @property
    def weeks(self) -> float:
        return (self.end - self.start).total_seconds() / (7 * 86_400)

    def in_team(self, member_column: Any) -> ColumnElement[bool]:
        """Rows about a member of the team."""
        found: ColumnElement[bool] = member_column.in_(self.team.member_ids())
        return found

    def in_place(self, tenant_column: Any, conversation_column: Any) -> ColumnElement[bool]:
        """Rows held in the team's channel (or anywhere in the tenant, for the whole team)."""
        if self.team.conversation_id is None:
            here: ColumnElement[bool] = tenant_column == self.team.tenant_id
        else:
            here = conversation_column == self.team.conversation_id
        return here

    def during(self, column: Any) -> ColumnElement[bool]:
        within: ColumnElement[bool] = (column >= self.start) & (column < self.end)
        return within


@dataclass(frozen=True)
class Tally:
    """One indicator over one scope. `value` is None when there was nothing to measure (no prompt delivered);
    `parts` is (numerator, denominator) for shares; `people` is whom the figure is about."""

    value: float | None
    people: frozenset[int]
    parts: tuple[int, int] | None = None


def share(numerator: int, denominator: int, people: frozenset[int]) -> Tally:
    return Tally(numerator / denominator if denominator else None, people, (numerator, denominator))


Measure = Callable[[AsyncSession, Scope], Awaitable[Tally]]


@dataclass(frozen=True)
class Indicator:
    """A figure of the scorecard. `label` is a catalog key; `flag_below` marks a value under it (a share)."""

    key: str
    label: str
    unit: Unit
    measure: Measure
    flag_below: float | None = None
    # Shares are drawn on the chart; rates and counts (other scales) are listed only.
    charted: bool = True
