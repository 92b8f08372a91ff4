"""The core's features, wired onto a LearnBot. Called once by the composition root."""

from __future__ import annotations

from bot.commands import help as help_commands
from bot.commands import profile
from bot.commands.learning import LearningCommands
from bot.core import LearnBot
from bot.learning_log import LearningLog


def install_core_features(bot: LearnBot, learning_log: LearningLog) -> None:
    help_commands.register(bot)
    LearningCommands(learning_log).register(bot)
    profile.register(bot)
