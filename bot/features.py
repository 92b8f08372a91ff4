"""The core's own features, each installed onto a LearnBot by its one install step (composition root only)."""

from __future__ import annotations

from bot.commands import help as help_commands
from bot.commands import profile
from bot.commands.learning import LearningCommands
from bot.commands.learning_form import LearningForm
from bot.core import LearnBot
from bot.learning_log import LearningLog
from bot.roles import commands as role_commands


def install_learning_log(bot: LearnBot, learning_log: LearningLog) -> None:
    learning_commands = LearningCommands(learning_log)
    learning_commands.register(bot)
    LearningForm(learning_log, learning_commands).register(bot)


def install_core_features(bot: LearnBot, learning_log: LearningLog) -> None:
    """help, the learning log, language and time zone, roles."""
    help_commands.install(bot)
    install_learning_log(bot, learning_log)
    profile.install(bot)
    role_commands.install(bot)
