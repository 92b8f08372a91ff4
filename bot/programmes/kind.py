"""A programme step: a kind of the conversation engine asking one role of a programme run (the new hire, the
buddy, or a channel) the step's questions, in the recipient's language, on the step's working day."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
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
from bot.conversations.rounds import SeriesPlan
from bot.model import Block, Buttons, Context, Form, Header, Input, OutboundMessage, Text
from bot.programmes.definitions import MAX_QUESTIONS, Programme, Step
from bot.programmes.tables import ProgrammeRun

KIND = "programmes.step"
# Something a step shows beside its questions, in the recipient's language (the kickstart's evaluation step: the
# channel's scorecard). Installed by the feature that owns it, named by the programme file.
Exhibit = Callable[[AsyncSession, Translator, RoundView], Awaitable[tuple[Block, ...]]]
WINDOW = timedelta(days=3)
FIELDS = tuple(f"q{number}" for number in range(1, MAX_QUESTIONS + 1))


def step_plan(run: ProgrammeRun, programme: Programme, step: Step, role: str, audience: Audience) -> SeriesPlan:
    # Noon UTC on the start date is that same date in every Nordic (and American) zone.
    anchor = datetime.combine(run.starts_on, time(12), UTC)
    return SeriesPlan(
        kind=KIND,
        tenant_id=run.tenant_id,
        audience=audience,
        window=Window(WINDOW),
        anchor_at=anchor,
        offsets_days=(step.offset_days,),
        local_time=programme.local_time,
        working_days=True,
        conversation_id=run.conversation_id,
        created_by_member_id=run.created_by_member_id,
        subject=f"run:{run.id}",
        summary=role == "channel",
        settings={"run_id": run.id, "programme": programme.name, "day": step.day, "role": role},
    )


class ProgrammeStepKind:
    name = KIND
    fields: tuple[FieldSpec, ...] = tuple(FieldSpec(field, "text", optional=True) for field in FIELDS)
    accepts_late = True
    reply_field: str | None = "q1"

    def __init__(self, programmes: Mapping[str, Programme], exhibits: Mapping[str, Exhibit] | None = None) -> None:
        self._programmes = programmes
        self._exhibits = dict(exhibits or {})

    def _step(self, round: RoundView) -> tuple[Step, str] | None:
        programme = self._programmes.get(str(round.settings.get("programme")))
        day = round.settings.get("day")
        step = next((step for step in programme.steps if step.day == day), None) if programme else None
        return (step, str(round.settings["role"])) if step else None

    async def invitation(
        self, session: AsyncSession, t: Translator, round: RoundView, *, in_channel: bool
    ) -> Invitation:
        found = self._step(round)
        run = await session.get(ProgrammeRun, int(round.settings["run_id"]))
        if found is None or run is None:
            return lambda _: None
        step, role = found
        title = step.title_in(t.language)
        questions = "\n".join(f"• {question}" for question in step.questions_in(role, t.language))
        exhibit = self._exhibits.get(step.shows) if step.shows else None
        shown = await exhibit(session, t, round) if exhibit is not None else ()

        def message(delivery_id: int) -> OutboundMessage:
            blocks = (
                Header(title),
                *shown,
                Text(questions),
                Buttons((answer_button(t("programmes.answer"), delivery_id),)),
                Context(t("programmes.reply_hint")),
            )
            return OutboundMessage(text=title, blocks=blocks)

        return message

    def reminder(self, t: Translator, round: RoundView, invitation_id: int) -> OutboundMessage:
        return OutboundMessage.plain(t("programmes.reminder"))

    def form(self, t: Translator, round: RoundView, invitation_id: int, current: Mapping[str, Any]) -> Form:
        found = self._step(round)
        questions = found[0].questions_in(found[1], t.language) if found else ()
        inputs = tuple(
            Input(field, question, "multiline", initial=current.get(field), optional=True)
            for field, question in zip(FIELDS, questions, strict=False)
        )
        title = found[0].title_in(t.language) if found else t("programmes.answer")
        return Form(SUBMIT_ACTION, title[:24], t("programmes.save"), inputs, value=str(invitation_id))

    def saved(self, t: Translator, round: RoundView, answers: Mapping[str, Any], *, late: bool) -> OutboundMessage:
        return OutboundMessage.plain(t("programmes.saved"), private=True)

    async def summary(
        self, session: AsyncSession, t: Translator, round: RoundView, responses: Sequence[ResponseView], asked: int
    ) -> OutboundMessage | None:
        found = self._step(round)
        if found is None:
            return None
        step, role = found
        lines = [t("programmes.summary_title", title=step.title_in(t.language), count=len(responses))]
        for field, question in zip(FIELDS, step.questions_in(role, t.language), strict=False):
            given = [f"  – {r.name or '–'}: {r.answers[field]}" for r in responses if r.answers.get(field)]
            if given:
                lines += [question, *given]
        text = "\n".join(lines)
        return OutboundMessage(text=lines[0], blocks=(Text(text),))

    async def closed(
        self, session: AsyncSession, round: RoundView, responses: Sequence[ResponseView], closing: Closing
    ) -> None:
        return None
