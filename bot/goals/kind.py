"""The goal nudge: a kind of the conversation engine asking a member, a week and a day before a goal's date
(on working days, at 09:00 their time), how it is going, with a button to mark it done."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import Translator
from bot.conversations.audiences import Audience
from bot.conversations.kinds import Closing, FieldSpec, Invitation, ResponseView, RoundView, Window
from bot.conversations.rounds import SeriesPlan
from bot.goals.tables import LearningGoal
from bot.model import Button, Buttons, Form, OutboundMessage, Text

KIND = "goals.nudge"
DONE_ACTION = "goals.done"
NUDGE_DAYS_BEFORE = (7, 1)
NUDGE_TIME = "09:00"


def nudge_plan(goal: LearningGoal) -> SeriesPlan | None:
    """The nudges before the goal's date, or None without a date."""
    if goal.due_on is None:
        return None
    anchor = datetime.combine(goal.due_on, time(12), UTC)
    return SeriesPlan(
        kind=KIND,
        tenant_id=goal.tenant_id,
        audience=Audience.member(goal.member_id),
        window=Window(timedelta(days=1)),
        anchor_at=anchor,
        offsets_days=tuple(-days for days in NUDGE_DAYS_BEFORE),
        local_time=NUDGE_TIME,
        working_days=True,
        owner_member_id=goal.member_id,
        subject=f"goal:{goal.id}",
        settings={"goal_id": goal.id},
    )


class GoalNudgeKind:
    name = KIND
    fields: tuple[FieldSpec, ...] = ()
    accepts_late = False
    reply_field: str | None = None

    async def invitation(
        self, session: AsyncSession, t: Translator, round: RoundView, *, in_channel: bool
    ) -> Invitation:
        goal = await session.get(LearningGoal, int(round.settings["goal_id"]))
        if goal is None or goal.done_at is not None or goal.due_on is None:
            return lambda _: None
        text = t("goals.nudge", id=goal.id, goal=goal.text, date=goal.due_on.isoformat())
        button = Button(t("goals.mark_done"), DONE_ACTION, str(goal.id), style="primary")
        return lambda _: OutboundMessage(text=text, blocks=(Text(text), Buttons((button,))))

    def reminder(self, t: Translator, round: RoundView, invitation_id: int) -> OutboundMessage:
        return OutboundMessage.plain(t("goals.nudge_reminder"))

    def form(self, t: Translator, round: RoundView, invitation_id: int, current: Mapping[str, Any]) -> Form:
        return Form("goals.none", t("goals.title"), t("goals.mark_done"), ())

    def saved(self, t: Translator, round: RoundView, answers: Mapping[str, Any], *, late: bool) -> OutboundMessage:
        return OutboundMessage.plain(t("goals.noted"), private=True)

    async def summary(
        self, session: AsyncSession, t: Translator, round: RoundView, responses: Sequence[ResponseView], asked: int
    ) -> OutboundMessage | None:
        return None

    async def closed(
        self, session: AsyncSession, round: RoundView, responses: Sequence[ResponseView], closing: Closing
    ) -> None:
        return None
