"""The nudge engine's part of a member's home page: streak, next nudges, and pause/resume buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from bot.commands.spec import Args
from bot.conversations.tables import Series
from bot.db.models import ConversationMember
from bot.directory import member_timezone
from bot.model import Block, Button, Buttons, Fields, InboundAction, OutboundMessage, Text
from bot.nudges import messages
from bot.nudges.commands import NudgeCommands
from bot.nudges.kind import KIND
from bot.nudges.streaks import streak
from bot.people.tables import MemberSettings
from bot.turn import Turn

if TYPE_CHECKING:
    from bot.core import LearnBot

NEXT_SHOWN = 3


class NudgeHome:
    def __init__(self, commands: NudgeCommands) -> None:
        self._commands = commands

    def register(self, bot: LearnBot) -> None:
        bot.home.add(self.section, order=10)
        bot.action("nudges.pause", self.pause)
        bot.action("nudges.resume", self.resume)

    async def section(self, turn: Turn) -> tuple[Block, ...]:
        result = await streak(turn.session, turn.member.id, turn.now)
        preference = await turn.session.get(MemberSettings, turn.member.id)
        paused = bool(preference and preference.paused)
        status = (
            turn.t("nudges.streak", current=result.current, best=result.best)
            if result.best
            else turn.t("nudges.streak_none")
        )
        if paused:
            status += "\n" + (
                turn.t("home.paused_until", date=preference.paused_until.isoformat())
                if preference and preference.paused_until
                else turn.t("home.paused")
            )
        blocks: list[Block] = [Text(status)]
        upcoming = await self._upcoming(turn)
        if upcoming:
            zone = member_timezone(turn.member)
            blocks.append(
                Fields(
                    tuple(
                        (
                            schedule.next_due_at.astimezone(zone).strftime("%a %Y-%m-%d %H:%M"),  # type: ignore[union-attr]
                            messages.title(turn.t, (schedule.settings or {}).get("prompt_set", "daily_reflection")),
                        )
                        for schedule in upcoming
                    )
                )
            )
        else:
            blocks.append(Text(turn.t("home.no_nudges")))
        button = (
            Button(turn.t("home.resume"), "nudges.resume", style="primary")
            if paused
            else Button(turn.t("home.pause"), "nudges.pause")
        )
        blocks.append(Buttons((button,)))
        return tuple(blocks)

    async def _upcoming(self, turn: Turn) -> list[Series]:
        """Active schedules that reach this member: their own, and those of channels they are in."""
        channels = select(ConversationMember.conversation_id).where(ConversationMember.member_id == turn.member.id)
        query = (
            select(Series)
            .where(
                Series.kind == KIND,
                Series.tenant_id == turn.tenant.id,
                Series.paused.is_(False),
                Series.next_due_at.is_not(None),
                or_(Series.owner_member_id == turn.member.id, Series.conversation_id.in_(channels)),
            )
            .order_by(Series.next_due_at)
            .limit(NEXT_SHOWN)
        )
        return list(await turn.session.scalars(query))

    async def pause(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        return await self._commands.pause(turn, Args())

    async def resume(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        return await self._commands.resume(turn, Args())
