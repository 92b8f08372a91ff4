"""Conversation membership: who is in which conversation, and how to reach each member 1:1.

Platforms report rosters (a Teams team's members, people joining or leaving a channel); adapters hand them here
as neutral values. Proactive features (nudges, check-ins) ask which members a conversation has and reach each of
them through their direct conversation, created through the adapter when none is stored yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog import Catalog
from bot.clock import Clock
from bot.db.models import Conversation, ConversationMember, Member, Tenant
from bot.db.upsert import insert_ignore
from bot.directory import Directory, member_language, valid_timezone
from bot.model import (
    Context,
    ConversationKind,
    ConversationRef,
    OutboundMessage,
    Profile,
    RosterEntry,
    Text,
    UserRef,
)

__all__ = ["Membership", "RosterEntry", "record_member", "user_ref"]
from bot.people.reach import Reach
from bot.ports import Notifier
from bot.roles.access import apply_platform_role


def user_ref(tenant: Tenant, member: Member) -> UserRef:
    return UserRef(tenant.platform, tenant.external_id, member.platform_user_id, member.display_name)


async def record_member(session: AsyncSession, conversation: Conversation, member: Member, now: datetime) -> None:
    """Remember that `member` is in `conversation`; the core calls this whenever a member talks in a channel."""
    if conversation.kind == ConversationKind.DIRECT.value:
        return  # 1:1 chats are linked deliberately, by Membership.record_direct
    await _link(session, conversation, member, now)


class Membership:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        directory: Directory,
        catalog: Catalog,
        clock: Clock,
        notifier: Notifier,
        reach: Reach,
    ) -> None:
        self._reach = reach
        self._sessions = sessions
        self._directory = directory
        self._catalog = catalog
        self._clock = clock
        self._notifier = notifier

    async def record(self, conversation: ConversationRef, entries: Sequence[RosterEntry]) -> int:
        """Remember these members as members of `conversation` (and the conversation's reference).

        Members the platform marks as managers (team owners) or admins (the installer) get that role; nobody is
        demoted here, because a roster that omits the role says nothing about it. Returns how many were recorded.
        """
        now = self._clock.now()
        async with self._sessions() as session:
            tenant = await self._directory.tenant(session, conversation.platform, conversation.tenant, now)
            stored = await self._directory.conversation(session, tenant, conversation, now)
            for entry in entries:
                member, _ = await self._directory.member(session, tenant, entry.user, entry.profile, now)
                if entry.profile is not None:
                    apply_platform_role(member, entry.profile, authoritative=False)
                await _link(session, stored, member, now)
            await session.commit()
        return len(entries)

    async def refresh_profile(self, user: UserRef, profile: Profile) -> bool:
        """The platform says `user`'s profile changed (Slack `user_change`): take their name, time zone (so their
        next prompts follow it) and the role the platform gives them, demotion included for a role that came from
        the platform (a role granted in learnbot stays). A language the member chose stays. Members learnbot never
        met are ignored. Returns whether the member is known."""
        async with self._sessions() as session:
            tenant = await self._directory.find_tenant(session, user.platform, user.tenant)
            member = await self._directory.find_member(session, tenant, user) if tenant is not None else None
            if member is None:
                return False
            member.display_name = profile.display_name or member.display_name
            member.timezone = valid_timezone(profile.timezone) or member.timezone
            apply_platform_role(member, profile, authoritative=profile.states_roles)
            if member.language is None:
                self._directory.fill_gaps(member, profile)
            await session.commit()
        return True

    async def record_members(self, conversation: ConversationRef, users: Iterable[UserRef]) -> int:
        """Record `users` (without profiles) as members of `conversation`. Returns how many."""
        return await self.record(conversation, [RosterEntry(user) for user in users])

    async def remove(self, conversation: ConversationRef, users: Sequence[UserRef]) -> None:
        """These members left `conversation`; the member records stay (their learnings are the team's)."""
        async with self._sessions() as session:
            stored = await _find_conversation(session, conversation)
            if stored is None:
                return
            ids = [user.id for user in users]
            members = select(Member.id).where(Member.tenant_id == stored.tenant_id, Member.platform_user_id.in_(ids))
            await session.execute(
                delete(ConversationMember).where(
                    ConversationMember.conversation_id == stored.id, ConversationMember.member_id.in_(members)
                )
            )
            await session.commit()

    async def forget(self, conversation: ConversationRef) -> None:
        """The bot was removed from `conversation`: nobody there can be reached through it any more."""
        async with self._sessions() as session:
            stored = await _find_conversation(session, conversation)
            if stored is not None:
                await session.execute(delete(ConversationMember).where(ConversationMember.conversation_id == stored.id))
                await session.commit()

    async def members(self, conversation: ConversationRef) -> list[UserRef]:
        """The members recorded for `conversation`, in the order they were first recorded."""
        async with self._sessions() as session:
            stored = await _find_conversation(session, conversation)
            if stored is None:
                return []
            rows = await session.scalars(
                select(Member)
                .join(ConversationMember, ConversationMember.member_id == Member.id)
                .where(ConversationMember.conversation_id == stored.id)
                .order_by(ConversationMember.seen_at, Member.id)
            )
            return [user_ref(member.tenant, member) for member in rows]

    async def direct_conversation(self, user: UserRef) -> ConversationRef | None:
        """The stored 1:1 conversation of `user`, if the platform gave us one."""
        return await self._reach.stored(user)

    async def record_direct(self, user: UserRef, direct: ConversationRef, profile: Profile | None = None) -> None:
        """Remember `direct` as the 1:1 conversation of `user` (with its platform reference)."""
        await self.record(direct, [RosterEntry(user, profile)])

    async def reach(self, user: UserRef) -> ConversationRef:
        """The 1:1 conversation to send `user` something proactively, opened and stored when there is none.

        Raises DeliveryError (from the adapter) when the platform cannot open it.
        """
        return await self._reach.direct(user)

    async def welcome(self, user: UserRef, where: ConversationRef, profile: Profile | None) -> OutboundMessage:
        """The greeting when the bot is added to `where`, in the language of `user` (who added it, or the member
        of a 1:1 chat). Records the member on the way, so their locale is remembered."""
        now = self._clock.now()
        async with self._sessions() as session:
            tenant = await self._directory.tenant(session, user.platform, user.tenant, now)
            member, _ = await self._directory.member(session, tenant, user, profile, now)
            stored = await self._directory.conversation(session, tenant, where, now)
            if where.kind is ConversationKind.DIRECT:
                await _link(session, stored, member, now)
            language = member_language(member)
            await session.commit()
        t = self._catalog.translator(language)
        key = "membership.welcome_direct" if where.kind is ConversationKind.DIRECT else "membership.welcome_channel"
        text = t(key)
        return OutboundMessage(text=text, blocks=(Text(text), Context(t("membership.welcome_hint"))))


async def _find_conversation(session: AsyncSession, conversation: ConversationRef) -> Conversation | None:
    return await session.scalar(
        select(Conversation)
        .join(Tenant, Tenant.id == Conversation.tenant_id)
        .where(
            Tenant.platform == conversation.platform,
            Tenant.external_id == conversation.tenant,
            Conversation.platform_conversation_id == conversation.id,
        )
    )


async def _link(session: AsyncSession, conversation: Conversation, member: Member, now: datetime) -> None:
    await insert_ignore(
        session,
        ConversationMember,
        {"conversation_id": conversation.id, "member_id": member.id, "seen_at": now},
        ["conversation_id", "member_id"],
    )
