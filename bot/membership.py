"""Who is in which channel. The core records a member when they talk in a channel; adapters can record whole
rosters (Slack `conversations.members`, Teams `pagedmembers`) through `record_members`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db.models import Conversation, ConversationMember, Member, Tenant
from bot.db.upsert import insert_ignore
from bot.directory import Directory
from bot.model import ConversationKind, ConversationRef, UserRef


async def record_member(session: AsyncSession, conversation: Conversation, member: Member, now: datetime) -> None:
    """Remember that `member` is in `conversation` (channels and group chats only)."""
    if conversation.kind == ConversationKind.DIRECT.value:
        return
    values = {"conversation_id": conversation.id, "member_id": member.id, "seen_at": now}
    await insert_ignore(session, ConversationMember, values, ["conversation_id", "member_id"])


async def members_of(session: AsyncSession, conversation_id: int) -> list[Member]:
    query = (
        select(Member)
        .join(ConversationMember, ConversationMember.member_id == Member.id)
        .where(ConversationMember.conversation_id == conversation_id)
        .order_by(Member.id)
    )
    return list((await session.scalars(query)).all())


class Membership:
    """The small service adapters call to fill the membership table from a platform's roster."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], directory: Directory, clock: Clock) -> None:
        self._sessions = sessions
        self._directory = directory
        self._clock = clock

    async def record_members(self, conversation: ConversationRef, users: Iterable[UserRef]) -> int:
        """Record `users` as members of `conversation`, creating members on first sight. Returns how many."""
        now = self._clock.now()
        count = 0
        async with self._sessions() as session:
            tenant: Tenant = await self._directory.tenant(session, conversation.platform, conversation.tenant, now)
            stored = await self._directory.conversation(session, tenant, conversation, now)
            for user in users:
                member, _ = await self._directory.member(session, tenant, user, None, now)
                await record_member(session, stored, member, now)
                count += 1
            await session.commit()
        return count
