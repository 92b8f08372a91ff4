"""Who a schedule asks, with the facts the skip rules need: its channel, its owner, or each member of its channel."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import Conversation, ConversationMember, Member, Tenant
from bot.model import ConversationKind
from bot.nudges.skip_rules import Recipient
from bot.nudges.tables import NudgePreference, NudgeSchedule, NudgeTeamSetting


@dataclass(frozen=True)
class Target:
    member_id: int | None  # None: the schedule's channel itself
    recipient: Recipient
    direct_conversation_id: int | None


async def team_country(session: AsyncSession, tenant_id: int) -> str | None:
    setting = await session.get(NudgeTeamSetting, tenant_id)
    return setting.country if setting else None


async def preferences(session: AsyncSession, member_ids: list[int]) -> dict[int, NudgePreference]:
    if not member_ids:
        return {}
    rows = await session.scalars(select(NudgePreference).where(NudgePreference.member_id.in_(member_ids)))
    return {row.member_id: row for row in rows}


def member_zone(member: Member, tenant: Tenant) -> str:
    return member.timezone or tenant.timezone


async def schedule_targets(session: AsyncSession, schedule: NudgeSchedule, tenant: Tenant) -> list[Target]:
    """Who a schedule asks: its channel, its owner, or each member of its channel, with their skip-rule facts."""
    country = await team_country(session, tenant.id)
    if schedule.target == "channel":
        return [Target(None, Recipient(tenant.timezone, country), None)]
    # A 1:1 chat the platform already gave us (e.g. Teams opens one for every roster member at install).
    link = aliased(ConversationMember)
    known_direct = (
        select(link.conversation_id)
        .join(Conversation, Conversation.id == link.conversation_id)
        .where(link.member_id == Member.id, Conversation.kind == ConversationKind.DIRECT.value)
        .order_by(link.conversation_id.desc())
        .limit(1)
        .scalar_subquery()
    )
    # Plain columns, not ORM objects: a channel can have thousands of members.
    query = select(
        Member.id,
        Member.timezone,
        NudgePreference.country,
        NudgePreference.opted_out,
        NudgePreference.paused,
        NudgePreference.paused_until,
        func.coalesce(NudgePreference.direct_conversation_id, known_direct),
    ).outerjoin(NudgePreference, NudgePreference.member_id == Member.id)
    if schedule.target == "owner":
        query = query.where(Member.id == schedule.owner_member_id)
    else:
        query = query.join(ConversationMember, ConversationMember.member_id == Member.id).where(
            ConversationMember.conversation_id == schedule.conversation_id
        )
    targets = []
    for member_id, zone, own_country, opted_out, paused, until, direct in (await session.execute(query)).all():
        recipient = Recipient(zone or tenant.timezone, own_country or country, bool(opted_out), bool(paused), until)
        targets.append(Target(member_id, recipient, direct))
    return targets


async def schedule_zones(session: AsyncSession, schedule: NudgeSchedule, tenant: Tenant) -> set[str]:
    targets = await schedule_targets(session, schedule, tenant)
    return {target.recipient.zone for target in targets} or {tenant.timezone}
