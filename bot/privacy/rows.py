"""Rows as JSON-able dicts for exports, and the stand-in author of what a forgotten member left for the team."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, FromClause, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Member

# No platform issues this id: the member a forgotten colleague's kept learnings point to, one per team.
FORMER_COLLEAGUE_ID = "~former-colleague"


def json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


async def rows(session: AsyncSession, table: FromClause, where: ColumnElement[bool]) -> list[dict[str, Any]]:
    """Every row of `table` matching `where`, as a dict of JSON-able values."""
    result = await session.execute(select(table).where(where))
    return [{key: json_value(value) for key, value in row._mapping.items()} for row in result]


def is_former_colleague(member: Member | None) -> bool:
    return member is not None and member.platform_user_id == FORMER_COLLEAGUE_ID


def a_person() -> ColumnElement[bool]:
    """Members who are people: the stand-in is nobody, so no roster, audience, lookup or count may include it."""
    return Member.platform_user_id != FORMER_COLLEAGUE_ID


async def stand_in_ids(session: AsyncSession, tenant_id: int) -> set[int]:
    """The stand-in's id in a team (none until someone chose to keep their learnings)."""
    query = select(Member.id).where(Member.tenant_id == tenant_id, Member.platform_user_id == FORMER_COLLEAGUE_ID)
    return set(await session.scalars(query))


async def former_colleague(session: AsyncSession, tenant_id: int, now: datetime) -> Member:
    """The team's stand-in author for kept items of forgotten members (created when first needed)."""
    found = await session.scalar(
        select(Member).where(Member.tenant_id == tenant_id, Member.platform_user_id == FORMER_COLLEAGUE_ID)
    )
    if found is None:
        found = Member(tenant_id=tenant_id, platform_user_id=FORMER_COLLEAGUE_ID, display_name=None, created_at=now)
        session.add(found)
        await session.flush()
    return found
