"""Chat commands of mentoring: pairs (made by a manager, or asked for and accepted), their history, finding
who knows a topic, the opt-out from suggestions and the programme owner's report."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from bot.commands.spec import Arg, Args, CommandSpec, Kind, Role
from bot.conversations.tables import Response, Round, Series
from bot.db.base import MAX_ROW_ID
from bot.db.models import Member
from bot.db.upsert import insert_ignore
from bot.directory import member_timezone
from bot.learning.log import LearningLog
from bot.learning.tables import Learning
from bot.mentoring.asking import ACCEPT_ACTION, DECLINE_ACTION, ask_plan, notice_plan
from bot.mentoring.checkin import CHECKIN_TIME, TO_LOG_ACTION, cycle_rounds, pair_rounds, series_plan
from bot.mentoring.expertise import who_knows
from bot.mentoring.people import names_of
from bot.mentoring.report import mentoring_report
from bot.mentoring.tables import CADENCES, MentoringPreference, MentorPair
from bot.model import InboundAction, OutboundMessage, Text
from bot.privacy.k_anonymity import Rule, Shown
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.conversations.engine import ConversationEngine
    from bot.core import LearnBot

DEFAULT_CADENCE = "biweekly"
MAX_GOAL = 300


def _reply(text: str, *, private: bool = True) -> list[OutboundMessage]:
    return [OutboundMessage(text=text, blocks=(Text(text),), private=private)]


class MentoringCommands:
    def __init__(self, engine: ConversationEngine, learning_log: LearningLog, rule: Rule) -> None:
        self._engine = engine
        self._learning_log = learning_log
        self._rule = rule

    def specs(self) -> list[CommandSpec]:
        pair_id = (Arg("id", Kind.NUMBER, low=1, high=MAX_ROW_ID),)
        cadence = Arg("cadence", Kind.CHOICE, required=False, choices=CADENCES)
        goal = Arg("goal", Kind.TEXT, keyword=True)
        topic = (Arg("topic", Kind.TEXT),)
        return [
            CommandSpec(
                "mentor",
                subcommands=(
                    CommandSpec(
                        "mentor.pair",
                        self.pair,
                        (Arg("mentor", Kind.MEMBER), Arg("mentee", Kind.MEMBER), cadence, goal),
                        role=Role.MANAGER,
                    ),
                    CommandSpec("mentor.ask", self.ask, (Arg("someone", Kind.MEMBER), cadence, goal)),
                    CommandSpec("mentor.list", self.list_pairs),
                    CommandSpec("mentor.end", self.end, pair_id),
                    CommandSpec("mentor.history", self.history, pair_id),
                    CommandSpec("mentor.find", self.find, topic),
                    CommandSpec("mentor.suggest", self.suggest, (Arg("choice", Kind.CHOICE, choices=("on", "off")),)),
                    CommandSpec("mentor.report", self.report, role=Role.MANAGER),
                ),
                default="list",
                priority=30,
            ),
            CommandSpec("whoknows", self.find, topic, priority=31),
        ]

    def register(self, bot: LearnBot) -> None:
        for spec in self.specs():
            bot.command(spec)
        bot.action(ACCEPT_ACTION, self.accept)
        bot.action(DECLINE_ACTION, self.decline)
        bot.action(TO_LOG_ACTION, self.to_log)

    # --- making pairs -------------------------------------------------------------------------------------

    def _proposal(self, turn: Turn, args: Args, mentor: Member, mentee: Member, state: str) -> MentorPair:
        if mentor.id == mentee.id:
            raise UsageError("mentoring.same_person")
        goal = (args.string("goal") or "").strip()
        if len(goal) > MAX_GOAL:
            raise UsageError("mentoring.goal_too_long", limit=MAX_GOAL)
        return MentorPair(
            tenant_id=turn.tenant.id,
            mentor_member_id=mentor.id,
            mentee_member_id=mentee.id,
            created_by_member_id=turn.member.id,
            cadence=args.string("cadence") or DEFAULT_CADENCE,
            goal=goal or None,
            state=state,
            created_at=turn.now,
        )

    async def _start(self, turn: Turn, pair: MentorPair) -> Series:
        pair.state, pair.started_at = "active", turn.now
        await turn.session.flush()
        series = await self._engine.add_series(turn.session, series_plan(pair, turn.now, None))
        pair.series_id = series.id
        turn.after_commit.append(self._engine.changed)
        return series

    async def _already_paired(self, turn: Turn, mentor: Member, mentee: Member) -> MentorPair | None:
        return await turn.session.scalar(
            select(MentorPair).where(
                MentorPair.tenant_id == turn.tenant.id,
                MentorPair.mentor_member_id == mentor.id,
                MentorPair.mentee_member_id == mentee.id,
                MentorPair.state.in_(("proposed", "active")),
            )
        )

    async def pair(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        mentor, mentee = args.member("mentor"), args.member("mentee")
        assert mentor is not None and mentee is not None  # required arguments
        if (existing := await self._already_paired(turn, mentor, mentee)) is not None:
            raise UsageError("mentoring.already_paired", id=existing.id)
        pair = self._proposal(turn, args, mentor, mentee, "active")
        turn.session.add(pair)
        series = await self._start(turn, pair)
        return _reply(await self._started_text(turn, pair, series), private=False)

    async def _started_text(self, turn: Turn, pair: MentorPair, series: Series) -> str:
        names = await names_of(turn.session, [pair.mentor_member_id, pair.mentee_member_id])
        zone = member_timezone(turn.member)
        first = series.next_due_at.astimezone(zone).strftime("%Y-%m-%d") if series.next_due_at else "–"
        return turn.t(
            "mentoring.paired",
            id=pair.id,
            mentor=names.get(pair.mentor_member_id or 0, "–"),
            mentee=names.get(pair.mentee_member_id or 0, "–"),
            cadence=turn.t(f"mentoring.cadence_{pair.cadence}"),
            first=first,
            time=CHECKIN_TIME,
        )

    async def ask(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        mentor = args.member("someone")
        assert mentor is not None
        if (existing := await self._already_paired(turn, mentor, turn.member)) is not None:
            raise UsageError("mentoring.already_paired", id=existing.id)
        pair = self._proposal(turn, args, mentor, turn.member, "proposed")
        turn.session.add(pair)
        await turn.session.flush()
        await self._engine.open_round(turn.session, ask_plan(pair, turn.now))
        turn.after_commit.append(self._engine.changed)
        names = await names_of(turn.session, [mentor.id])
        return _reply(turn.t("mentoring.asked", mentor=names[mentor.id]))

    async def _proposed_to(self, turn: Turn, action: InboundAction) -> MentorPair:
        pair = await turn.session.get(MentorPair, int(action.value)) if action.value.isdigit() else None
        if pair is None or pair.tenant_id != turn.tenant.id or pair.mentor_member_id != turn.member.id:
            raise UsageError("errors.unknown_action")
        if pair.state != "proposed":
            raise UsageError("mentoring.no_longer_open", id=pair.id)
        return pair

    async def accept(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        pair = await self._proposed_to(turn, action)
        series = await self._start(turn, pair)
        if pair.mentee_member_id is not None:
            await self._engine.open_round(turn.session, notice_plan(pair, pair.mentee_member_id, "accepted", turn.now))
        return _reply(await self._started_text(turn, pair, series))

    async def decline(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        pair = await self._proposed_to(turn, action)
        pair.state, pair.ended_at = "declined", turn.now
        if pair.mentee_member_id is not None:
            await self._engine.open_round(turn.session, notice_plan(pair, pair.mentee_member_id, "declined", turn.now))
            turn.after_commit.append(self._engine.changed)
        return _reply(turn.t("mentoring.declined", id=pair.id))

    # --- the pair's own view --------------------------------------------------------------------------------

    async def _own_pair(self, turn: Turn, args: Args, *, managers_too: bool) -> MentorPair:
        number = args.number("id")
        assert number is not None
        pair = await turn.session.get(MentorPair, number)
        if pair is None or pair.tenant_id != turn.tenant.id:
            raise UsageError("mentoring.not_found", id=number)
        mine = turn.member.id in (pair.mentor_member_id, pair.mentee_member_id)
        if not mine and not (managers_too and turn.is_manager):
            raise UsageError("mentoring.not_found", id=number)  # a pair's existence is not for others to probe
        return pair

    async def list_pairs(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        query = select(MentorPair).where(MentorPair.tenant_id == turn.tenant.id, MentorPair.state == "active")
        if not turn.is_manager:
            query = query.where(
                or_(MentorPair.mentor_member_id == turn.member.id, MentorPair.mentee_member_id == turn.member.id)
            )
        pairs = list(await turn.session.scalars(query.order_by(MentorPair.id)))
        if not pairs:
            return _reply(turn.t("mentoring.list_empty"))
        names = await names_of(turn.session, [m for p in pairs for m in (p.mentor_member_id, p.mentee_member_id)])
        lines = [turn.t("mentoring.list_title")]
        for pair in pairs:
            line = turn.t(
                "mentoring.list_line",
                id=pair.id,
                mentor=names.get(pair.mentor_member_id or 0, "–"),
                mentee=names.get(pair.mentee_member_id or 0, "–"),
                cadence=turn.t(f"mentoring.cadence_{pair.cadence}"),
            )
            lines.append(line + (f" — {pair.goal}" if pair.goal else ""))
        return _reply("\n".join(lines))

    async def end(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        pair = await self._own_pair(turn, args, managers_too=True)
        if pair.state not in ("active", "proposed"):
            raise UsageError("mentoring.no_longer_open", id=pair.id)
        pair.state, pair.ended_at = "ended", turn.now
        if pair.series_id is not None and (series := await turn.session.get(Series, pair.series_id)) is not None:
            series.paused, series.next_due_at = True, None  # kept: its rounds are the pair's history
        return _reply(turn.t("mentoring.ended", id=pair.id), private=False)

    async def history(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        pair = await self._own_pair(turn, args, managers_too=False)
        meetings = await pair_rounds(turn.session, pair)
        if not meetings:
            return _reply(turn.t("mentoring.history_empty", id=pair.id))
        cycles = {
            meeting.id: [r.id for r in await cycle_rounds(turn.session, meeting.round_id)] if meeting.round_id else []
            for meeting in meetings
        }
        responses = await turn.session.execute(
            select(Response.round_id, Response.member_id, Response.answers).where(
                Response.round_id.in_([round_id for ids in cycles.values() for round_id in ids])
            )
        )
        by_round: dict[int, list[tuple[int | None, dict[str, object]]]] = {}
        for round_id, member_id, given in responses.all():
            by_round.setdefault(round_id, []).append((member_id, given))
        names = await names_of(turn.session, [pair.mentor_member_id, pair.mentee_member_id])
        zone = member_timezone(turn.member)
        lines = [turn.t("mentoring.history_title", id=pair.id)]
        for meeting in meetings:
            state = {True: "met", False: "not_met", None: "no_answer"}[meeting.met]
            lines.append(
                f"{meeting.due_at.astimezone(zone):%Y-%m-%d}: {turn.t(f'mentoring.history_{state}')}"
                + (f" ({turn.t('mentoring.history_follow_up')})" if meeting.follow_up else "")
            )
            for member_id, given in (
                answer for round_id in cycles[meeting.id] for answer in by_round.get(round_id, [])
            ):
                for field in ("talked", "learned"):
                    if given.get(field):
                        label = turn.t(f"mentoring.history_{field}")
                        lines.append(f"  {names.get(member_id or 0, '–')} · {label}: {given[field]}")
        return _reply("\n".join(lines))

    async def to_log(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        """The check-in's "what did you learn?" into the member's learning log, once."""
        round_id = int(action.value) if action.value.isdigit() and int(action.value) <= MAX_ROW_ID else 0
        response = await turn.session.scalar(
            select(Response)
            .join(Round, Round.id == Response.round_id)
            .where(
                Response.round_id == round_id, Response.member_id == turn.member.id, Round.tenant_id == turn.tenant.id
            )
        )
        learned = str((response.answers or {}).get("learned") or "").strip() if response else ""
        if not learned:
            raise UsageError("mentoring.nothing_to_log")
        key = hashlib.sha256(f"mentoring:{round_id}:{turn.member.id}".encode()).hexdigest()
        exists = await turn.session.scalar(
            select(Learning.id).where(Learning.tenant_id == turn.tenant.id, Learning.content_key == key)
        )
        if exists is not None:
            return _reply(turn.t("mentoring.already_logged", id=exists))
        learning = await self._learning_log.add(
            turn.session,
            tenant_id=turn.tenant.id,
            member_id=turn.member.id,
            conversation_id=turn.conversation.id,
            text=learned,
            language=turn.language,
            now=turn.now,
        )
        learning.content_key = key
        return _reply(turn.t("mentoring.logged", id=learning.id))

    # --- finding people, and not being found ------------------------------------------------------------------

    async def find(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        topic = (args.string("topic") or "").strip()
        found = await who_knows(turn.session, turn.tenant.id, topic, asking_member_id=turn.member.id, now=turn.now)
        if not found:
            return _reply(turn.t("mentoring.find_none", topic=topic[:60]))
        zone = member_timezone(turn.member)
        lines = [turn.t("mentoring.find_title", topic=topic[:60])]
        for number, colleague in enumerate(found, 1):
            lines.append(
                turn.t(
                    "mentoring.find_line",
                    number=number,
                    name=colleague.name,
                    entries=colleague.entries,
                    last=f"{colleague.last_at.astimezone(zone):%Y-%m-%d}",
                )
            )
        lines.append(turn.t("mentoring.find_hint"))
        return _reply("\n".join(lines))

    async def suggest(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        suggestable = args.string("choice") == "on"
        await insert_ignore(turn.session, MentoringPreference, {"member_id": turn.member.id}, ["member_id"])
        preference = await turn.session.get(MentoringPreference, turn.member.id, populate_existing=True)
        assert preference is not None
        preference.suggestable = suggestable
        return _reply(turn.t("mentoring.suggest_on" if suggestable else "mentoring.suggest_off"))

    async def report(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        zone = member_timezone(turn.member)
        figures = await mentoring_report(turn.session, turn.tenant.id, turn.now, zone, self._rule)
        lines = [turn.t("mentoring.report_title")]
        for figure in figures:
            if isinstance(figure.shown, Shown):
                value = str(figure.shown.value)
            else:
                hidden = "report_hidden" if figure.shown.reason == "too_few" else "report_hidden_difference"
                value = turn.t(f"mentoring.{hidden}", k=figure.shown.k)
            lines.append(turn.t(f"mentoring.report_{figure.label}", period=figure.period or "", value=value))
        lines.append(turn.t("mentoring.report_note", k=self._rule.k))
        return _reply("\n".join(lines))
