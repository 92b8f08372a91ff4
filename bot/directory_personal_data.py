"""The directory's personal-data contract: the member row itself, their 1:1 conversations and their places in
channels. Registered first, so forget-me removes the member row after every feature has erased its own rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Conversation, ConversationMember, Member
from bot.model import ConversationKind
from bot.people.tables import MemberSettings
from bot.privacy.contract import ErasePolicy, PersonalDataContract, Rows, TableUse
from bot.privacy.rows import rows


async def direct_conversation_ids(session: AsyncSession, member: Member) -> list[int]:
    """The member's 1:1 conversations with the bot (their ids name the member on the platform): linked to them,
    stored as their DM, where they logged a learning, or holding them in the platform reference (Teams)."""
    # Imported here: the learning log's package imports the engine, whose contract imports this module.
    from bot.learning.tables import Learning

    linked = select(ConversationMember.conversation_id).where(ConversationMember.member_id == member.id)
    settings = select(MemberSettings.direct_conversation_id).where(MemberSettings.member_id == member.id)
    logged = select(Learning.conversation_id).where(Learning.member_id == member.id)
    direct = (Conversation.tenant_id == member.tenant_id) & (Conversation.kind == ConversationKind.DIRECT.value)
    tied = select(Conversation.id).where(
        direct, or_(Conversation.id.in_(linked), Conversation.id.in_(settings), Conversation.id.in_(logged))
    )
    needles = _needles(member)
    referenced = [
        conversation.id
        for conversation in await session.scalars(select(Conversation).where(direct))
        if _mentions(conversation.reference, needles)
    ]
    return sorted({*referenced, *await session.scalars(tied)})


def scrub(value: Any, needles: set[str]) -> Any:
    """`value` without any mapping that holds one of `needles` (a platform reference's `user` entry)."""
    if isinstance(value, dict):
        if any(isinstance(item, str) and item in needles for item in value.values()):
            return None
        kept = {key: scrub(item, needles) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item is not None or value[key] is None}
    if isinstance(value, list):
        return [item for item in (scrub(item, needles) for item in value) if item is not None]
    return value


def _needles(member: Member) -> set[str]:
    return {text for text in (member.platform_user_id, member.display_name) if text}


def _mentions(reference: Any, needles: set[str]) -> bool:
    return bool(scrub(reference, needles) != reference)


async def export(session: AsyncSession, member: Member) -> dict[str, Rows]:
    direct = await direct_conversation_ids(session, member)
    needles = _needles(member)
    conversations = [
        row
        for row in await rows(session, Conversation.__table__, Conversation.tenant_id == member.tenant_id)
        if row["id"] in direct or _mentions(row["reference"], needles)
    ]
    return {
        "members": await rows(session, Member.__table__, Member.id == member.id),
        "conversations": conversations,
        "conversation_members": await rows(
            session, ConversationMember.__table__, ConversationMember.member_id == member.id
        ),
    }


async def erase(session: AsyncSession, member: Member, policy: ErasePolicy) -> None:
    direct = await direct_conversation_ids(session, member)
    needles = _needles(member)
    for conversation in await session.scalars(select(Conversation).where(Conversation.tenant_id == member.tenant_id)):
        if conversation.id in direct:
            continue
        if _mentions(conversation.reference, needles):
            conversation.reference = scrub(conversation.reference, needles) or {}
        if conversation.kind == ConversationKind.DIRECT.value and conversation.name in needles:
            # A 1:1 chat shown by the member's name but not tied to them (or to a namesake): the name goes.
            conversation.name = None
    await session.execute(delete(ConversationMember).where(ConversationMember.member_id == member.id))
    if direct:
        await session.execute(delete(Conversation).where(Conversation.id.in_(direct)))
    await session.execute(delete(Member).where(Member.id == member.id))


CONTRACT = PersonalDataContract(
    feature="directory",
    tables=(
        TableUse("members", ("platform_user_id", "display_name"), "delete"),
        # A 1:1 conversation's id and name name the member; a channel's reference may carry the last sender.
        TableUse("conversations", ("name", "reference"), "delete"),
        TableUse("conversation_members", ("member_id",), "delete"),
        # Platform event ids only: checked, nothing about a member.
        TableUse("inbound_events", (), "keep-unlinked"),
    ),
    export=export,
    erase=erase,
)
