"""Nudges as a kind of the conversation engine: a prompt set's questions, answered in one text field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import Translator
from bot.conversations.kinds import FieldSpec, Invitation, ResponseView, RoundView
from bot.model import Form, OutboundMessage, Text
from bot.nudges import messages

KIND = "nudge"
DEFAULT_SET = "daily_reflection"


def _prompt_set(round: RoundView) -> str:
    return str(round.context.get("prompt_set") or round.settings.get("prompt_set") or DEFAULT_SET)


def _topic(round: RoundView) -> str | None:
    topic = round.context.get("topic")
    return str(topic) if topic else None


class NudgeKind:
    name = KIND
    fields: tuple[FieldSpec, ...] = (FieldSpec("answer", "text", max_length=messages.MAX_ANSWER_LENGTH),)
    accepts_late = True
    reply_field: str | None = "answer"

    def __init__(self) -> None:
        # Many rounds ask the same prompt set (ten thousand personal schedules at 09:00): build each text once.
        self._templates: dict[tuple[str, str, str | None, bool], messages.PromptTemplate] = {}

    async def invitation(
        self, session: AsyncSession, t: Translator, round: RoundView, *, in_channel: bool
    ) -> Invitation:
        key = (t.language, _prompt_set(round), _topic(round), in_channel)
        template = self._templates.get(key)
        if template is None:
            if len(self._templates) > 1_000:  # topics are free text: keep the cache bounded
                self._templates.clear()
            template = self._templates[key] = messages.prompt_template(t, key[1], topic=key[2], in_channel=in_channel)
        return template.message

    def reminder(self, t: Translator, round: RoundView, invitation_id: int) -> OutboundMessage:
        return messages.reminder_message(t, _prompt_set(round), invitation_id)

    def form(self, t: Translator, round: RoundView, invitation_id: int, current: Mapping[str, Any]) -> Form:
        answer = current.get("answer")
        return messages.answer_form(
            t, _prompt_set(round), invitation_id, _topic(round), answer if isinstance(answer, str) else None
        )

    def saved(self, t: Translator, round: RoundView, answers: Mapping[str, Any], *, late: bool) -> OutboundMessage:
        text = t("nudges.saved_late" if late else "nudges.saved")
        return OutboundMessage(text=text, blocks=(Text(text),), private=True)

    async def summary(
        self, session: AsyncSession, t: Translator, round: RoundView, responses: Sequence[ResponseView], asked: int
    ) -> OutboundMessage | None:
        pairs = [
            (response.name or t("learnings.someone"), str(response.answers.get("answer", "")))
            for response in responses
            if response.answers.get("answer")
        ]
        return messages.summary_message(t, _prompt_set(round), asked, pairs, None)

    async def closed(
        self, session: AsyncSession, round: RoundView, responses: Sequence[ResponseView], closing: Any
    ) -> None:
        return None
