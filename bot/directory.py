"""Who and where: find or create the tenant, member and conversation behind every inbound event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import FALLBACK_LANGUAGE, SUPPORTED_LANGUAGES, normalize_language
from bot.commands.spec import Role
from bot.db.models import Conversation, Member, Tenant
from bot.db.upsert import insert_ignore
from bot.model import ConversationKind, ConversationRef, Profile, UserRef
from bot.privacy.rows import a_person
from bot.roles.access import PLATFORM, platform_role

NAME_LENGTH = 200


@dataclass(frozen=True)
class TenantDefaults:
    language: str = FALLBACK_LANGUAGE
    timezone: str = "Europe/Copenhagen"


def valid_timezone(name: str | None) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def member_language(member: Member) -> str:
    return member.language or member.tenant.language or FALLBACK_LANGUAGE


def member_timezone(member: Member) -> ZoneInfo:
    return ZoneInfo(member.timezone or member.tenant.timezone)


class Directory:
    def __init__(self, defaults: TenantDefaults) -> None:
        self._defaults = defaults

    @property
    def default_language(self) -> str:
        return self._defaults.language

    async def find_tenant(self, session: AsyncSession, platform: str, external_id: str) -> Tenant | None:
        return await session.scalar(
            select(Tenant).where(Tenant.platform == platform, Tenant.external_id == external_id)
        )

    async def tenant(self, session: AsyncSession, platform: str, external_id: str, now: datetime) -> Tenant:
        """The tenant, created with the defaults on first sight."""
        tenant = await self.find_tenant(session, platform, external_id)
        if tenant is None:
            await insert_ignore(
                session,
                Tenant,
                {
                    "platform": platform,
                    "external_id": external_id,
                    "language": self._defaults.language,
                    "timezone": self._defaults.timezone,
                    "created_at": now,
                },
                ["platform", "external_id"],
            )
            tenant = await self.find_tenant(session, platform, external_id)
            assert tenant is not None
        return tenant

    async def find_member(self, session: AsyncSession, tenant: Tenant, user: UserRef) -> Member | None:
        return await session.scalar(
            select(Member).where(Member.tenant_id == tenant.id, Member.platform_user_id == user.id)
        )

    async def member(
        self, session: AsyncSession, tenant: Tenant, user: UserRef, profile: Profile | None, now: datetime
    ) -> tuple[Member, bool]:
        """The member for `user`, created from `profile` on first contact. Returns (member, created)."""
        member = await self.find_member(session, tenant, user)
        if member is not None:
            if user.name and not member.display_name:
                member.display_name = _fit(user.name)
            return member, False
        profile = profile or Profile()
        language = normalize_language(profile.locale)
        await insert_ignore(
            session,
            Member,
            {
                "tenant_id": tenant.id,
                "platform_user_id": user.id,
                "display_name": _fit(profile.display_name or user.name),
                "language": language if language in SUPPORTED_LANGUAGES else None,
                "timezone": valid_timezone(profile.timezone),
                "role": (platform_role(profile) or Role.MEMBER).stored,
                "role_source": PLATFORM if platform_role(profile) else None,
                "created_at": now,
            },
            ["tenant_id", "platform_user_id"],
        )
        member = await self.find_member(session, tenant, user)
        assert member is not None
        return member, True

    async def find_by_name(self, session: AsyncSession, tenant: Tenant, name: str) -> Member | None:
        """A member of `tenant` by display name or platform id, ignoring case (`@bo` in the terminal)."""
        folded = name.strip().casefold()
        if not folded:
            return None
        members = await session.scalars(
            select(Member).where(Member.tenant_id == tenant.id, a_person()).order_by(Member.id)
        )
        return next(
            (
                member
                for member in members
                if folded in ((member.display_name or "").casefold(), member.platform_user_id.casefold())
            ),
            None,
        )

    def fill_gaps(self, member: Member, hint: Profile) -> None:
        """Take language and time zone from a platform hint where the member has none (never overriding a choice)."""
        if member.language is None:
            member.language = normalize_language(hint.locale)
        if member.timezone is None:
            member.timezone = valid_timezone(hint.timezone)

    async def conversation(
        self, session: AsyncSession, tenant: Tenant, ref: ConversationRef, now: datetime
    ) -> Conversation:
        query = select(Conversation).where(
            Conversation.tenant_id == tenant.id, Conversation.platform_conversation_id == ref.id
        )
        conversation = await session.scalar(query)
        if conversation is None:
            await insert_ignore(
                session,
                Conversation,
                {
                    "tenant_id": tenant.id,
                    "platform_conversation_id": ref.id,
                    "kind": ref.kind.value,
                    "name": _fit(ref.name),
                    "reference": ref.raw,
                    "created_at": now,
                },
                ["tenant_id", "platform_conversation_id"],
            )
            conversation = (await session.scalars(query)).one()
        elif ref.raw and ref.raw != conversation.reference:
            # Platforms refresh references (Teams serviceUrl moves); the newest one is the one that works.
            conversation.reference = ref.raw
        if ref.name and conversation.name != _fit(ref.name):
            conversation.name = _fit(ref.name)
        return conversation


def _fit(name: str | None) -> str | None:
    """Names as the name columns hold them (200 characters; Teams allows 256, PostgreSQL refuses longer)."""
    return name[:NAME_LENGTH] if name else name


def conversation_ref(tenant: Tenant, conversation: Conversation) -> ConversationRef:
    """Rebuild the neutral reference of a stored conversation, for proactive sends."""
    return ConversationRef(
        platform=tenant.platform,
        tenant=tenant.external_id,
        id=conversation.platform_conversation_id,
        kind=ConversationKind(conversation.kind),
        name=conversation.name,
        raw=dict(conversation.reference or {}),
    )
