"""Chat commands of the nudge engine: schedules, vacation, holidays, opt-out, on-demand reflection, streaks."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select

from bot.db.base import row_id
from bot.db.upsert import insert_ignore
from bot.directory import member_timezone
from bot.model import ConversationKind, OutboundMessage, Text
from bot.nudges import messages
from bot.nudges.recipients import schedule_zones
from bot.nudges.schedules import PROMPT_SETS, ScheduleError, describe_time, next_fire, parse_schedule
from bot.nudges.skip_rules import normalize_country
from bot.nudges.streaks import streak
from bot.nudges.tables import NudgeDelivery, NudgePreference, NudgeRun, NudgeSchedule, NudgeTeamSetting
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.core import LearnBot
    from bot.nudges.config import EngineConfig

_UNTIL = re.compile(r"^(?:until|til|till|indtil)?\s*(\d{4}-\d{2}-\d{2})$", re.IGNORECASE)


def _reply(text: str, *, private: bool = True) -> list[OutboundMessage]:
    return [OutboundMessage(text=text, blocks=(Text(text),), private=private)]


async def _preference(turn: Turn) -> NudgePreference:
    await insert_ignore(turn.session, NudgePreference, {"member_id": turn.member.id}, ["member_id"])
    preference = await turn.session.get(NudgePreference, turn.member.id, populate_existing=True)
    assert preference is not None
    return preference


class NudgeCommands:
    def __init__(self, config: EngineConfig) -> None:
        self._config = config

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
        schedule = NudgeSchedule(
            tenant_id=turn.tenant.id,
            conversation_id=turn.conversation.id,
            owner_member_id=turn.member.id if target == "owner" else None,
            created_by_member_id=turn.member.id,
            spec=args[:120],
            cron=spec.cron,
            include_weekends=spec.include_weekends,
            prompt_set=spec.prompt_set,
            target=target,
            reminder_hours=spec.reminder_hours,
            summary=spec.summary,
            paused=False,
            created_at=turn.now,
        )
        turn.session.add(schedule)
        await turn.session.flush()
        zones = await schedule_zones(turn.session, schedule, turn.tenant)
        schedule.next_due_at = next_fire(schedule.cron, zones, turn.now)
        return _reply(turn.t("nudges.added", id=schedule.id, what=self._describe(turn, schedule)), private=False)

    def _describe(self, turn: Turn, schedule: NudgeSchedule) -> str:
        zone = member_timezone(turn.member)
        when = schedule.next_due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if schedule.next_due_at else "–"
        return turn.t(
            "nudges.describe",
            spec=schedule.spec,
            time=describe_time(schedule.cron),
            title=messages.title(turn.t, schedule.prompt_set),
            target=turn.t(f"nudges.target_{schedule.target}"),
            next=when,
            zone=zone.key,
        )

    def _visible(self, turn: Turn) -> list[ColumnElement[bool]]:
        return [
            NudgeSchedule.tenant_id == turn.tenant.id,
            or_(NudgeSchedule.conversation_id == turn.conversation.id, NudgeSchedule.owner_member_id == turn.member.id),
        ]

    async def _list(self, turn: Turn) -> list[OutboundMessage]:
        schedules = (
            await turn.session.scalars(select(NudgeSchedule).where(*self._visible(turn)).order_by(NudgeSchedule.id))
        ).all()
        if not schedules:
            return _reply(turn.t("nudges.list_empty"))
        lines = [turn.t("nudges.list_title")]
        for schedule in schedules:
            paused = f" ({turn.t('nudges.paused_tag')})" if schedule.paused else ""
            lines.append(f"#{schedule.id}{paused}: {self._describe(turn, schedule)}")
        return _reply("\n".join(lines))

    async def _change(self, turn: Turn, args: str, change: str) -> list[OutboundMessage]:
        word = args.strip().lstrip("#")
        number = row_id(word)
        if number is None:
            raise UsageError("nudges.which", value=word[:40])
        schedule = await turn.session.scalar(
            select(NudgeSchedule).where(NudgeSchedule.id == number, *self._visible(turn))
        )
        if schedule is None:
            raise UsageError("nudges.not_found", id=word)
        if change == "remove":
            await turn.session.delete(schedule)
        else:
            schedule.paused = change == "pause"
            if not schedule.paused:
                # Resuming starts from now: runs that fell in the pause are not sent late.
                zones = await schedule_zones(turn.session, schedule, turn.tenant)
                schedule.next_due_at = next_fire(schedule.cron, zones, turn.now)
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
        setting = await turn.session.get(NudgeTeamSetting, turn.tenant.id)
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
            await insert_ignore(turn.session, NudgeTeamSetting, {"tenant_id": turn.tenant.id}, ["tenant_id"])
            setting = await turn.session.get(NudgeTeamSetting, turn.tenant.id, populate_existing=True)
            assert setting is not None
            setting.country = country
            return _reply(turn.t("nudges.holidays_team_set", country=country or "–"), private=False)
        preference.country = country
        return _reply(turn.t("nudges.holidays_set", country=country or "–"))

    # --- on demand ------------------------------------------------------------------------------------------

    async def reflect(self, turn: Turn, args: str) -> list[OutboundMessage]:
        topic = " ".join(args.split())[:200] or None
        run = NudgeRun(
            schedule_id=None,
            tenant_id=turn.tenant.id,
            due_at=turn.now,
            state="open",
            prompt_set=PROMPT_SETS["task"],
            topic=topic,
            closes_at=turn.now + self._config.run_open,
            created_at=turn.now,
        )
        turn.session.add(run)
        await turn.session.flush()
        delivery = NudgeDelivery(
            idempotency_key=f"reflect{run.id}",
            kind="prompt",
            tenant_id=turn.tenant.id,
            run_id=run.id,
            member_id=turn.member.id,
            conversation_id=turn.conversation.id,
            due_at=turn.now,
            state="sent",  # delivered as this turn's reply
            not_before=turn.now,
            attempts=0,
            sent_at=turn.now,
            created_at=turn.now,
        )
        turn.session.add(delivery)
        await turn.session.flush()
        in_channel = turn.where.kind is not ConversationKind.DIRECT
        return [messages.prompt_message(turn.t, run.prompt_set, delivery.id, topic=topic, in_channel=in_channel)]

    async def streak(self, turn: Turn, args: str) -> list[OutboundMessage]:
        result = await streak(turn.session, turn.member.id, turn.now)
        if result.best == 0:
            return _reply(turn.t("nudges.streak_none"))
        return _reply(turn.t("nudges.streak", current=result.current, best=result.best))
