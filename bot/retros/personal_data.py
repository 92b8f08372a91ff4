"""The retros' personal-data contract (see the privacy mechanism): what the retros' tables hold about a member,
how forget-me treats it, and what exists but cannot be tied back (anonymous answers, by design).

The engine's own tables (rounds, deliveries, responses) belong to the engine's contract; this one covers the
retros' tables and declares the member names an open retro keeps in its round for the blameless nudge.
"""

from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.tables import Delivery
from bot.db.models import Member
from bot.privacy.contract import ErasePolicy, JsonMembers, PersonalDataContract, Rows, TableUse
from bot.privacy.rows import rows
from bot.retros.kinds import COLLECT
from bot.retros.tables import Retro, RetroAction, RetroTemplate

FEATURE = "retros"
# (table, columns that refer to members, what forget-me does to its rows)
TABLES = (
    TableUse("retros", ("starter_member_id",), "anonymise"),
    TableUse("retro_actions", ("owner_member_id", "created_by_member_id"), "anonymise"),
    TableUse("retro_items", (), "keep-unlinked"),  # grouped items carry no author
    TableUse("retro_templates", ("created_by_member_id",), "anonymise"),  # the team's, whoever wrote it
)


async def export(session: AsyncSession, member: Member) -> dict[str, Rows]:
    """Every retro row that names the member, by table: retros they started, action items they own or added,
    templates they wrote."""
    return {
        "retros": await rows(session, Retro.__table__, Retro.starter_member_id == member.id),
        "retro_actions": await rows(
            session,
            RetroAction.__table__,
            or_(RetroAction.owner_member_id == member.id, RetroAction.created_by_member_id == member.id),
        ),
        "retro_templates": await rows(
            session, RetroTemplate.__table__, RetroTemplate.created_by_member_id == member.id
        ),
    }


async def erase(session: AsyncSession, member: Member, policy: ErasePolicy) -> None:
    """Unlink the member everywhere: retros, action items and templates are the team's and stay, without them."""
    await session.execute(update(Retro).where(Retro.starter_member_id == member.id).values(starter_member_id=None))
    await session.execute(
        update(RetroAction).where(RetroAction.owner_member_id == member.id).values(owner_member_id=None)
    )
    await session.execute(
        update(RetroAction).where(RetroAction.created_by_member_id == member.id).values(created_by_member_id=None)
    )
    await session.execute(
        update(RetroTemplate).where(RetroTemplate.created_by_member_id == member.id).values(created_by_member_id=None)
    )


async def unlinked(session: AsyncSession, member: Member) -> list[str]:
    """Anonymous retros the member was asked in: their answers there (if any) cannot be tied back to them."""
    rows = await session.execute(
        select(Retro.title, Retro.template, Retro.created_at)
        .join(Delivery, Delivery.round_id == Retro.collect_round_id)
        .where(Delivery.member_id == member.id, Delivery.purpose == "invitation", Retro.anonymous.is_(True))
        .order_by(Retro.id)
    )
    return [
        f"answers (if any) to the anonymous retro '{title or template}' of {created:%Y-%m-%d}"
        for title, template, created in rows
    ]


# An open collect round keeps the channel's first names for the blameless nudge (dropped at close).
JSON_MEMBERS = (JsonMembers("conversation_rounds", "context", ("names", "*"), "name", kind=COLLECT),)
CONTRACT = PersonalDataContract(
    FEATURE, TABLES, export=export, erase=erase, unlinked=unlinked, json_members=JSON_MEMBERS
)
