"""What a claimed delivery becomes: a recipient and a neutral message in the recipient's language."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.catalog import Catalog, Translator
from bot.db.models import Conversation, Learning, Member, Tenant
from bot.directory import conversation_ref
from bot.model import ConversationKind, ConversationRef, OutboundMessage, UserRef
from bot.nudges import messages
from bot.nudges.tables import NudgeAnswer, NudgeDelivery, NudgeRun


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


def member_user(tenant: Tenant, member: Member) -> UserRef:
    return UserRef(tenant.platform, tenant.external_id, member.platform_user_id, member.display_name)


async def load_outgoing(session: AsyncSession, catalog: Catalog, ids: list[int]) -> list[Outgoing]:
    parent = aliased(NudgeDelivery)
    query = (
        select(NudgeDelivery, NudgeRun, Tenant, Member, Conversation, Learning, parent)
        .join(Tenant, Tenant.id == NudgeDelivery.tenant_id)
        .outerjoin(NudgeRun, NudgeRun.id == NudgeDelivery.run_id)
        .outerjoin(Member, Member.id == NudgeDelivery.member_id)
        .outerjoin(Conversation, Conversation.id == NudgeDelivery.conversation_id)
        .outerjoin(Learning, Learning.id == NudgeDelivery.learning_id)
        .outerjoin(parent, parent.id == NudgeDelivery.parent_id)
        .where(NudgeDelivery.id.in_(ids))
        .order_by(NudgeDelivery.id)
    )
    outgoing = []
    for delivery, run, tenant, member, conversation, learning, reminded in (await session.execute(query)).all():
        language = (member.language if member else None) or tenant.language
        t = catalog.translator(language)
        where = conversation_ref(tenant, conversation) if conversation is not None else None
        message = await _message(session, t, delivery, run, learning, reminded, where)
        outgoing.append(
            Outgoing(
                delivery_id=delivery.id,
                platform=tenant.platform,
                tenant_id=tenant.id,
                member_id=delivery.member_id,
                conversation=where,
                user=member_user(tenant, member) if member else None,
                message=message,
                attempts=delivery.attempts,
            )
        )
    return outgoing


async def _message(
    session: AsyncSession,
    t: Translator,
    delivery: NudgeDelivery,
    run: NudgeRun | None,
    learning: Learning | None,
    reminded: NudgeDelivery | None,
    where: ConversationRef | None,
) -> OutboundMessage:
    if delivery.kind == "resurface":
        return messages.resurface_message(t, learning.text if learning else "", delivery.id)
    assert run is not None, f"delivery {delivery.id} of kind {delivery.kind} has no run"
    if delivery.kind == "reminder":
        return messages.reminder_message(t, run.prompt_set, reminded.id if reminded else delivery.id)
    if delivery.kind == "summary":
        return await _summary(session, t, run)
    in_channel = where is not None and where.kind is not ConversationKind.DIRECT
    return messages.prompt_message(t, run.prompt_set, delivery.id, topic=run.topic, in_channel=in_channel)


async def _summary(session: AsyncSession, t: Translator, run: NudgeRun) -> OutboundMessage:
    prompts = select(NudgeDelivery.id).where(NudgeDelivery.run_id == run.id, NudgeDelivery.kind == "prompt")
    asked = await session.scalar(
        select(func.count()).select_from(NudgeDelivery).where(NudgeDelivery.id.in_(prompts.scalar_subquery()))
    )
    member_prompts = await session.scalar(
        select(func.count())
        .select_from(NudgeDelivery)
        .where(NudgeDelivery.run_id == run.id, NudgeDelivery.kind == "prompt", NudgeDelivery.member_id.is_not(None))
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
            NudgeDelivery.run_id == run.id, NudgeDelivery.kind == "prompt", NudgeDelivery.member_id.is_(None)
        )
    )
    # A channel post is asked of the whole channel: count answerers, not posts.
    total = member_prompts or len(answers) or asked or 0
    pairs = [(name or t("learnings.someone"), text) for name, text in answers]
    return messages.summary_message(t, run.prompt_set, total, pairs, channel_post)
