"""`digest on [DAY HH:MM]`, `digest off` (managers, in a channel) and `digest` (its status, for anyone there)."""

from __future__ import annotations

from datetime import time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.commands.spec import Arg, Args, CommandSpec, Kind, Place, Role
from bot.conversations.audiences import Audience
from bot.conversations.kinds import Window
from bot.conversations.planner import next_due
from bot.conversations.rounds import SeriesPlan
from bot.conversations.tables import Series
from bot.digest.kind import KIND
from bot.model import OutboundMessage, Text
from bot.people.availability import team_country
from bot.turn import Turn

if TYPE_CHECKING:
    from bot.conversations.engine import ConversationEngine
    from bot.core import LearnBot

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_DAY = "fri"
DEFAULT_TIME = time(14, 0)
# The digest is a post, not a question: its round closes soon after, and nothing is reminded.
WINDOW = Window(timedelta(hours=1))


def _reply(text: str, *, private: bool = True) -> list[OutboundMessage]:
    return [OutboundMessage(text=text, blocks=(Text(text),), private=private)]


def subject(conversation_id: int) -> str:
    return f"digest:{conversation_id}"


class DigestCommands:
    def __init__(self, engine: ConversationEngine) -> None:
        self._engine = engine

    def specs(self) -> list[CommandSpec]:
        when = (Arg("day", Kind.CHOICE, required=False, choices=DAYS), Arg("time", Kind.TIME, required=False))
        return [
            CommandSpec(
                "digest",
                self.status,
                subcommands=(
                    CommandSpec("digest.on", self.on, when, role=Role.MANAGER, place=Place.CHANNEL),
                    CommandSpec("digest.off", self.off, role=Role.MANAGER, place=Place.CHANNEL),
                ),
                place=Place.CHANNEL,
                priority=42,
            )
        ]

    def register(self, bot: LearnBot) -> None:
        for spec in self.specs():
            bot.command(spec)

    async def _series(self, turn: Turn) -> Series | None:
        return await turn.session.scalar(
            select(Series).where(
                Series.kind == KIND, Series.tenant_id == turn.tenant.id, Series.subject == subject(turn.conversation.id)
            )
        )

    async def on(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        day = args.string("day") or DEFAULT_DAY
        at = args.time("time") or DEFAULT_TIME
        settings = {"day": day, "time": at.strftime("%H:%M"), "language": turn.language}
        cron = f"{at.minute} {at.hour} * * {day}"
        existing = await self._series(turn)
        if existing is not None:
            # A new day or time moves the schedule; its past rounds (what was posted, what was skipped) stay.
            existing.cron, existing.settings = cron, settings
            existing.include_weekends, existing.paused = day in ("sat", "sun"), False
            existing.next_due_at = await next_due(turn.session, existing, turn.tenant, turn.now)
            turn.after_commit.append(self._engine.changed)
            return _reply(await self._describe(turn, existing), private=False)
        plan = SeriesPlan(
            kind=KIND,
            tenant_id=turn.tenant.id,
            audience=Audience.channel(turn.conversation.id),
            window=WINDOW,
            cron=cron,
            include_weekends=day in ("sat", "sun"),
            conversation_id=turn.conversation.id,
            created_by_member_id=turn.member.id,
            subject=subject(turn.conversation.id),
            settings=settings,
        )
        series = await self._engine.add_series(turn.session, plan)
        turn.after_commit.append(self._engine.changed)
        return _reply(await self._describe(turn, series), private=False)

    async def off(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        existing = await self._series(turn)
        if existing is None:
            return _reply(turn.t("digest.already_off"))
        await turn.session.delete(existing)
        return _reply(turn.t("digest.turned_off"), private=False)

    async def status(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        existing = await self._series(turn)
        if existing is None:
            return _reply(turn.t("digest.status_off"))
        return _reply(await self._describe(turn, existing))

    async def _describe(self, turn: Turn, series: Series) -> str:
        zone = ZoneInfo(turn.tenant.timezone)  # the channel's local time: its team's zone, as channel posts use
        settings = series.settings or {}
        nxt = series.next_due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if series.next_due_at else "–"
        text = turn.t(
            "digest.status_on",
            day=turn.t(f"digest.day_{settings.get('day', DEFAULT_DAY)}"),
            time=settings.get("time", ""),
            zone=zone.key,
            next=nxt,
        )
        country = await team_country(turn.session, turn.tenant.id)
        holidays = turn.t("digest.holidays", country=country) if country else turn.t("digest.no_holidays")
        return f"{text} {holidays}"
