"""Who a round asks: a channel post, every member of a conversation by DM, one member, a pair, an explicit list.

Each target comes with the facts the availability rules need (time zone, holidays country, pause, opt-out) and
the DM conversation if one is known, read in one query however large the channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ConversationMember, Member, Tenant
from bot.people.availability import Recipient, team_country
from bot.people.reach import direct_conversation_column
from bot.people.tables import MemberSettings

AUDIENCES = ("channel", "members", "member", "pair", "list")


@dataclass(frozen=True)
class Audience:
    kind: str
    conversation_id: int | None = None
    member_ids: tuple[int, ...] = ()

    @classmethod
    def channel(cls, conversation_id: int) -> Audience:
        return cls("channel", conversation_id)

    @classmethod
    def members_of(cls, conversation_id: int) -> Audience:
        return cls("members", conversation_id)

    @classmethod
    def member(cls, member_id: int) -> Audience:
        return cls("member", member_ids=(member_id,))

    @classmethod
    def pair(cls, first: int, second: int) -> Audience:
        return cls("pair", member_ids=(first, second))

    @classmethod
    def listed(cls, member_ids: tuple[int, ...]) -> Audience:
        return cls("list", member_ids=member_ids)


@dataclass(frozen=True)
class Target:
    member_id: int | None  # None: the conversation itself (a channel post)
    recipient: Recipient
    direct_conversation_id: int | None


def _facts() -> Any:
    # Plain columns, not ORM objects: a channel can have thousands of members.
    return select(
        Member.id,
        Member.timezone,
        MemberSettings.country,
        MemberSettings.opted_out,
        MemberSettings.paused,
        MemberSettings.paused_until,
        direct_conversation_column(),
    ).outerjoin(MemberSettings, MemberSettings.member_id == Member.id)


def _roster(conversation_ids: list[int]) -> Any:
    """`_facts()` of the members of these conversations, each row ending with its conversation's id."""
    return (
        _facts()
        .add_columns(ConversationMember.conversation_id)
        .join(ConversationMember, ConversationMember.member_id == Member.id)
        .where(ConversationMember.conversation_id.in_(conversation_ids))
    )


def _target(row: Any, tenant: Tenant, country: str | None) -> Target:
    member_id, zone, own_country, opted_out, paused, until, direct = row
    recipient = Recipient(zone or tenant.timezone, own_country or country, bool(opted_out), bool(paused), until)
    return Target(member_id, recipient, direct)


async def resolve(session: AsyncSession, audience: Audience, tenant: Tenant) -> list[Target]:
    """The targets of `audience` in `tenant`, with their availability facts."""
    country = await team_country(session, tenant.id)
    if audience.kind == "channel":
        return [Target(None, Recipient(tenant.timezone, country), None)]
    if audience.kind == "members":
        rows = [row[:-1] for row in await session.execute(_roster([audience.conversation_id or 0]))]
    else:
        query = _facts().where(Member.id.in_(audience.member_ids), Member.tenant_id == tenant.id)
        rows = list((await session.execute(query)).all())
    targets = [_target(row, tenant, country) for row in rows]
    order = {member_id: number for number, member_id in enumerate(audience.member_ids)}
    targets.sort(key=lambda target: order.get(target.member_id or 0, 0))
    return targets


async def resolve_many(
    session: AsyncSession, audiences: list[Audience], tenants: dict[int, Tenant], tenant_ids: list[int]
) -> list[list[Target]]:
    """`resolve` for many audiences at once (a batch of due series): named members in one query for all of them,
    so ten thousand personal series cost one round trip, not ten thousand, and channels' members in another."""
    countries = {tenant_id: await team_country(session, tenant_id) for tenant_id in set(tenant_ids)}
    named = {
        member_id
        for audience in audiences
        if audience.kind in ("member", "pair", "list")
        for member_id in audience.member_ids
    }
    facts: dict[int, Any] = {}
    ids = sorted(named)
    for start in range(0, len(ids), 5_000):
        rows = await session.execute(_facts().where(Member.id.in_(ids[start : start + 5_000])))
        facts.update({row[0]: row for row in rows})
    # Every channel's members in one query too: a hundred workspaces due at once wait for it before their first send.
    channels = sorted({a.conversation_id for a in audiences if a.kind == "members" and a.conversation_id is not None})
    rosters: dict[int, list[Any]] = {channel: [] for channel in channels}
    for start in range(0, len(channels), 500):
        for row in await session.execute(_roster(channels[start : start + 500])):
            rosters[row[-1]].append(row[:-1])
    resolved = []
    for audience, tenant_id in zip(audiences, tenant_ids, strict=True):
        tenant, country = tenants[tenant_id], countries[tenant_id]
        if audience.kind in ("member", "pair", "list"):
            resolved.append([_target(facts[m], tenant, country) for m in audience.member_ids if m in facts])
        elif audience.kind == "members" and audience.conversation_id is not None:
            resolved.append([_target(row, tenant, country) for row in rosters[audience.conversation_id]])
        else:
            resolved.append(await resolve(session, audience, tenant))
    return resolved
