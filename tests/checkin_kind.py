"""A kind that exists only in the tests, to show what a new kind costs: a pair check-in with a three-field form,
a reminder at half time, a summary from the structured answers, and one follow-up scheduled at close when the
pair did not meet. Plain English texts: a real feature would put them in prompts/."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import Translator
from bot.conversations.audiences import Audience
from bot.conversations.kinds import (
    SUBMIT_ACTION,
    Closing,
    FieldSpec,
    Invitation,
    ResponseView,
    RoundView,
    Window,
    answer_button,
)
from bot.conversations.rounds import RoundPlan
from bot.model import Buttons, Context, Form, Header, Input, Option, OutboundMessage, Text

KIND = "test.checkin"
QUESTIONS = {"met": "Did you meet?", "talked": "What did you talk about?", "learned": "What did you learn?"}
FOLLOW_UP_AFTER = timedelta(days=2)


def _pair(round: RoundView) -> tuple[int, int]:
    first, second = round.settings.get("pair") or round.context["pair"]
    return int(first), int(second)


class CheckInKind:
    name = KIND
    fields: tuple[FieldSpec, ...] = (
        FieldSpec("met", "choice", ("yes", "no")),
        FieldSpec("talked", "text", optional=True),
        FieldSpec("learned", "text", optional=True),
    )
    accepts_late = False
    reply_field: str | None = None

    async def invitation(
        self, session: AsyncSession, t: Translator, round: RoundView, *, in_channel: bool
    ) -> Invitation:
        title = "Follow-up: did you manage to meet?" if round.context.get("follow_up") else "Mentor check-in"

        def message(delivery_id: int) -> OutboundMessage:
            blocks = (
                Header(title),
                Text("\n".join(QUESTIONS.values())),
                Buttons((answer_button("Answer", delivery_id),)),
            )
            return OutboundMessage(text=title, blocks=blocks)

        return message

    def reminder(self, t: Translator, round: RoundView, invitation_id: int) -> OutboundMessage:
        text = "Half time: your check-in is waiting."
        return OutboundMessage(text=text, blocks=(Text(text), Buttons((answer_button("Answer", invitation_id),))))

    def form(self, t: Translator, round: RoundView, invitation_id: int, current: Mapping[str, Any]) -> Form:
        inputs = (
            Input("met", QUESTIONS["met"], "select", (Option("yes", "Yes"), Option("no", "No")), current.get("met")),
            Input("talked", QUESTIONS["talked"], "multiline", initial=current.get("talked"), optional=True),
            Input("learned", QUESTIONS["learned"], "multiline", initial=current.get("learned"), optional=True),
        )
        return Form(SUBMIT_ACTION, "Check-in", "Save", inputs, value=str(invitation_id))

    def saved(self, t: Translator, round: RoundView, answers: Mapping[str, Any], *, late: bool) -> OutboundMessage:
        return OutboundMessage.plain("Check-in saved.", private=True)

    async def summary(
        self, session: AsyncSession, t: Translator, round: RoundView, responses: Sequence[ResponseView], asked: int
    ) -> OutboundMessage | None:
        met = [response.answers.get("met") for response in responses]
        heading = f"Check-in: {len(responses)} of {asked} answered"
        learned = [f"{r.name}: {r.answers['learned']}" for r in responses if r.answers.get("learned")]
        return OutboundMessage(
            text=heading,
            blocks=(
                Header(heading),
                Text(f"met: yes {met.count('yes')} · no {met.count('no')}"),
                *(Context(line) for line in learned),
            ),
        )

    async def closed(
        self, session: AsyncSession, round: RoundView, responses: Sequence[ResponseView], closing: Closing
    ) -> None:
        if round.context.get("follow_up"):
            return  # exactly one follow-up
        if len(responses) == 2 and all(response.answers.get("met") == "yes" for response in responses):
            return
        first, second = _pair(round)
        await closing.schedule(
            RoundPlan(
                kind=KIND,
                tenant_id=round.tenant_id,
                audience=Audience.pair(first, second),
                due_at=closing.now + FOLLOW_UP_AFTER,
                window=Window(timedelta(days=1)),
                conversation_id=round.conversation_id,
                purpose="follow_up",
                context={"follow_up": True, "pair": [first, second]},
            )
        )
