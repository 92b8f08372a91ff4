"""`onboard @newhire [buddy @buddy] [starts DATE]` (managers), `kickstart` and `kickstart plan` (admins)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.commands.spec import Arg, Args, CommandSpec, Kind, Place, Role
from bot.conversations.audiences import Audience
from bot.conversations.tables import Response, Round, Series
from bot.directory import member_timezone
from bot.model import OutboundMessage, Text
from bot.programmes.definitions import Programme
from bot.programmes.kind import FIELDS, KIND, step_plan
from bot.programmes.tables import ProgrammeRun
from bot.roles.access import display
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.conversations.engine import ConversationEngine
    from bot.core import LearnBot


def _reply(text: str, *, private: bool = False) -> list[OutboundMessage]:
    return [OutboundMessage(text=text, blocks=(Text(text),), private=private)]


class ProgrammeCommands:
    def __init__(self, engine: ConversationEngine, programmes: Mapping[str, Programme]) -> None:
        self._engine = engine
        self._programmes = programmes

    def specs(self) -> list[CommandSpec]:
        return [
            CommandSpec(
                "onboard",
                self.onboard,
                (
                    Arg("newhire", Kind.MEMBER),
                    Arg("buddy", Kind.MEMBER, keyword=True),
                    Arg("starts", Kind.DATE, keyword=True),
                ),
                role=Role.MANAGER,
                priority=40,
            ),
            CommandSpec(
                "kickstart",
                self.kickstart,
                subcommands=(CommandSpec("kickstart.plan", self.plan, place=Place.CHANNEL),),
                role=Role.ADMIN,
                place=Place.CHANNEL,
                priority=41,
            ),
        ]

    def register(self, bot: LearnBot) -> None:
        for spec in self.specs():
            bot.command(spec)

    async def _start(self, turn: Turn, run: ProgrammeRun, audiences: dict[str, Audience]) -> Series | None:
        turn.session.add(run)
        await turn.session.flush()
        programme = self._programmes[run.programme]
        first: Series | None = None
        for step in programme.steps:
            for role, audience in audiences.items():
                if role in step.questions:
                    series = await self._engine.add_series(
                        turn.session, step_plan(run, programme, step, role, audience)
                    )
                    if series.next_due_at and (
                        first is None or first.next_due_at is None or series.next_due_at < first.next_due_at
                    ):
                        first = series
        turn.after_commit.append(self._engine.changed)
        return first

    async def onboard(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        newhire, buddy = args.member("newhire"), args.member("buddy")
        assert newhire is not None
        if buddy is not None and buddy.id == newhire.id:
            raise UsageError("programmes.own_buddy")
        starts = args.date("starts") or turn.now.astimezone(member_timezone(newhire)).date()
        run = ProgrammeRun(
            tenant_id=turn.tenant.id,
            programme="onboarding",
            newhire_member_id=newhire.id,
            buddy_member_id=buddy.id if buddy else None,
            created_by_member_id=turn.member.id,
            starts_on=starts,
            created_at=turn.now,
        )
        audiences = {"newhire": Audience.member(newhire.id)}
        if buddy is not None:
            audiences["buddy"] = Audience.member(buddy.id)
        await self._start(turn, run, audiences)
        days = ", ".join(str(step.day) for step in self._programmes["onboarding"].steps)
        key = "programmes.onboarding_buddy" if buddy else "programmes.onboarding"
        return _reply(
            turn.t(
                key,
                id=run.id,
                newhire=display(newhire),
                buddy=display(buddy) if buddy else "",
                start=starts.isoformat(),
                days=days,
            )
        )

    async def kickstart(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        run = ProgrammeRun(
            tenant_id=turn.tenant.id,
            programme="kickstart",
            conversation_id=turn.conversation.id,
            created_by_member_id=turn.member.id,
            starts_on=turn.now.astimezone(member_timezone(turn.member)).date(),
            created_at=turn.now,
        )
        await self._start(turn, run, {"channel": Audience.channel(turn.conversation.id)})
        steps = self._programmes["kickstart"].steps
        return _reply(
            turn.t("programmes.kickstart_started", id=run.id, steps=len(steps), weeks=(steps[-1].day + 6) // 7)
        )

    async def plan(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        """The team's plan: every answer given to the kickstart steps of this channel, step by step."""
        run = await turn.session.scalar(
            select(ProgrammeRun)
            .where(ProgrammeRun.conversation_id == turn.conversation.id, ProgrammeRun.programme == "kickstart")
            .order_by(ProgrammeRun.id.desc())
        )
        if run is None:
            raise UsageError("programmes.no_kickstart")
        rows = await turn.session.execute(
            select(Series.settings, Response.answers)
            .join(Round, Round.series_id == Series.id)
            .join(Response, Response.round_id == Round.id)
            .where(Series.kind == KIND, Series.subject == f"run:{run.id}")
        )
        by_day: dict[int, list[dict[str, object]]] = {}
        for settings, answers in rows.all():
            by_day.setdefault(int(settings["day"]), []).append(answers)
        lines = [turn.t("programmes.plan_title")]
        for step in self._programmes["kickstart"].steps:
            lines.append(step.title_in(turn.language))
            questions = step.questions_in("channel", turn.language)
            for field, question in zip(FIELDS, questions, strict=False):
                given = [str(answers[field]) for answers in by_day.get(step.day, []) if answers.get(field)]
                lines.append(f"  {question} " + ("; ".join(given) if given else "–"))
        return _reply("\n".join(lines), private=True)
