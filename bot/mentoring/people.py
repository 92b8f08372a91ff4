"""Names of members as mentoring shows them, read in one query."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Member
from bot.roles.access import display


async def names_of(session: AsyncSession, member_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {member_id for member_id in member_ids if member_id is not None}
    if not ids:
        return {}
    return {member.id: display(member) for member in await session.scalars(select(Member).where(Member.id.in_(ids)))}
