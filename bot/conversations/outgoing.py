"""What a claimed delivery becomes: a recipient, a neutral message in the recipient's language from its kind,
and whether the recipient is away right now (paused or opted out: then nothing is sent)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import CTE, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import Catalog, Translator
from bot.conversations.kinds import Invitation, Kinds, RoundView
from bot.conversations.responses import load_responses, view_of
from bot.conversations.tables import Delivery, Round, Series
from bot.db.models import Conversation, Member, Tenant
from bot.model import ConversationKind, ConversationRef, OutboundMessage, UserRef
from bot.people.availability import Recipient, away_reason
from bot.people.tables import MemberSettings

# Longest stretch of message building between two turns of the event loop: sends in flight finish meanwhile.
_YIELD_AFTER = 0.0002  # seconds


@dataclass(frozen=True)
class Outgoing:
    delivery_id: int
    platform: str
    tenant_id: int
    tenant_external_id: str
    member_id: int | None
    conversation: ConversationRef | None  # None: open the member's DM first
    user: UserRef | None
    message: OutboundMessage | None  # None: not sent (see `away`)
    attempts: int
    away: str | None = None  # why the member is not to be reached now (paused, opted_out)
    kind: str = ""  # what it is, for the metrics: "<the round's kind>.<the delivery's purpose>"
    due_at: datetime | None = None


async def load_outgoing(
    session: AsyncSession, catalog: Catalog, kinds: Kinds, ids: list[int] | CTE, now: datetime
) -> list[Outgoing]:
    """Recipients and messages of the claimed deliveries `ids` (a list, or a CTE returning their `id`). Plain
    columns, not ORM objects: this runs for every batch of a large fan-out and must stay cheap next to the sends."""
    query = (
        select(
            Delivery.id,
            Delivery.purpose,
            Delivery.attempts,
            Delivery.member_id,
            Delivery.round_id,
            Delivery.parent_id,
            Tenant.id,
            Tenant.platform,
            Tenant.external_id,
            Tenant.language,
            Tenant.timezone,
            Member.platform_user_id,
            Member.display_name,
            Member.language,
            Member.timezone,
            MemberSettings.opted_out,
            MemberSettings.paused,
            MemberSettings.paused_until,
            Conversation.platform_conversation_id,
            Conversation.kind,
            Conversation.name,
            Conversation.reference,
            Delivery.due_at,
        )
        .join(Tenant, Tenant.id == Delivery.tenant_id)
        .outerjoin(Member, Member.id == Delivery.member_id)
        .outerjoin(MemberSettings, MemberSettings.member_id == Delivery.member_id)
        .outerjoin(Conversation, Conversation.id == Delivery.conversation_id)
        .where(Delivery.id.in_(ids if isinstance(ids, list) else select(ids.c.id)))
        .order_by(Delivery.id)
    )
    rows: list[Any] = list((await session.execute(query)).all())
    rounds = await _rounds(session, {row[4] for row in rows})
    outgoing = []
    # A fan-out asks the same question of many: one translator per language, one invitation per round and language.
    translators: dict[str, Translator] = {}
    invitations: dict[tuple[int, str, bool], Invitation] = {}
    turn = time.perf_counter()
    for row in rows:
        if time.perf_counter() - turn > _YIELD_AFTER:
            await asyncio.sleep(0)  # let sends in flight finish on time: never hold the event loop for long
            turn = time.perf_counter()
        (delivery_id, purpose, attempts, member_id, round_id, parent_id) = row[:6]
        (tenant_id, platform, tenant_external, tenant_language, tenant_zone) = row[6:11]
        (user_id, display_name, member_language, member_zone, opted_out, paused, until) = row[11:18]
        (conversation_id, conversation_kind, conversation_name, reference, due_at) = row[18:]
        round, view = rounds[round_id]
        label = f"{view.kind}.{purpose}"
        user = UserRef(platform, tenant_external, user_id, display_name) if member_id is not None else None
        where = None
        if conversation_id is not None:
            where = ConversationRef(
                platform,
                tenant_external,
                conversation_id,
                ConversationKind(conversation_kind),
                conversation_name,
                dict(reference or {}),
            )
        away = None
        if member_id is not None:
            recipient = Recipient(member_zone or tenant_zone, None, bool(opted_out), bool(paused), until)
            away = away_reason(recipient, now)
        message: OutboundMessage | None = None
        if not away:
            language = member_language or tenant_language
            t = translators.get(language) or translators.setdefault(language, catalog.translator(language))
            kind = kinds.get(view.kind)
            if purpose == "reminder":
                message = kind.reminder(t, view, parent_id or delivery_id)
            elif purpose == "summary":
                message = await _summary(session, t, kinds, round, view)
            else:
                in_channel = where is not None and where.kind is not ConversationKind.DIRECT
                key = (round_id, language, in_channel)
                invitation = invitations.get(key)
                if invitation is None:
                    invitation = invitations[key] = await kind.invitation(session, t, view, in_channel=in_channel)
                message = invitation(delivery_id)
            if message is None:
                away = "nothing to say"
            elif message.language is None:
                message = replace(message, language=t.language)
        outgoing.append(
            Outgoing(
                delivery_id,
                platform,
                tenant_id,
                tenant_external,
                member_id,
                where,
                user,
                message,
                attempts,
                away,
                label,
                due_at,
            )
        )
    return outgoing


async def _rounds(session: AsyncSession, ids: set[int]) -> dict[int, tuple[Round, RoundView]]:
    rows = await session.execute(
        select(Round, Series.settings).outerjoin(Series, Series.id == Round.series_id).where(Round.id.in_(ids))
    )
    views = {}
    for round, settings in rows:
        views[round.id] = (round, view_of(round, settings))
    return views


async def _summary(
    session: AsyncSession, t: Translator, kinds: Kinds, round: Round, view: RoundView
) -> OutboundMessage | None:
    invitations = (
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.round_id == round.id, Delivery.purpose == "invitation")
    )
    asked_all = await session.scalar(invitations) or 0
    asked_members = await session.scalar(invitations.where(Delivery.member_id.is_not(None))) or 0
    responses = await load_responses(session, round)
    channel_post = await session.scalar(
        select(Delivery.sent_message_id).where(
            Delivery.round_id == round.id, Delivery.purpose == "invitation", Delivery.member_id.is_(None)
        )
    )
    # A channel post is asked of the whole channel: count answerers, not posts.
    asked = asked_members or len(responses) or asked_all
    message = await kinds.get(view.kind).summary(session, t, view, responses, asked)
    if message is None:
        return None
    return replace(message, thread_id=message.thread_id or channel_post)
