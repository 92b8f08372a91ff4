"""Answers to prompts: by the prompt's form, a thread reply, or a DM reply. Editable while the run is open."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import aliased

from bot.db.base import row_id
from bot.model import ConversationKind, InboundAction, InboundMessage, OutboundMessage, Text
from bot.nudges import messages
from bot.nudges.tables import NudgeAnswer, NudgeDelivery, NudgeRun
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.core import LearnBot


def _ack(turn: Turn, key: str, *, replace: bool = False) -> list[OutboundMessage]:
    text = turn.t(key)
    return [OutboundMessage(text=text, blocks=(Text(text),), private=True, replace_source=replace)]


async def save_answer(
    turn: Turn, delivery: NudgeDelivery, text: str, *, append: bool, outcome: str | None = None
) -> None:
    """Store `text` as the turn member's answer to `delivery`; a reply adds to an earlier answer, a form replaces."""
    answer = await turn.session.scalar(
        select(NudgeAnswer).where(NudgeAnswer.delivery_id == delivery.id, NudgeAnswer.member_id == turn.member.id)
    )
    if answer is None:
        turn.session.add(
            NudgeAnswer(
                delivery_id=delivery.id,
                member_id=turn.member.id,
                text=text,
                outcome=outcome,
                created_at=turn.now,
                updated_at=turn.now,
            )
        )
    else:
        answer.text = f"{answer.text}\n{text}" if append and answer.text else text
        answer.outcome = outcome or answer.outcome
        answer.updated_at = turn.now
    await turn.session.flush()


class Answers:
    def register(self, bot: LearnBot) -> None:
        bot.action(messages.ANSWER_ACTION, self.open_form)
        bot.action(messages.SUBMIT_ACTION, self.submit)
        bot.action(messages.RESURFACE_ACTION, self.resurface)
        bot.intercept(self.intercept, awaits=self.awaits)

    async def _answerable(self, turn: Turn, value: str) -> tuple[NudgeDelivery, NudgeRun | None]:
        number = row_id(value)  # a button's value, which a forged request can set to anything
        delivery = await turn.session.get(NudgeDelivery, number) if number is not None else None
        if delivery is None or delivery.tenant_id != turn.tenant.id:
            raise UsageError("errors.unknown_action")
        if delivery.member_id is not None and delivery.member_id != turn.member.id:
            raise UsageError("nudges.not_yours")
        run = await turn.session.get(NudgeRun, delivery.run_id) if delivery.run_id else None
        if run is not None and (run.state != "open" or run.closes_at <= turn.now):
            raise UsageError("nudges.closed")
        return delivery, run

    async def open_form(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        delivery, run = await self._answerable(turn, action.value)
        prompt_set = run.prompt_set if run else "daily_reflection"
        current = await turn.session.scalar(
            select(NudgeAnswer.text).where(
                NudgeAnswer.delivery_id == delivery.id, NudgeAnswer.member_id == turn.member.id
            )
        )
        form = messages.answer_form(turn.t, prompt_set, delivery.id, run.topic if run else None, current)
        return [OutboundMessage(text=form.title, blocks=(form,), private=True)]

    async def submit(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        delivery, _ = await self._answerable(turn, action.value)
        value = action.form.get("answer")
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            raise UsageError("nudges.empty_answer")
        if len(text) > messages.MAX_ANSWER_LENGTH:
            raise UsageError("nudges.answer_too_long", length=len(text), limit=messages.MAX_ANSWER_LENGTH)
        await save_answer(turn, delivery, text, append=False)
        return _ack(turn, "nudges.saved")

    async def resurface(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        delivery_id, _, outcome = action.value.partition(":")
        if outcome not in messages.OUTCOMES:
            raise UsageError("errors.unknown_action")
        delivery, _ = await self._answerable(turn, delivery_id)
        await save_answer(turn, delivery, turn.t(f"nudges.outcome_{outcome}"), append=False, outcome=outcome)
        return _ack(turn, f"nudges.resurface_{outcome}", replace=True)

    async def _awaiting(self, turn: Turn, message: InboundMessage) -> NudgeDelivery | None:
        """The prompt a thread reply answers, or the open prompt of a DM."""
        if message.thread_id:
            return await self._by_thread(turn, message.thread_id)
        if turn.where.kind is ConversationKind.DIRECT:
            return await self._latest_open_in_direct(turn)
        return None

    async def awaits(self, turn: Turn, message: InboundMessage) -> bool:
        return await self._awaiting(turn, message) is not None

    async def intercept(self, turn: Turn, message: InboundMessage) -> list[OutboundMessage] | None:
        """Claim thread replies to a prompt, and free text in a DM while a prompt there is open. The core offers
        only text that is no command here, or a command the member chose to send as an answer."""
        delivery = await self._awaiting(turn, message)
        if delivery is None:
            return None
        try:
            delivery, _ = await self._answerable(turn, str(delivery.id))
        except UsageError as error:
            return _ack(turn, error.key)
        text = message.text.strip()
        if not text or len(text) > messages.MAX_ANSWER_LENGTH:
            return None  # let the core explain empty or over-long input
        await save_answer(turn, delivery, text, append=True)
        return _ack(turn, "nudges.saved")

    async def _by_thread(self, turn: Turn, thread_id: str) -> NudgeDelivery | None:
        reminded = aliased(NudgeDelivery)
        row = (
            await turn.session.execute(
                select(NudgeDelivery, reminded)
                .outerjoin(reminded, reminded.id == NudgeDelivery.parent_id)
                .where(
                    NudgeDelivery.conversation_id == turn.conversation.id,
                    NudgeDelivery.sent_message_id == thread_id,
                    NudgeDelivery.kind.in_(("prompt", "reminder")),
                )
            )
        ).first()
        if row is None:
            return None
        delivery, parent = row
        return parent if parent is not None else delivery

    async def _latest_open_in_direct(self, turn: Turn) -> NudgeDelivery | None:
        return await turn.session.scalar(
            select(NudgeDelivery)
            .join(NudgeRun, NudgeRun.id == NudgeDelivery.run_id)
            .where(
                NudgeDelivery.member_id == turn.member.id,
                NudgeDelivery.conversation_id == turn.conversation.id,
                NudgeDelivery.kind == "prompt",
                NudgeDelivery.state == "sent",
                NudgeRun.state == "open",
                NudgeRun.closes_at > turn.now,
            )
            .order_by(NudgeDelivery.due_at.desc())
            .limit(1)
        )
