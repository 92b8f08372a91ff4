"""Resurfacing: 1, 7 and 30 days after a member logged a learning, ask whether they used it, and record it.

A kind of the conversation engine: each learning gets a one-member series with offsets in days from the learning's
own time, so missed-while-down, exactly-once and availability come from the engine like everything else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import Translator
from bot.conversations.engine import ConversationEngine
from bot.conversations.kinds import (
    CHOOSE_ACTION,
    FieldSpec,
    Invitation,
    QuietClose,
    RoundView,
    choice_button,
)
from bot.conversations.tables import Response, Round, Series
from bot.core import LearnBot
from bot.learning.log import LearningLog
from bot.learning.tables import Learning
from bot.model import Block, Buttons, Form, Header, InboundAction, Input, Option, OutboundMessage, Text
from bot.turn import Turn

KIND = "resurface"
OFFSETS_DAYS = (1, 7, 30)
OUTCOMES = ("yes", "not_yet", "not_relevant")
SNIPPET = 200
# The button on questions asked before the conversation engine: value "<delivery id>:<outcome>".
LEGACY_ACTION = "nudge.resurface"


def subject(learning_id: int) -> str:
    return f"learning:{learning_id}"


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1].rstrip() + "…"


def series_values(learning: Learning, window: timedelta) -> dict[str, Any]:
    """The series that resurfaces `learning` (also what the migration writes for learnings logged before)."""
    return {
        "kind": KIND,
        "tenant_id": learning.tenant_id,
        "owner_member_id": learning.member_id,
        "subject": subject(learning.id),
        "audience": "member",
        "audience_member_ids": [learning.member_id],
        "anchor_at": learning.created_at,
        "offsets_days": list(OFFSETS_DAYS),
        "include_weekends": True,  # asked on the day it is due, whatever weekday
        "window_seconds": int(window.total_seconds()),
        "settings": {"learning_id": learning.id},
        "paused": False,
        "next_due_at": learning.created_at + timedelta(days=OFFSETS_DAYS[0]),
        "created_at": learning.created_at,
    }


def _learning_id(series_subject: str | None) -> int | None:
    prefix, _, number = (series_subject or "").partition(":")
    return int(number) if prefix == "learning" and number.isdigit() else None


async def applied_ids(
    session: AsyncSession, *, learning_ids: Sequence[int] = (), member_id: int | None = None
) -> set[int]:
    """Which learnings their author answered "yes" to "did you use it?" (any of the 1, 7, 30 day questions):
    among `learning_ids`, or all of `member_id`'s."""
    query = (
        select(Series.subject, Response.answers)
        .join(Round, Round.series_id == Series.id)
        .join(Response, Response.round_id == Round.id)
        .where(Series.kind == KIND, Response.member_id == Series.owner_member_id)
    )
    if member_id is not None:
        query = query.where(Series.owner_member_id == member_id)
    if learning_ids:
        query = query.where(Series.subject.in_([subject(learning_id) for learning_id in learning_ids]))
    elif member_id is None:
        return set()
    applied = set()
    for series_subject, answers in await session.execute(query):
        learning_id = _learning_id(series_subject)
        if learning_id is not None and isinstance(answers, dict) and answers.get("outcome") == "yes":
            applied.add(learning_id)
    return applied


class ResurfaceKind(QuietClose):
    name = KIND
    fields: tuple[FieldSpec, ...] = (FieldSpec("outcome", "choice", OUTCOMES),)
    accepts_late = True
    reply_field: str | None = None

    async def invitation(
        self, session: AsyncSession, t: Translator, round: RoundView, *, in_channel: bool
    ) -> Invitation:
        text = await session.scalar(select(Learning.text).where(Learning.id == round.settings.get("learning_id")))

        def message(delivery_id: int) -> OutboundMessage | None:
            if text is None:
                return None  # deleted since: nothing to ask
            return self._question(t, text, delivery_id)

        return message

    def _question(self, t: Translator, learning: str, delivery_id: int) -> OutboundMessage:
        question = t.questions("promptsets.resurfacing.questions")[0].format(learning=_snippet(learning))
        buttons = tuple(
            choice_button(t(f"nudges.outcome_{outcome}"), delivery_id, "outcome", outcome) for outcome in OUTCOMES
        )
        blocks: tuple[Block, ...] = (Header(t("promptsets.resurfacing.title")), Text(question), Buttons(buttons))
        return OutboundMessage(text=question, blocks=blocks, language=t.language)

    def reminder(self, t: Translator, round: RoundView, invitation_id: int) -> OutboundMessage:
        text = t("nudges.reminder", title=t("promptsets.resurfacing.title"))
        return OutboundMessage(text=text, blocks=(Text(text),), language=t.language)

    def form(self, t: Translator, round: RoundView, invitation_id: int, current: Mapping[str, Any]) -> Form:
        options = tuple(Option(outcome, t(f"nudges.outcome_{outcome}")) for outcome in OUTCOMES)
        chosen = current.get("outcome")
        field = Input("outcome", t("promptsets.resurfacing.title"), kind="select", options=options, initial=chosen)
        return Form(
            "conversation.submit",
            t("promptsets.resurfacing.title"),
            t("nudges.form_submit"),
            (field,),
            value=str(invitation_id),
        )

    def saved(self, t: Translator, round: RoundView, answers: Mapping[str, Any], *, late: bool) -> OutboundMessage:
        text = t(f"nudges.resurface_{answers.get('outcome', 'yes')}")
        return OutboundMessage(text=text, blocks=(Text(text),), private=True, replace_source=True)


class Resurfacing:
    """Follows the learning log: a series for each new learning, gone with the learning."""

    def __init__(self, engine: ConversationEngine) -> None:
        self._engine = engine

    async def added(self, session: AsyncSession, learning: Learning) -> None:
        session.add(Series(**series_values(learning, self._engine.config.window)))

    async def deleted(self, session: AsyncSession, learning_id: int) -> None:
        await session.execute(delete(Series).where(Series.kind == KIND, Series.subject == subject(learning_id)))

    async def legacy_press(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        delivery_id, _, outcome = action.value.partition(":")
        return await self._engine.answers.choose(
            turn, InboundAction(action.user, action.conversation, CHOOSE_ACTION, f"{delivery_id}:outcome:{outcome}")
        )


def install(bot: LearnBot, engine: ConversationEngine, learning_log: LearningLog) -> None:
    """Resurfacing's one install step: its kind, the learning log's hooks, and the button of older questions."""
    engine.install(ResurfaceKind())
    resurfacing = Resurfacing(engine)
    learning_log.on_added.append(resurfacing.added)
    learning_log.on_deleted.append(resurfacing.deleted)
    bot.action(LEGACY_ACTION, resurfacing.legacy_press)
