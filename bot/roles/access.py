"""Who holds a role, how platform hints set roles, and refusals that name who can help."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.spec import Role
from bot.db.models import Member, Tenant
from bot.model import OutboundMessage, Profile, Text
from bot.privacy.rows import a_person
from bot.turn import Turn

PLATFORM = "platform"
GRANTED = "granted"
NAMES_SHOWN = 5


def platform_role(profile: Profile) -> Role | None:
    if profile.is_admin:
        return Role.ADMIN
    if profile.is_manager:
        return Role.MANAGER
    return None


def apply_platform_role(member: Member, profile: Profile, *, authoritative: bool) -> None:
    """Raise a member to the role the platform gives them. When the platform's answer is `authoritative` (a
    fresh profile that states roles, like Slack's users.info), a role that came from the platform follows it
    down too; a granted role is only ever changed by `role grant|revoke`."""
    given = platform_role(profile)
    current = Role.of(member.role)
    if given is not None and given > current:
        member.role, member.role_source = given.stored, PLATFORM
    elif authoritative and member.role_source == PLATFORM and (given or Role.MEMBER) < current:
        member.role = (given or Role.MEMBER).stored
        member.role_source = PLATFORM if given is not None else None


def set_role(member: Member, role: Role) -> None:
    member.role = role.stored
    member.role_source = GRANTED if role > Role.MEMBER else None


async def holders(session: AsyncSession, tenant: Tenant, at_least: Role) -> list[Member]:
    roles = [role.stored for role in Role if role >= at_least]
    return list(
        await session.scalars(
            select(Member)
            .where(Member.tenant_id == tenant.id, Member.role.in_(roles), a_person())
            .order_by(func.coalesce(Member.display_name, Member.platform_user_id))
        )
    )


def display(member: Member) -> str:
    return member.display_name or member.platform_user_id


async def refusal(turn: Turn, needed: Role, what: str) -> list[OutboundMessage]:
    """`what` is not for the turn's member: say which role it takes and who has it."""
    people = [display(member) for member in await holders(turn.session, turn.tenant, needed)]
    text = turn.t(f"roles.needs_{needed.stored}", command=what)
    if people:
        shown = ", ".join(people[:NAMES_SHOWN]) + (" …" if len(people) > NAMES_SHOWN else "")
        text += " " + turn.t("roles.ask", names=shown)
    else:
        text += " " + turn.t("roles.nobody")
    return [OutboundMessage(text=text, blocks=(Text(text),), private=True)]


async def first_member_becomes_admin(session: AsyncSession, member: Member) -> None:
    """Where a platform has no roles of its own (the terminal), the team's first member is its admin."""
    others = await session.scalar(
        select(func.count()).where(Member.tenant_id == member.tenant_id, Member.role == Role.ADMIN.stored)
    )
    if not others:
        set_role(member, Role.ADMIN)
