"""The core's features, wired onto a LearnBot. Called once by the composition root."""

from __future__ import annotations

from bot.commands import help as help_commands
from bot.commands import profile
from bot.commands.learning import LearningCommands
from bot.commands.learning_form import LearningForm
from bot.core import LearnBot
from bot.learning_log import LearningLog


def install_core_features(bot: LearnBot, learning_log: LearningLog) -> None:
    help_commands.register(bot)
    learning_commands = LearningCommands(learning_log)
    learning_commands.register(bot)
    LearningForm(learning_log, learning_commands).register(bot)
    profile.register(bot)
