"""Learning circles: a manager starts one in a channel, members opt in, and every few weeks they are matched into
pairs or small groups (bot/circles/matching.py), told why, and asked afterwards whether they met. The draw, the
announcement and the check-in are kinds of the conversation engine."""

from __future__ import annotations

from pathlib import Path

import prompts
from bot.circles import personal_data
from bot.circles.commands import CircleCommands
from bot.circles.kinds import CheckInKind, DrawKind, MatchKind
from bot.conversations.engine import ConversationEngine
from bot.core import LearnBot
from bot.privacy.k_anonymity import Rule


def install(bot: LearnBot, engine: ConversationEngine, rule: Rule) -> CircleCommands:
    """Circles' one install step: texts, the three kinds, the commands and the personal-data contract. `rule` is
    the team's k-anonymity rule (how many joined a circle is a figure about people)."""
    bot.catalog.add_directory(Path(prompts.__file__).parent / "circles")
    for kind in (DrawKind(), MatchKind(), CheckInKind()):
        engine.install(kind)
    commands = CircleCommands(engine, rule)
    commands.register(bot)
    bot.personal_data.register(personal_data.CONTRACT)
    return commands
