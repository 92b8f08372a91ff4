"""How to reach a member 1:1: their DM conversation, opened once through the platform and remembered here.

The engine's sends and the adapters (a Slack button pressed in App Home) all ask this one place, so nothing keeps
its own cache of DM channels.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from bot.clock import Clock
from bot.db.models import Conversation, ConversationMember, Member, Tenant
from bot.db.upsert import insert_ignore
from bot.directory import Directory, conversation_ref
from bot.model import ConversationKind, ConversationRef, UserRef
from bot.people.tables import MemberSettings
from bot.ports import Notifier


def direct_conversation_column() -> ColumnElement[Any]:
    """A scalar subquery for `Member.id`'s DM: the remembered one, else a 1:1 chat the platform gave us (Teams
    opens one for every roster member at install)."""
    link = aliased(ConversationMember)
    known = (
        select(link.conversation_id)
        .join(Conversation, Conversation.id == link.conversation_id)
        .where(link.member_id == Member.id, Conversation.kind == ConversationKind.DIRECT.value)
        .order_by(link.conversation_id.desc())
        .limit(1)
        .scalar_subquery()
    )
    settings = aliased(MemberSettings)  # the outer query may join MemberSettings itself
    remembered = select(settings.direct_conversation_id).where(settings.member_id == Member.id).correlate(Member)
    return func.coalesce(remembered.scalar_subquery(), known)


async def remember_direct(
    session: AsyncSession, directory: Directory, tenant: Tenant, member_id: int, direct: ConversationRef, now: datetime
) -> int:
    """Store `direct` as the member's DM (linked like any 1:1 chat, so Membership sees it too). The caller commits."""
    stored = await directory.conversation(session, tenant, direct, now)
    link = {"conversation_id": stored.id, "member_id": member_id, "seen_at": now}
    await insert_ignore(session, ConversationMember, link, ["conversation_id", "member_id"])
    await insert_ignore(session, MemberSettings, {"member_id": member_id}, ["member_id"])
    await session.execute(
        update(MemberSettings).where(MemberSettings.member_id == member_id).values(direct_conversation_id=stored.id)
    )
    return stored.id


class Reach:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], directory: Directory, notifier: Notifier, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._directory = directory
        self._notifier = notifier
        self._clock = clock

    async def stored(self, user: UserRef) -> ConversationRef | None:
        """The member's DM if we know it, without asking the platform."""
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(Tenant, Member.id, direct_conversation_column())
                    .join(Member, Member.tenant_id == Tenant.id)
                    .where(
                        Tenant.platform == user.platform,
                        Tenant.external_id == user.tenant,
                        Member.platform_user_id == user.id,
                    )
                )
            ).first()
            if row is None or row[2] is None:
                return None
            conversation = await session.get_one(Conversation, row[2])
            return conversation_ref(row[0], conversation)

    async def direct(self, user: UserRef) -> ConversationRef:
        """The member's DM, opened through the platform once and remembered. Raises DeliveryError (from the
        adapter) when the platform cannot open it."""
        stored = await self.stored(user)
        if stored is not None:
            return stored
        direct = await self._notifier.open_direct(user)
        now = self._clock.now()
        async with self._sessions() as session:
            tenant = await self._directory.find_tenant(session, user.platform, user.tenant)
            member = await self._directory.find_member(session, tenant, user) if tenant else None
            if tenant is None or member is None:
                # First contact: the core creates the member with their profile on this very turn; the DM is
                # remembered on the next send instead of creating a member without locale and time zone here.
                return direct
            await remember_direct(session, self._directory, tenant, member.id, direct, now)
            await session.commit()
        return direct
