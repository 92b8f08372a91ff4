"""The core's own features, each installed onto a LearnBot by its one install step (composition root only).

An install step registers the feature's command specs, actions, reply interceptors and home sections.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.commands import help as help_commands
from bot.commands import profile
from bot.core import LearnBot
from bot.roles import commands as role_commands


def core_features() -> list[Callable[[LearnBot], None]]:
    """help, language and time zone, roles."""
    return [
        help_commands.install,
        profile.install,
        role_commands.install,
    ]
