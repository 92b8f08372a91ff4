"""Programmes' personal data in the shape of the shared contract (/work/wt/PRIVACY_CONTRACT.md). A run names its
new hire, buddy and creator; answers to its steps live in the conversation engine's responses (its contract)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Member
from bot.mentoring.personal_data import TableUse
from bot.programmes.tables import ProgrammeRun

FEATURE = "programmes"
TABLES = (TableUse("programme_runs", ("newhire_member_id", "buddy_member_id", "created_by_member_id"), "anonymise"),)
_COLUMNS = ("newhire_member_id", "buddy_member_id", "created_by_member_id")


async def export(session: AsyncSession, member: Member) -> dict[str, Any]:
    runs = await session.scalars(
        select(ProgrammeRun)
        .where(or_(*(getattr(ProgrammeRun, column) == member.id for column in _COLUMNS)))
        .order_by(ProgrammeRun.id)
    )
    return {
        "programme_runs": [
            {
                "id": run.id,
                "programme": run.programme,
                "starts_on": run.starts_on.isoformat(),
                "as": [column.removesuffix("_member_id") for column in _COLUMNS if getattr(run, column) == member.id],
            }
            for run in runs
        ]
    }


async def erase(session: AsyncSession, member: Member, policy: Any) -> None:
    """The runs stay (a kickstart is the team's), without the member's id; their personal series go with the
    member through the engine's own contract."""
    for column in _COLUMNS:
        await session.execute(
            update(ProgrammeRun).where(getattr(ProgrammeRun, column) == member.id).values({column: None})
        )
