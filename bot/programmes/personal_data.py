"""Programmes' personal data in the shape of the shared contract (/work/wt/PRIVACY_CONTRACT.md). A run names its
new hire, buddy and creator; answers to its steps live in the conversation engine's responses (its contract)."""

from __future__ import annotations

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Member
from bot.privacy.contract import ErasePolicy, PersonalDataContract, Rows, TableUse
from bot.privacy.rows import rows
from bot.programmes.tables import ProgrammeRun

FEATURE = "programmes"
TABLES = (TableUse("programme_runs", ("newhire_member_id", "buddy_member_id", "created_by_member_id"), "anonymise"),)
_COLUMNS = ("newhire_member_id", "buddy_member_id", "created_by_member_id")


async def export(session: AsyncSession, member: Member) -> dict[str, Rows]:
    where = or_(*(getattr(ProgrammeRun, column) == member.id for column in _COLUMNS))
    return {"programme_runs": await rows(session, ProgrammeRun.__table__, where)}


async def erase(session: AsyncSession, member: Member, policy: ErasePolicy) -> None:
    """The runs stay (a kickstart is the team's), without the member's id; their personal series go with the
    member through the engine's own contract."""
    for column in _COLUMNS:
        await session.execute(
            update(ProgrammeRun).where(getattr(ProgrammeRun, column) == member.id).values({column: None})
        )


CONTRACT = PersonalDataContract("programmes", TABLES, export=export, erase=erase)
