"""What a claimed delivery becomes: a recipient and a neutral message in the recipient's language."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CTE, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.catalog import Catalog, Translator
from bot.db.models import Conversation, Learning, Member, Tenant
from bot.model import ConversationKind, ConversationRef, OutboundMessage, UserRef
from bot.nudges import messages
from bot.nudges.tables import NudgeAnswer, NudgeDelivery, NudgeRun

# Rows turned into messages between two turns of the event loop.
_YIELD_EVERY = 25


@dataclass(frozen=True)
class Outgoing:
    delivery_id: int
    platform: str
    tenant_id: int
    member_id: int | None
    conversation: ConversationRef | None  # None: open the member's DM first
    user: UserRef | None
    message: OutboundMessage
    attempts: int
    kind: str = "prompt"  # prompt | reminder | resurface | summary
    due_at: datetime | None = None


async def load_outgoing(session: AsyncSession, catalog: Catalog, ids: list[int] | CTE) -> list[Outgoing]:
    """Recipients and messages of the claimed deliveries `ids` (a list, or a CTE returning their `id`). Plain
    columns, not ORM objects: this runs for every batch of a large fan-out and must stay cheap next to the sends."""
    parent = aliased(NudgeDelivery)
    query = (
        select(
            NudgeDelivery.id,
            NudgeDelivery.kind,
            NudgeDelivery.attempts,
            NudgeDelivery.member_id,
            NudgeDelivery.run_id,
            Tenant.id,
            Tenant.platform,
            Tenant.external_id,
            Tenant.language,
            Member.platform_user_id,
            Member.display_name,
            Member.language,
            Conversation.platform_conversation_id,
            Conversation.kind,
            Conversation.name,
            Conversation.reference,
            NudgeRun.prompt_set,
            NudgeRun.topic,
            Learning.text,
            parent.id,
            NudgeDelivery.due_at,
        )
        .join(Tenant, Tenant.id == NudgeDelivery.tenant_id)
        .outerjoin(NudgeRun, NudgeRun.id == NudgeDelivery.run_id)
        .outerjoin(Member, Member.id == NudgeDelivery.member_id)
        .outerjoin(Conversation, Conversation.id == NudgeDelivery.conversation_id)
        .outerjoin(Learning, Learning.id == NudgeDelivery.learning_id)
        .outerjoin(parent, parent.id == NudgeDelivery.parent_id)
        .where(NudgeDelivery.id.in_(ids if isinstance(ids, list) else select(ids.c.id)))
        .order_by(NudgeDelivery.id)
    )
    outgoing = []
    # A fan-out asks the same question of many: one translator per language, one prompt per (set, language, topic).
    translators: dict[str, Translator] = {}
    prompts: dict[tuple[str, str, str | None, bool], messages.PromptTemplate] = {}
    rows: list[Any] = list((await session.execute(query)).all())
    for number, row in enumerate(rows, 1):
        if number % _YIELD_EVERY == 0:
            await asyncio.sleep(0)  # let sends in flight finish on time: never hold the event loop for long
        (delivery_id, kind, attempts, member_id, run_id, tenant_id, platform, tenant_external, tenant_language) = row[
            :9
        ]
        (user_id, display_name, member_language, conversation_id, conversation_kind) = row[9:14]
        (conversation_name, reference, prompt_set, topic, learning, reminded, due_at) = row[14:]
        language = member_language or tenant_language
        t = translators.get(language) or translators.setdefault(language, catalog.translator(language))
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
        if kind == "resurface":
            message = messages.resurface_message(t, learning or "", delivery_id)
        elif kind == "reminder":
            message = messages.reminder_message(t, prompt_set, reminded or delivery_id)
        elif kind == "summary":
            message = await _summary(session, t, run_id, prompt_set)
        else:
            in_channel = where is not None and where.kind is not ConversationKind.DIRECT
            key = (prompt_set, language, topic, in_channel)
            template = prompts.get(key)
            if template is None:
                template = prompts[key] = messages.prompt_template(t, prompt_set, topic=topic, in_channel=in_channel)
            message = template.message(delivery_id)
        user = UserRef(platform, tenant_external, user_id, display_name) if member_id is not None else None
        outgoing.append(
            Outgoing(delivery_id, platform, tenant_id, member_id, where, user, message, attempts, kind, due_at)
        )
    return outgoing


async def _summary(session: AsyncSession, t: Translator, run_id: int, prompt_set: str) -> OutboundMessage:
    prompts = select(NudgeDelivery.id).where(NudgeDelivery.run_id == run_id, NudgeDelivery.kind == "prompt")
    asked = await session.scalar(
        select(func.count()).select_from(NudgeDelivery).where(NudgeDelivery.id.in_(prompts.scalar_subquery()))
    )
    member_prompts = await session.scalar(
        select(func.count())
        .select_from(NudgeDelivery)
        .where(NudgeDelivery.run_id == run_id, NudgeDelivery.kind == "prompt", NudgeDelivery.member_id.is_not(None))
    )
    answers = (
        await session.execute(
            select(Member.display_name, NudgeAnswer.text)
            .join(Member, Member.id == NudgeAnswer.member_id)
            .where(NudgeAnswer.delivery_id.in_(prompts.scalar_subquery()))
            .order_by(NudgeAnswer.created_at)
        )
    ).all()
    channel_post = await session.scalar(
        select(NudgeDelivery.sent_message_id).where(
            NudgeDelivery.run_id == run_id, NudgeDelivery.kind == "prompt", NudgeDelivery.member_id.is_(None)
        )
    )
    # A channel post is asked of the whole channel: count answerers, not posts.
    total = member_prompts or len(answers) or asked or 0
    pairs = [(name or t("learnings.someone"), text) for name, text in answers]
    return messages.summary_message(t, prompt_set, total, pairs, channel_post)
