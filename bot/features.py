"""The core's own features, each installed onto a LearnBot by its one install step (composition root only).

An install step registers the feature's command specs, actions, reply interceptors and home sections.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from bot import learning_personal_data
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
    bot.personal_data.register(learning_personal_data.CONTRACT)


def core_features(learning_log: LearningLog) -> list[Callable[[LearnBot], None]]:
    """help, the learning log, language and time zone, roles: in the order `help` lists them."""
    return [
        help_commands.install,
        partial(install_learning_log, learning_log=learning_log),
        profile.install,
        role_commands.install,
    ]
