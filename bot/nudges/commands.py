"""Chat commands of the nudge engine: schedules, vacation, holidays, opt-out, on-demand reflection, streaks."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select

from bot.conversations.audiences import Audience
from bot.conversations.kinds import Window
from bot.conversations.planner import next_due
from bot.conversations.rounds import RoundPlan, SeriesPlan
from bot.conversations.tables import Series
from bot.db.upsert import insert_ignore
from bot.directory import member_timezone
from bot.model import ConversationKind, OutboundMessage, Text
from bot.nudges import messages
from bot.nudges.kind import KIND
from bot.nudges.schedules import PROMPT_SETS, ScheduleError, describe_time, parse_schedule
from bot.nudges.streaks import streak
from bot.people.availability import normalize_country
from bot.people.tables import MemberSettings, TeamSettings
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.conversations.engine import ConversationEngine
    from bot.core import LearnBot

_UNTIL = re.compile(r"^(?:until|til|till|indtil)?\s*(\d{4}-\d{2}-\d{2})$", re.IGNORECASE)


def _reply(text: str, *, private: bool = True) -> list[OutboundMessage]:
    return [OutboundMessage(text=text, blocks=(Text(text),), private=private)]


async def _preference(turn: Turn) -> MemberSettings:
    await insert_ignore(turn.session, MemberSettings, {"member_id": turn.member.id}, ["member_id"])
    preference = await turn.session.get(MemberSettings, turn.member.id, populate_existing=True)
    assert preference is not None
    return preference


_AUDIENCES = {"channel": "channel", "members": "members", "owner": "member"}


class NudgeCommands:
    def __init__(self, engine: ConversationEngine) -> None:
        self._engine = engine

    def register(self, bot: LearnBot) -> None:
        bot.command("nudge", self.nudge, aliases=("nudges",))
        bot.command("pause", self.pause)
        bot.command("resume", self.resume)
        bot.command("holidays", self.holidays, aliases=("helligdage", "helgdagar"))
        bot.command("stop", self.stop)
        bot.command("start", self.start)
        bot.command("reflect", self.reflect, aliases=("refleksion", "reflektera"))
        bot.command("streak", self.streak)

    # --- nudge add|list|remove|pause|resume -----------------------------------------------------------------

    async def nudge(self, turn: Turn, args: str) -> list[OutboundMessage]:
        verb, _, rest = args.strip().partition(" ")
        match verb.casefold():
            case "add" | "tilføj" | "lägg":
                return await self._add(turn, rest.strip())
            case "list" | "" | "liste" | "lista":
                return await self._list(turn)
            case "remove" | "fjern" | "ta":
                return await self._change(turn, rest, "remove")
            case "pause":
                return await self._change(turn, rest, "pause")
            case "resume":
                return await self._change(turn, rest, "resume")
        raise UsageError("nudges.unknown_verb", verb=verb[:40])

    async def _add(self, turn: Turn, args: str) -> list[OutboundMessage]:
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
        )
        schedule = await self._engine.add_series(turn.session, plan)
        turn.after_commit.append(self._engine.changed)
        return _reply(turn.t("nudges.added", id=schedule.id, what=self._describe(turn, schedule)), private=False)

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
        return [
            Series.kind == KIND,
            Series.tenant_id == turn.tenant.id,
            or_(Series.conversation_id == turn.conversation.id, Series.owner_member_id == turn.member.id),
        ]

    async def _list(self, turn: Turn) -> list[OutboundMessage]:
        schedules = (await turn.session.scalars(select(Series).where(*self._visible(turn)).order_by(Series.id))).all()
        if not schedules:
            return _reply(turn.t("nudges.list_empty"))
        lines = [turn.t("nudges.list_title")]
        for schedule in schedules:
            paused = f" ({turn.t('nudges.paused_tag')})" if schedule.paused else ""
            lines.append(f"#{schedule.id}{paused}: {self._describe(turn, schedule)}")
        return _reply("\n".join(lines))

    async def _change(self, turn: Turn, args: str, change: str) -> list[OutboundMessage]:
        word = args.strip().lstrip("#")
        if not word.isdigit():
            raise UsageError("nudges.which", value=word[:40])
        schedule = await turn.session.scalar(select(Series).where(Series.id == int(word), *self._visible(turn)))
        if schedule is None:
            raise UsageError("nudges.not_found", id=word)
        if change == "remove":
            await turn.session.delete(schedule)
        else:
            schedule.paused = change == "pause"
            if not schedule.paused:
                # Resuming starts from now: rounds that fell in the pause are not sent late.
                schedule.next_due_at = await next_due(turn.session, schedule, turn.tenant, turn.now)
                turn.after_commit.append(self._engine.changed)
        return _reply(turn.t(f"nudges.{change}d", id=schedule.id), private=False)

    # --- the member's own settings ------------------------------------------------------------------------

    async def pause(self, turn: Turn, args: str) -> list[OutboundMessage]:
        preference = await _preference(turn)
        if not args.strip():
            preference.paused, preference.paused_until = True, None
            return _reply(turn.t("nudges.member_paused"))
        match = _UNTIL.match(args.strip())
        try:
            until = date.fromisoformat(match.group(1)) if match else None
        except ValueError:
            until = None
        if until is None:
            raise UsageError("nudges.bad_date", value=args.strip()[:40])
        today = turn.now.astimezone(ZoneInfo(member_timezone(turn.member).key)).date()
        if until < today:
            raise UsageError("nudges.date_past", value=until.isoformat())
        preference.paused, preference.paused_until = True, until
        return _reply(
            turn.t("nudges.member_paused_until", date=until.isoformat(), back=(until + timedelta(days=1)).isoformat())
        )

    async def resume(self, turn: Turn, args: str) -> list[OutboundMessage]:
        preference = await _preference(turn)
        preference.paused, preference.paused_until = False, None
        return _reply(turn.t("nudges.member_resumed"))

    async def stop(self, turn: Turn, args: str) -> list[OutboundMessage]:
        (await _preference(turn)).opted_out = True
        return _reply(turn.t("nudges.stopped"))

    async def start(self, turn: Turn, args: str) -> list[OutboundMessage]:
        (await _preference(turn)).opted_out = False
        return _reply(turn.t("nudges.started"))

    async def holidays(self, turn: Turn, args: str) -> list[OutboundMessage]:
        words = args.split()
        team = bool(words) and words[0].casefold() in ("team", "hold")
        if team:
            words = words[1:]
        setting = await turn.session.get(TeamSettings, turn.tenant.id)
        preference = await _preference(turn)
        if not words:
            mine = preference.country or (setting.country if setting else None)
            return _reply(turn.t("nudges.holidays_current", country=mine) if mine else turn.t("nudges.holidays_none"))
        country = None if words[0].casefold() in ("none", "ingen") else normalize_country(words[0])
        if country is None and words[0].casefold() not in ("none", "ingen"):
            raise UsageError("nudges.holidays_unknown", value=words[0][:20])
        if team:
            if not turn.is_manager:
                raise UsageError("errors.managers_only", command="holidays team")
            await insert_ignore(turn.session, TeamSettings, {"tenant_id": turn.tenant.id}, ["tenant_id"])
            setting = await turn.session.get(TeamSettings, turn.tenant.id, populate_existing=True)
            assert setting is not None
            setting.country = country
            return _reply(turn.t("nudges.holidays_team_set", country=country or "–"), private=False)
        preference.country = country
        return _reply(turn.t("nudges.holidays_set", country=country or "–"))

    # --- on demand ------------------------------------------------------------------------------------------

    async def reflect(self, turn: Turn, args: str) -> list[OutboundMessage]:
        topic = " ".join(args.split())[:200] or None
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

    async def streak(self, turn: Turn, args: str) -> list[OutboundMessage]:
        result = await streak(turn.session, turn.member.id, turn.now)
        if result.best == 0:
            return _reply(turn.t("nudges.streak_none"))
        return _reply(turn.t("nudges.streak", current=result.current, best=result.best))
