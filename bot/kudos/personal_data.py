"""Kudos' personal-data contract. Export: every kudos the member gave or received. Erase: what they gave is
deleted (their words, their act); what they received stays counted for the team, unlinked (receiver NULL) and
without the giver's reason, since a reason may speak about the receiver."""

from __future__ import annotations

from sqlalchemy import delete, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Member
from bot.kudos.tables import Kudos
from bot.privacy.contract import ErasePolicy, PersonalDataContract, Rows, TableUse
from bot.privacy.rows import rows

FEATURE = "kudos"
TABLES = (TableUse("kudos", ("giver_member_id", "receiver_member_id"), "keep-unlinked"),)


async def export(session: AsyncSession, member: Member) -> dict[str, Rows]:
    where = or_(Kudos.giver_member_id == member.id, Kudos.receiver_member_id == member.id)
    return {"kudos": await rows(session, Kudos.__table__, where)}


async def erase(session: AsyncSession, member: Member, policy: ErasePolicy) -> None:
    await session.execute(delete(Kudos).where(Kudos.giver_member_id == member.id))
    await session.execute(
        update(Kudos).where(Kudos.receiver_member_id == member.id).values(receiver_member_id=None, reason=None)
    )


CONTRACT = PersonalDataContract(FEATURE, TABLES, export=export, erase=erase)
