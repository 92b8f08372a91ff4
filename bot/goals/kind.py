"""The goal nudge: a kind of the conversation engine asking a member, a week and a day before a goal's date
(on working days, at 09:00 their time), how it is going, with a button to mark it done."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import Translator
from bot.conversations.audiences import Audience
from bot.conversations.kinds import Invitation, RoundView, Window
from bot.conversations.rounds import SeriesPlan
from bot.goals.tables import LearningGoal
from bot.mentoring.one_question import OneQuestionKind
from bot.model import Button, Buttons, OutboundMessage, Text

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


class GoalNudgeKind(OneQuestionKind):
    name = KIND
    title_key = "goals.title"
    submit_key = "goals.mark_done"
    reminder_key = "goals.nudge_reminder"
    saved_key = "goals.noted"

    async def invitation(
        self, session: AsyncSession, t: Translator, round: RoundView, *, in_channel: bool
    ) -> Invitation:
        goal = await session.get(LearningGoal, int(round.settings["goal_id"]))
        if goal is None or goal.done_at is not None or goal.due_on is None:
            return lambda _: None
        text = t("goals.nudge", id=goal.id, goal=goal.text, date=goal.due_on.isoformat())
        button = Button(t("goals.mark_done"), DONE_ACTION, str(goal.id), style="primary")
        return lambda _: OutboundMessage(text=text, blocks=(Text(text), Buttons((button,))))
