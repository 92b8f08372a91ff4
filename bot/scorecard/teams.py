"""Which team a scorecard is about: a channel named by the manager (`#name`, as platforms write a channel
mention), the channel asked in, or the whole workspace / tenant."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Conversation
from bot.model import ConversationKind
from bot.scorecard.indicators import Team

PLACES = (ConversationKind.CHANNEL.value, ConversationKind.GROUP.value)


async def channel_team(session: AsyncSession, tenant_id: int, name: str) -> Team | None:
    """The channel called `name` (with or without its #) or with that platform id, in the tenant."""
    wanted = name.removeprefix("#").strip()
    if not wanted:
        return None
    found = await session.scalars(
        select(Conversation)
        .where(
            Conversation.tenant_id == tenant_id,
            Conversation.kind.in_(PLACES),
            or_(func.lower(Conversation.name) == wanted.casefold(), Conversation.platform_conversation_id == wanted),
        )
        .order_by(Conversation.id)
        .limit(2)
    )
    matches = list(found)
    return of_conversation(matches[0]) if len(matches) == 1 else None


def of_conversation(conversation: Conversation) -> Team:
    return Team(
        conversation.tenant_id, conversation.id, f"#{conversation.name or conversation.platform_conversation_id}"
    )


async def team_of(session: AsyncSession, tenant_id: int, conversation_id: int | None) -> Team:
    conversation = await session.get(Conversation, conversation_id) if conversation_id is not None else None
    if conversation is None or conversation.kind not in PLACES:
        return Team(tenant_id)
    return of_conversation(conversation)
