"""Chat commands of the nudge engine: schedules, vacation, holidays, opt-out, on-demand reflection, streaks."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select

from bot.commands.spec import Arg, Args, CommandSpec, Kind, Role
from bot.conversations.audiences import Audience
from bot.conversations.kinds import Window
from bot.conversations.planner import next_due
from bot.conversations.rounds import RoundPlan, SeriesPlan
from bot.conversations.tables import Series
from bot.db.base import MAX_ROW_ID
from bot.db.models import Member
from bot.db.upsert import insert_ignore
from bot.directory import member_timezone
from bot.model import ConversationKind, OutboundMessage, Text
from bot.nudges import messages
from bot.nudges.kind import KIND
from bot.nudges.schedules import PROMPT_SETS, ScheduleError, describe_time, parse_schedule
from bot.nudges.streaks import streak
from bot.people.availability import normalize_country
from bot.people.tables import MemberSettings, TeamSettings
from bot.roles.access import NAMES_SHOWN, display, holders
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.conversations.engine import ConversationEngine
    from bot.core import LearnBot

_NO_COUNTRY = ("none", "ingen")
# Nudge numbers are per team (Series.number) and stay within INTEGER range like ids.
MAX_ID = MAX_ROW_ID  # ids are INTEGER (32 bits on PostgreSQL)


def _reply(text: str, *, private: bool = True) -> list[OutboundMessage]:
    return [OutboundMessage(text=text, blocks=(Text(text),), private=private)]


async def _preference(turn: Turn) -> MemberSettings:
    await insert_ignore(turn.session, MemberSettings, {"member_id": turn.member.id}, ["member_id"])
    preference = await turn.session.get(MemberSettings, turn.member.id, populate_existing=True)
    assert preference is not None
    return preference


def _country(word: str) -> str | None:
    """A country code, or None for "none"; anything else is a usage error."""
    if word.casefold() in _NO_COUNTRY:
        return None
    country = normalize_country(word)
    if country is None:
        raise UsageError("nudges.holidays_unknown", value=word[:20])
    return country


_AUDIENCES = {"channel": "channel", "members": "members", "owner": "member"}


class NudgeCommands:
    def __init__(self, engine: ConversationEngine) -> None:
        self._engine = engine

    def specs(self) -> list[CommandSpec]:
        schedule_id = (Arg("id", Kind.NUMBER, low=1, high=MAX_ID),)
        country = Arg("country", Kind.WORD)
        return [
            CommandSpec(
                "nudge",
                subcommands=(
                    CommandSpec("nudge.add", self._add, (Arg("schedule", Kind.TEXT),)),
                    CommandSpec("nudge.list", self._list),
                    CommandSpec("nudge.remove", partial(self._change, change="remove"), schedule_id),
                    CommandSpec("nudge.pause", partial(self._change, change="pause"), schedule_id),
                    CommandSpec("nudge.resume", partial(self._change, change="resume"), schedule_id),
                ),
                default="list",
                priority=10,
            ),
            CommandSpec("pause", self.pause, (Arg("until", Kind.DATE, keyword=True),), priority=20),
            CommandSpec("resume", self.resume, priority=21),
            CommandSpec(
                "holidays",
                self.holidays,
                (replace(country, required=False),),
                subcommands=(CommandSpec("holidays.team", self.team_holidays, (country,), role=Role.MANAGER),),
                priority=60,
            ),
            CommandSpec("stop", self.stop, priority=22),
            CommandSpec("start", self.start, priority=23),
            CommandSpec("reflect", self.reflect, (Arg("topic", Kind.TEXT, required=False),), priority=5),
            CommandSpec("streak", self.streak, priority=6),
        ]

    def register(self, bot: LearnBot) -> None:
        for spec in self.specs():
            bot.command(spec)

    # --- nudge add|list|remove|pause|resume -----------------------------------------------------------------

    async def _add(self, turn: Turn, parsed: Args) -> list[OutboundMessage]:
        args = parsed.text
        try:
            spec = parse_schedule(args)
        except ScheduleError as error:
            raise UsageError(error.key, **error.params) from None
        direct = turn.where.kind is ConversationKind.DIRECT
        target = spec.target or ("owner" if direct else "channel")
        if direct and target != "owner":
            raise UsageError("nudges.channel_only")
        window = timedelta(hours=spec.window_hours) if spec.window_hours else self._engine.config.window
        remind = timedelta(hours=spec.reminder_hours) if spec.reminder_hours else None
        plan = SeriesPlan(
            kind=KIND,
            tenant_id=turn.tenant.id,
            audience=Audience(_AUDIENCES[target], turn.conversation.id, (turn.member.id,) if target == "owner" else ()),
            window=Window(window, remind_after=remind),
            cron=spec.cron,
            include_weekends=spec.include_weekends,
            conversation_id=turn.conversation.id,
            owner_member_id=turn.member.id if target == "owner" else None,
            created_by_member_id=turn.member.id,
            summary=spec.summary,
            settings={"prompt_set": spec.prompt_set, "spec": args[:120], "target": target},
            numbered=True,
        )
        schedule = await self._engine.add_series(turn.session, plan)
        turn.after_commit.append(self._engine.changed)
        return _reply(turn.t("nudges.added", id=schedule.number, what=self._describe(turn, schedule)), private=False)

    def _describe(self, turn: Turn, schedule: Series) -> str:
        zone = member_timezone(turn.member)
        when = schedule.next_due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if schedule.next_due_at else "–"
        settings = schedule.settings or {}
        return turn.t(
            "nudges.describe",
            spec=settings.get("spec", ""),
            time=describe_time(schedule.cron or ""),
            title=messages.title(turn.t, settings.get("prompt_set", "daily_reflection")),
            target=turn.t(f"nudges.target_{settings.get('target', 'channel')}"),
            next=when,
            zone=zone.key,
        )

    def _visible(self, turn: Turn) -> list[ColumnElement[bool]]:
        """A member sees their own personal nudges and the channel nudges of where they are; nobody else's."""
        return [
            Series.kind == KIND,
            Series.tenant_id == turn.tenant.id,
            or_(
                Series.owner_member_id == turn.member.id,
                and_(Series.owner_member_id.is_(None), Series.conversation_id == turn.conversation.id),
            ),
        ]

    async def _list(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        schedules = (
            await turn.session.scalars(select(Series).where(*self._visible(turn)).order_by(Series.number, Series.id))
        ).all()
        if not schedules:
            return _reply(turn.t("nudges.list_empty"))
        lines = [turn.t("nudges.list_title")]
        for schedule in schedules:
            paused = f" ({turn.t('nudges.paused_tag')})" if schedule.paused else ""
            lines.append(f"#{schedule.number}{paused}: {self._describe(turn, schedule)}")
        return _reply("\n".join(lines))

    async def _change(self, turn: Turn, args: Args, change: str) -> list[OutboundMessage]:
        number = args.number("id")
        assert number is not None  # a required argument
        schedule = await turn.session.scalar(select(Series).where(Series.number == number, *self._visible(turn)))
        if schedule is None:
            raise UsageError("nudges.not_found", id=number)
        if schedule.owner_member_id is None and schedule.created_by_member_id != turn.member.id and not turn.is_manager:
            return await self._not_yours(turn, schedule)
        if change == "remove":
            await turn.session.delete(schedule)
        else:
            schedule.paused = change == "pause"
            if not schedule.paused:
                # Resuming starts from now: rounds that fell in the pause are not sent late.
                schedule.next_due_at = await next_due(turn.session, schedule, turn.tenant, turn.now)
                turn.after_commit.append(self._engine.changed)
        return _reply(turn.t(f"nudges.{change}d", id=schedule.number), private=False)

    async def _not_yours(self, turn: Turn, schedule: Series) -> list[OutboundMessage]:
        """A channel nudge is changed by whoever added it, managers and admins: say so, with names."""
        creator = (
            await turn.session.get(Member, schedule.created_by_member_id) if schedule.created_by_member_id else None
        )
        text = turn.t("nudges.not_yours_to_change", id=schedule.number, creator=display(creator) if creator else "–")
        managers = [display(member) for member in await holders(turn.session, turn.tenant, Role.MANAGER)]
        if managers:
            text += " " + turn.t("roles.ask", names=", ".join(managers[:NAMES_SHOWN]))
        return _reply(text)

    # --- the member's own settings ------------------------------------------------------------------------

    async def pause(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        preference = await _preference(turn)
        until = args.date("until")
        if until is None:
            preference.paused, preference.paused_until = True, None
            return _reply(turn.t("nudges.member_paused"))
        today = turn.now.astimezone(ZoneInfo(member_timezone(turn.member).key)).date()
        if until < today:
            raise UsageError("nudges.date_past", value=until.isoformat())
        preference.paused, preference.paused_until = True, until
        return _reply(
            turn.t("nudges.member_paused_until", date=until.isoformat(), back=(until + timedelta(days=1)).isoformat())
        )

    async def resume(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        preference = await _preference(turn)
        preference.paused, preference.paused_until = False, None
        return _reply(turn.t("nudges.member_resumed"))

    async def stop(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        (await _preference(turn)).opted_out = True
        return _reply(turn.t("nudges.stopped"))

    async def start(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        (await _preference(turn)).opted_out = False
        return _reply(turn.t("nudges.started"))

    async def holidays(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        word = args.string("country")
        preference = await _preference(turn)
        if not word:
            setting = await turn.session.get(TeamSettings, turn.tenant.id)
            mine = preference.country or (setting.country if setting else None)
            return _reply(turn.t("nudges.holidays_current", country=mine) if mine else turn.t("nudges.holidays_none"))
        country = _country(word)
        preference.country = country
        return _reply(turn.t("nudges.holidays_set", country=country or "–"))

    async def team_holidays(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        country = _country(args.string("country") or "")
        await insert_ignore(turn.session, TeamSettings, {"tenant_id": turn.tenant.id}, ["tenant_id"])
        setting = await turn.session.get(TeamSettings, turn.tenant.id, populate_existing=True)
        assert setting is not None
        setting.country = country
        return _reply(turn.t("nudges.holidays_team_set", country=country or "–"), private=False)

    # --- on demand ------------------------------------------------------------------------------------------

    async def reflect(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        topic = " ".join(args.text.split())[:200] or None
        plan = RoundPlan(
            kind=KIND,
            tenant_id=turn.tenant.id,
            audience=Audience.member(turn.member.id),
            due_at=turn.now,
            window=Window(self._engine.config.window),
            conversation_id=turn.conversation.id,
            context={"prompt_set": PROMPT_SETS["task"], "topic": topic},
        )
        if turn.where.kind is not ConversationKind.DIRECT:
            plan = replace(plan, audience=Audience.channel(turn.conversation.id))
        reply = await self._engine.open_as_reply(turn.session, turn.t, plan, turn.member.id, turn.conversation.id)
        return [reply]

    async def streak(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        result = await streak(turn.session, turn.member.id, turn.now)
        if result.best == 0:
            return _reply(turn.t("nudges.streak_none"))
        return _reply(turn.t("nudges.streak", current=result.current, best=result.best))
