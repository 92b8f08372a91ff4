"""The retros' scorecard indicators: retros held, and their action items closed and closed on time.

A retro's figures are about the team it was held in, so their people are the team's members."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.retros.tables import Retro, RetroAction
from bot.scorecard.indicators import Indicator, Scope, Tally, share


async def retros_held(session: AsyncSession, scope: Scope) -> Tally:
    held = await session.scalar(
        select(func.count()).where(
            scope.in_place(Retro.tenant_id, Retro.conversation_id),
            Retro.phase.in_(("closed", "withheld")),
            scope.during(Retro.closed_at),
        )
    )
    return Tally(float(held or 0), scope.members)


async def actions_closed(session: AsyncSession, scope: Scope) -> Tally:
    """Of the action items agreed in the period, those done by its end."""
    created = scope.in_place(RetroAction.tenant_id, RetroAction.conversation_id) & scope.during(RetroAction.created_at)
    done = RetroAction.done_at.is_not(None) & (RetroAction.done_at < scope.end)
    row = (await session.execute(select(func.count(), func.count().filter(done)).where(created))).one()
    return share(int(row[1]), int(row[0]), scope.members)


def _day(column: Any, dialect: str) -> ColumnElement[date]:
    """The UTC date of a timestamp column, on either database."""
    if dialect == "sqlite":
        return func.date(column)
    return cast(func.timezone("UTC", column), Date)


async def actions_on_time(session: AsyncSession, scope: Scope) -> Tally:
    """Of the action items with a due date done in the period, those done on or before it."""
    dialect = session.get_bind().dialect.name
    done = (
        scope.in_place(RetroAction.tenant_id, RetroAction.conversation_id)
        & RetroAction.due_on.is_not(None)
        & scope.during(RetroAction.done_at)
    )
    on_time = _day(RetroAction.done_at, dialect) <= RetroAction.due_on
    row = (await session.execute(select(func.count(), func.count().filter(on_time)).where(done))).one()
    return share(int(row[1]), int(row[0]), scope.members)


INDICATORS = (
    Indicator("retros", "scorecard.indicators.retros", "count", retros_held, charted=False),
    Indicator("actions_closed", "scorecard.indicators.actions_closed", "percent", actions_closed),
    Indicator("actions_on_time", "scorecard.indicators.actions_on_time", "percent", actions_on_time),
)
