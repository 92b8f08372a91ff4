"""Kudos: `kudos @member [for …]`, a button on shared learnings and closed retros' summaries, and (Slack) a
reaction from a configured set on a message a learning was saved from. Counted in `my stats` and the weekly
digest; never ranked for managers."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import prompts
from bot.core import LearnBot
from bot.kudos import personal_data
from bot.kudos.commands import KudosCommands, learning_button
from bot.learning.log import LearningLog


def install(bot: LearnBot, learning_log: LearningLog, reactions: Collection[str]) -> KudosCommands:
    """Kudos' one install step: texts, the command, the buttons (under learnings the log shows), the reaction
    actions and the personal-data contract."""
    bot.catalog.add_directory(Path(prompts.__file__).parent / "kudos")
    commands = KudosCommands(bot, reactions)
    commands.register(bot)
    learning_log.buttons.append(learning_button)
    bot.personal_data.register(personal_data.CONTRACT)
    return commands
