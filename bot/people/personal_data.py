"""People's personal-data contract: a member's availability settings (holidays country, pause, opt-out)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Member
from bot.people.tables import MemberSettings
from bot.privacy.contract import ErasePolicy, PersonalDataContract, Rows, TableUse
from bot.privacy.rows import rows


async def export(session: AsyncSession, member: Member) -> dict[str, Rows]:
    return {"member_settings": await rows(session, MemberSettings.__table__, MemberSettings.member_id == member.id)}


async def erase(session: AsyncSession, member: Member, policy: ErasePolicy) -> None:
    await session.execute(delete(MemberSettings).where(MemberSettings.member_id == member.id))


CONTRACT = PersonalDataContract(
    feature="people",
    tables=(
        TableUse("member_settings", ("member_id",), "delete"),
        TableUse("team_settings", (), "keep-unlinked"),  # a team's default country: nobody's own
    ),
    export=export,
    erase=erase,
)
