"""`scorecard [#channel|team] [months N]` for managers: the figures as a message, and the chart as a PNG sent
after the turn commits (Slack: an upload; Teams: inline in a card; terminal: a file and its path)."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.catalog import Translator
from bot.charts import render_png
from bot.commands.spec import Arg, Args, CommandSpec, Kind, Role
from bot.model import ConversationKind, OutboundFile, OutboundMessage
from bot.ports import DeliveryError
from bot.scorecard import render
from bot.scorecard.card import Card, Scorecard
from bot.scorecard.indicators import Team
from bot.scorecard.periods import MAX_MONTHS, last_months, rolling
from bot.scorecard.teams import channel_team, team_of
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.core import LearnBot

log = logging.getLogger(__name__)
# The chart's size in chat, and a palette small enough for a Teams card's inline image.
CHART_WIDTH, CHART_HEIGHT, CHART_COLOURS = 800, 450, 32


def chart_file(t: Translator, card: Card) -> OutboundFile:
    png = render_png(render.chart(t, card), width=CHART_WIDTH, height=CHART_HEIGHT, colours=CHART_COLOURS)
    name = f"scorecard-{card.period.start:%Y-%m-%d}-{card.period.end:%Y-%m-%d}.png"
    return OutboundFile(name, png, render.title(t, card), media_type="image/png")


class ScorecardCommands:
    def __init__(self, bot: LearnBot, scorecard: Scorecard) -> None:
        self._bot = bot
        self._scorecard = scorecard

    def spec(self) -> CommandSpec:
        return CommandSpec(
            "scorecard",
            self.show,
            (
                Arg("team", Kind.WORD, required=False),
                Arg("months", Kind.NUMBER, keyword=True, low=1, high=MAX_MONTHS),
            ),
            role=Role.MANAGER,
            priority=46,
        )

    async def _team(self, turn: Turn, args: Args) -> Team:
        word = args.string("team")
        if word is None:
            here = turn.conversation.id if turn.where.kind is not ConversationKind.DIRECT else None
            return await team_of(turn.session, turn.tenant.id, here)
        if word.casefold() in {w.casefold() for w in turn.t.questions("scorecard.whole_team_words")}:
            return Team(turn.tenant.id)
        team = await channel_team(turn.session, turn.tenant.id, word)
        if team is None:
            raise UsageError("scorecard.no_channel", name=word[:80])
        return team

    async def show(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        team = await self._team(turn, args)
        months = args.number("months")
        zone = turn.tenant.timezone
        period = last_months(turn.now, months, zone) if months else rolling(turn.now, zone)
        card = await self._scorecard.card(turn.session, team, period)
        reply = replace(render.message(turn.t, card), thread_id=turn.thread_id, language=turn.language)
        if card.all_withheld or not self._bot.notifier.has(turn.where.platform):
            return [reply]
        # The figures and then their chart, both after the commit, so the chart never arrives first.
        self._send_after(turn, reply, chart_file(turn.t, card))
        return []

    def _send_after(self, turn: Turn, reply: OutboundMessage, file: OutboundFile) -> None:
        bot, notifier, where, user = self._bot, self._bot.notifier, turn.where, turn.user
        failed = replace(OutboundMessage.plain(turn.t("scorecard.chart_failed")), language=turn.language)

        async def send() -> None:
            target = where
            try:
                await notifier.send(target, reply)
            except DeliveryError as error:
                # Not allowed to post here (a Slack channel the bot is not in): the manager's 1:1 chat instead.
                log.warning("could not post a scorecard where asked: %s", error.reason)
                target = await bot.reach(user)
                await notifier.send(target, replace(reply, thread_id=None))
            try:
                await notifier.send_file(target, file)
            except DeliveryError as error:
                log.warning("could not send a scorecard chart: %s", error.reason)
                await notifier.send(target, failed)

        turn.after_commit.append(send)

    def register(self, bot: LearnBot) -> None:
        bot.command(self.spec())
