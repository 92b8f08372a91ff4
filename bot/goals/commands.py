"""`goal add|list|done|share|review`: a member's learning goals for the development review (MUS)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.commands.spec import Arg, Args, CommandSpec, Kind
from bot.conversations.tables import Series
from bot.db.base import MAX_ROW_ID
from bot.db.models import Member
from bot.directory import member_timezone
from bot.goals.kind import DONE_ACTION, nudge_plan
from bot.goals.tables import LearningGoal
from bot.learning.search import query_words, search_ids
from bot.learning.tables import Learning
from bot.mentoring.tables import MentorPair
from bot.model import InboundAction, OutboundMessage, Text
from bot.roles.access import display
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.conversations.engine import ConversationEngine
    from bot.core import LearnBot

MAX_GOAL = 300
RELATED_SHOWN = 3
SNIPPET = 80
# Words of a goal looked up for related learnings: short ones (a, at, to) say nothing.
MIN_WORD = 4
MAX_WORDS = 6


def _reply(text: str) -> list[OutboundMessage]:
    return [OutboundMessage(text=text, blocks=(Text(text),), private=True)]


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"


class GoalCommands:
    def __init__(self, engine: ConversationEngine) -> None:
        self._engine = engine

    def specs(self) -> list[CommandSpec]:
        goal_id = (Arg("id", Kind.NUMBER, low=1, high=MAX_ROW_ID),)
        return [
            CommandSpec(
                "goal",
                subcommands=(
                    CommandSpec(
                        "goal.add",
                        self.add,
                        (
                            Arg("text", Kind.TEXT),
                            Arg("by", Kind.DATE, keyword=True),
                            Arg("shared", Kind.FLAG, keyword=True),
                        ),
                    ),
                    CommandSpec("goal.list", self.list_goals, (Arg("member", Kind.MEMBER, required=False),)),
                    CommandSpec("goal.done", self.done, goal_id),
                    CommandSpec("goal.share", self.share, goal_id),
                    CommandSpec("goal.review", self.review),
                ),
                default="list",
                priority=32,
            )
        ]

    def register(self, bot: LearnBot) -> None:
        for spec in self.specs():
            bot.command(spec)
        bot.action(DONE_ACTION, self.done_pressed)

    async def add(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        text = (args.string("text") or "").strip()
        if len(text) > MAX_GOAL:
            raise UsageError("goals.too_long", limit=MAX_GOAL)
        due = args.date("by")
        if due is not None and due < turn.now.astimezone(member_timezone(turn.member)).date():
            raise UsageError("goals.in_the_past", date=due.isoformat())
        goal = LearningGoal(
            tenant_id=turn.tenant.id,
            member_id=turn.member.id,
            text=text,
            due_on=due,
            shared=args.flag("shared"),
            created_at=turn.now,
        )
        turn.session.add(goal)
        await turn.session.flush()
        plan = nudge_plan(goal)
        if plan is not None:
            goal.series_id = (await self._engine.add_series(turn.session, plan)).id
            turn.after_commit.append(self._engine.changed)
        key = "goals.added_by" if due else "goals.added"
        return _reply(turn.t(key, id=goal.id, date=due.isoformat() if due else ""))

    async def _own(self, turn: Turn, args: Args) -> LearningGoal:
        number = args.number("id")
        goal = await turn.session.get(LearningGoal, number) if number else None
        if goal is None or goal.member_id != turn.member.id:
            raise UsageError("goals.not_found", id=number)
        return goal

    async def _finish(self, turn: Turn, goal: LearningGoal) -> list[OutboundMessage]:
        if goal.done_at is None:
            goal.done_at = turn.now
            if goal.series_id and (series := await turn.session.get(Series, goal.series_id)) is not None:
                series.paused, series.next_due_at = True, None  # no more nudges
        return _reply(turn.t("goals.done", id=goal.id))

    async def done(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        return await self._finish(turn, await self._own(turn, args))

    async def done_pressed(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        goal = await turn.session.get(LearningGoal, int(action.value)) if action.value.isdigit() else None
        if goal is None or goal.member_id != turn.member.id:
            raise UsageError("errors.unknown_action")
        return await self._finish(turn, goal)

    async def share(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        goal = await self._own(turn, args)
        goal.shared = True
        return _reply(turn.t("goals.shared", id=goal.id))

    async def _mentor_of(self, turn: Turn, mentee: Member) -> bool:
        pair = await turn.session.scalar(
            select(MentorPair.id).where(
                MentorPair.mentor_member_id == turn.member.id,
                MentorPair.mentee_member_id == mentee.id,
                MentorPair.state == "active",
            )
        )
        return pair is not None

    async def list_goals(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        whose = args.member("member") or turn.member
        query = select(LearningGoal).where(LearningGoal.member_id == whose.id).order_by(LearningGoal.id)
        if whose.id != turn.member.id:
            if not await self._mentor_of(turn, whose):
                raise UsageError("goals.not_your_mentee", name=display(whose))
            query = query.where(LearningGoal.shared.is_(True))  # a mentor sees only what the mentee shared
        goals = list(await turn.session.scalars(query))
        if not goals:
            return _reply(turn.t("goals.list_empty", name=display(whose)))
        lines = [turn.t("goals.list_title", name=display(whose))]
        lines += [self._line(turn, goal) for goal in goals]
        return _reply("\n".join(lines))

    def _line(self, turn: Turn, goal: LearningGoal) -> str:
        state = turn.t("goals.state_done") if goal.done_at else turn.t("goals.state_open")
        due = f" · {turn.t('goals.by', date=goal.due_on.isoformat())}" if goal.due_on else ""
        shared = f" · {turn.t('goals.state_shared')}" if goal.shared else ""
        return f"#{goal.id} [{state}] {goal.text}{due}{shared}"

    async def _related_ids(self, turn: Turn, text: str) -> list[int]:
        """Learnings that share a word with the goal: the search ANDs its words, so each word is asked alone."""
        found: set[int] = set()
        for word in [word for word in query_words(text) if len(word) >= MIN_WORD][:MAX_WORDS]:
            ids, _ = await search_ids(turn.session, turn.tenant.id, word, offset=0, limit=200)
            found.update(ids)
        return sorted(found)

    async def review(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        """Goals with the member's own learnings that relate to each, to bring to the development review."""
        goals = list(
            await turn.session.scalars(
                select(LearningGoal).where(LearningGoal.member_id == turn.member.id).order_by(LearningGoal.id)
            )
        )
        if not goals:
            return _reply(turn.t("goals.list_empty", name=display(turn.member)))
        done = sum(1 for goal in goals if goal.done_at)
        lines = [turn.t("goals.review_title", done=done, total=len(goals))]
        for goal in goals:
            lines.append(self._line(turn, goal))
            ids = await self._related_ids(turn, goal.text)
            related = list(
                await turn.session.scalars(
                    select(Learning)
                    .where(Learning.id.in_(ids), Learning.member_id == turn.member.id)
                    .order_by(Learning.created_at.desc())
                    .limit(RELATED_SHOWN)
                )
            )
            lines += [f"  · #{learning.id} {_snippet(learning.text)}" for learning in related]
        lines.append(turn.t("goals.review_note"))
        return _reply("\n".join(lines))
