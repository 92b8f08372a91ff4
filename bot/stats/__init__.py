"""`my stats`: a member's own figures, privately, in their language. Nobody else's figures are ever shown here."""

from __future__ import annotations

from pathlib import Path

import prompts
from bot.commands.spec import Args, CommandSpec
from bot.core import LearnBot
from bot.model import Context, Fields, Header, OutboundMessage
from bot.stats.figures import RECENT_DAYS, MemberFigures, figures
from bot.turn import Turn


def _fields(turn: Turn, found: MemberFigures) -> Fields:
    t = turn.t
    participation = (
        t(
            "stats.participation_value",
            percent=found.participation,
            answered=found.answered_recent,
            asked=found.asked_recent,
        )
        if found.participation is not None
        else t("stats.nothing_asked")
    )
    pairs = (
        (t("stats.answers"), str(found.answers)),
        (t("stats.participation", days=RECENT_DAYS), participation),
        (t("stats.streak"), t("stats.streak_value", current=found.streak_current, best=found.streak_best)),
        (
            t("stats.learnings"),
            t(
                "stats.learnings_value",
                total=found.learnings,
                recent=found.learnings_recent,
                days=RECENT_DAYS,
                private=found.learnings_private,
            ),
        ),
        (t("stats.applied"), str(found.applied)),
        (t("stats.kudos"), t("stats.kudos_value", received=found.kudos_received, given=found.kudos_given)),
        (t("stats.goals"), t("stats.done_of", done=found.goals_done, total=found.goals)),
        (t("stats.actions"), t("stats.done_of", done=found.actions_done, total=found.actions)),
    )
    return Fields(pairs)


async def my_stats(turn: Turn, args: Args) -> list[OutboundMessage]:
    found = await figures(turn.session, turn.member.id, turn.now)
    title = turn.t("stats.title")
    blocks = (Header(title), _fields(turn, found), Context(turn.t("stats.only_you")))
    return [OutboundMessage(text=title, blocks=blocks, private=True)]


def install(bot: LearnBot) -> None:
    """`my stats`' one install step: its texts and the command."""
    bot.catalog.add_directory(Path(prompts.__file__).parent / "stats")
    bot.command(CommandSpec("my", subcommands=(CommandSpec("my.stats", my_stats),), default="stats", priority=25))
